"""Score and Monitor pages through AppTest, on a real store filled through core."""

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import store as st_store
from core.io import load_csv
from core.labels import attach_labels
from core.scoring import score_and_log

from tests.conftest import ROOT, SAMPLE_DATA

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def texts(at):
    return " ".join([m.value for m in at.markdown] + [i.value for i in at.info] + [s.value for s in at.success]
                    + [w.value for w in at.warning] + [c.value for c in at.caption])


def page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["mo_sample_autoloaded"] = True
    at.run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def logged(isolated_home, loan_model, loans):
    """A registered loan model with two logged batches (the second shifted) and labels for it."""
    store = st_store.Store(isolated_home)
    version = store.register_model(loan_model)
    plain = loans.drop(columns="default")
    first = score_and_log(store, version, plain.iloc[:120], name="week1.csv")
    shifted = plain.iloc[120:].assign(income=plain["income"].iloc[120:] * 3, purpose="medical")
    second = score_and_log(store, version, shifted, name="week2.csv")
    attach_labels(store, version, pd.DataFrame({"loan_id": loans["loan_id"].iloc[120:],
                                                "default": loans["default"].iloc[120:]}), batch_id=second.batch_id)
    return store, version, first.batch_id, second.batch_id


def test_pages_without_a_registered_model_say_where_to_start():
    for path, needle in (("pages/6_Score.py", "No saved model yet"), ("pages/7_Monitor.py", "No registered model")):
        at = page(path)
        assert needle in texts(at)


def test_score_page_scores_logs_once_and_takes_labels(isolated_home, loan_model, loans):
    store = st_store.Store(isolated_home)
    version = store.register_model(loan_model)
    older = score_and_log(store, version, loans.drop(columns="default").head(3), name="older.csv")
    at = page("pages/6_Score.py")
    assert at.selectbox(key="score_model").value == version.id
    data = (SAMPLE_DATA / "credit_batch.csv").read_bytes()  # wrong columns for this model: a clear error
    at.file_uploader(key="score_batch_upload").set_value(("credit.csv", data, "text/csv")).run()
    assert not at.exception and any("lacks" in e.value for e in at.error)
    assert [b.id for b in store.list_batches(version)] == [older.batch_id]

    batch = "loan_id,income,amount,purpose,region,years_employed\nA1,50000,9000,car,north,3\nA2,20000,25000,boat,south,\n"
    at.file_uploader(key="score_batch_upload").set_value(("new.csv", batch.encode(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Logged as batch" in texts(at) and "boat" in texts(at)
    at.run()  # a rerun (any click) must not log the same upload again
    at.checkbox(key="score_log").uncheck().run()
    at.checkbox(key="score_log").check().run()  # nor does switching logging off and on
    assert [b.id for b in store.list_batches(version)][0] == older.batch_id
    logged = store.list_batches(version)[-1]
    assert len(store.list_batches(version)) == 2 and logged.rows == 2
    assert at.selectbox(key="labels_batch").value == logged.id  # labels go to the batch just scored

    labels = "loan_id,default\nA1,no\nA2,yes\nZZ,no\n"
    at.file_uploader(key="labels_upload").set_value(("labels.csv", labels.encode(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "2 of 3 label rows matched" in texts(at) and "ZZ" in texts(at)
    assert len(store.labels(version)) == 2


def test_monitor_page_shows_health_drift_and_performance(logged):
    store, version, first, second = logged
    at = page("pages/7_Monitor.py")
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Batches"] == "2" and metrics["Rows scored"] == "240"
    assert metrics["Latest balanced_accuracy"] != "—"
    assert len(at.get("plotly_chart")) >= 5
    assert at.selectbox(key="monitor_batch").value == second
    drift = at.dataframe[1].value
    assert set(drift.loc[drift["drifted"], "column"]) >= {"income", "purpose"}
    at.selectbox(key="monitor_batch").set_value(first).run()
    drift = at.dataframe[1].value
    assert not drift["drifted"].any()
    at.button(key="monitor_build_report").click().run()
    assert not at.exception and at.get("download_button")
    assert len(store.alerts(version)) >= 1


def test_monitor_page_in_chinese_and_with_a_chosen_test(logged):
    at = page("pages/7_Monitor.py")
    at.selectbox(key="monitor_test").set_value("psi").run()
    assert not at.exception and not at.error
    drift = at.dataframe[1].value
    assert set(drift["test"]) == {"psi"}
    at.selectbox(key="language_select").set_value("zh").run()
    assert at.title[0].value == "监控"
