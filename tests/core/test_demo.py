"""The demo history tells the story the README promises: drift where the data moved, not before."""

from core import store as st
from core.demo import seed_demo
from core.monitoring.overview import monitor


def test_demo_shows_drift_only_where_the_data_moved_with_performance_and_alerts(isolated_home):
    store = st.Store(isolated_home)
    credit, bikes = seed_demo(store)
    assert seed_demo(store)[0].id == credit.id and len(store.list_versions()) == 2  # once only
    ov = monitor(store, credit)
    assert list(ov.batches["source"]) == [f"customers_2026-{m:02d}.csv" for m in range(1, 7)]
    assert list(ov.batches["dataset_drift"]) == [False] * 3 + [True] * 3
    assert (ov.batches["labelled_rows"] == ov.batches["rows"]).all()
    assert set(ov.performance["batch"]) == set(ov.batches["batch"])
    assert any(a["severity"] == "critical" for a in ov.alerts) and len(store.alerts(credit))
    bike = monitor(store, bikes)
    assert bike.batches["dataset_drift"].all() and len(bike.performance)
    assert store.list_versions()[0].id == credit.id  # the newest: the pages open on it
