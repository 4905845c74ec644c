"""Model health over logged batches: drift, prediction drift, quality, performance, alerts."""

import numpy as np
import pandas as pd
import pytest

from core import store as st
from core.errors import ConfigError
from core.labels import attach_labels
from core.monitoring.overview import MonitorSettings, monitor
from core.monitoring.report import render_report
from core.scoring import score_and_log


@pytest.fixture
def history(isolated_home, loan_model, loans):
    """Batch 1 looks like training; batch 2 has tripled incomes and amounts, only 'medical' loans
    and gaps: 3 of the 5 features drift."""
    store = st.Store(isolated_home)
    version = store.register_model(loan_model)
    plain = loans.drop(columns="default")
    same = score_and_log(store, version, plain.iloc[:120], name="same.csv")
    shifted = plain.iloc[120:].copy()
    shifted["income"] = shifted["income"] * 3
    shifted["amount"] = shifted["amount"] * 3
    shifted["purpose"] = "medical"
    shifted.loc[shifted.index[:60], "years_employed"] = np.nan
    moved = score_and_log(store, version, shifted, name="moved.csv")
    return store, version, same.batch_id, moved.batch_id


def test_shifted_batch_drifts_and_the_plain_one_does_not(history):
    store, version, same, moved = history
    ov = monitor(store, version)
    b = ov.batches.set_index("batch")
    assert list(ov.batches["batch"]) == [same, moved]
    assert not b.loc[same, "dataset_drift"] and b.loc[moved, "dataset_drift"]
    drifted = ov.feature_drift[ov.feature_drift["drifted"]]
    assert set(drifted.loc[drifted["batch"] == moved, "column"]) == {"income", "amount", "purpose"}
    assert drifted[drifted["batch"] == same].empty
    assert b.loc[moved, "prediction_drifted"]


def test_dataset_drift_follows_the_share_setting(history):
    store, version, _, moved = history
    ov = monitor(store, version, MonitorSettings(drift_share=1.0))
    row = ov.batches.set_index("batch").loc[moved]
    assert row["drift_share"] < 1.0 and not row["dataset_drift"]


def test_quality_compares_missing_share_with_training_and_raises_alerts(history, loans):
    store, version, _, moved = history
    ov = monitor(store, version)
    q = ov.quality[(ov.quality["batch"] == moved) & (ov.quality["column"] == "years_employed")]
    expected = (loans["years_employed"].iloc[120:].isna().to_numpy() | (np.arange(120) < 60)).mean()
    assert q["share"].iloc[0] == pytest.approx(expected)
    assert q["training_share"].iloc[0] == pytest.approx(version.metadata["features"][2]["missing_share"])
    metrics = {(a["batch_id"], a["metric"]): a for a in ov.alerts}
    assert metrics[(moved, "missing:years_employed")]["severity"] == "warning"
    assert metrics[(moved, "dataset_drift")]["severity"] == "critical"
    stored = store.alerts(version)
    assert set(zip(stored["batch_id"], stored["metric"])) == set(metrics)
    monitor(store, version)  # computing again stores no duplicate
    assert len(store.alerts(version)) == len(stored)


def test_performance_appears_with_labels_and_equals_the_evaluation_metric(history, loans):
    from sklearn.metrics import balanced_accuracy_score

    store, version, same, _ = history
    ov = monitor(store, version)
    assert ov.performance.empty and ov.headline()["latest_performance"] is None
    truth = loans["default"].iloc[:120]
    attach_labels(store, version, pd.DataFrame({"loan_id": loans["loan_id"].iloc[:120], "default": truth}),
                  batch_id=same)
    ov = monitor(store, version)
    preds = store.read_batch(store.get_batch(same), [st.PREDICTION])[st.PREDICTION]
    got = ov.performance.query("metric == 'balanced_accuracy'")["value"].iloc[0]
    assert got == pytest.approx(balanced_accuracy_score(truth.to_numpy(), preds.to_numpy()))
    assert ov.headline()["latest_performance"] == pytest.approx(got)


def test_performance_drop_beyond_the_setting_is_a_critical_alert(history, loans):
    store, version, same, _ = history
    wrong = np.where(loans["default"].iloc[:120] == "yes", "no", "yes")  # every label flipped
    attach_labels(store, version, pd.DataFrame({"loan_id": loans["loan_id"].iloc[:120], "default": wrong}),
                  batch_id=same)
    ov = monitor(store, version)
    alert = next(a for a in ov.alerts if a["metric"] == "performance:balanced_accuracy")
    assert alert["severity"] == "critical" and alert["batch_id"] == same
    assert alert["threshold"] == pytest.approx(version.metadata["holdout"]["balanced_accuracy"] - 0.05)


def test_chosen_test_applies_and_unknown_settings_are_refused(history):
    store, version, _, _ = history
    ov = monitor(store, version, MonitorSettings(tests={"*": "psi"}))
    assert set(ov.feature_drift["test"]) == {"psi"}
    with pytest.raises(ConfigError, match="nope"):
        monitor(store, version, MonitorSettings(tests={"*": "nope"}))
    with pytest.raises(ConfigError, match="drift_share"):
        monitor(store, version, MonitorSettings(drift_share=0))


def test_regression_monitoring_tracks_predicted_values(isolated_home, demand_model, demand):
    store = st.Store(isolated_home)
    version = store.register_model(demand_model)
    batch = demand.drop(columns="units").assign(temp=demand["temp"] + 20)
    scored = score_and_log(store, version, batch)
    ov = monitor(store, version)
    assert ov.batches["prediction_drifted"].iloc[0]
    assert {"p10", "median", "p90", "mean"} <= set(ov.prediction_shares["statistic"])
    attach_labels(store, version, pd.DataFrame({"prediction_id": scored.frame["prediction_id"],
                                                "units": demand["units"]}))
    assert {"mae", "rmse", "r2"} <= set(monitor(store, version).performance["metric"])


def test_html_report_is_self_contained_and_escapes_data(history):
    store, version, _, moved = history
    html = render_report(store, monitor(store, version), moved)
    assert html.startswith("<!doctype html>") and "Plotly" in html and "<script src=" not in html
    assert "income" in html and moved in html
    with pytest.raises(ConfigError, match="not a batch"):
        render_report(store, monitor(store, version), "b-unknown")


def test_a_what_if_run_shows_alerts_without_storing_them(history):
    store, version, _, _ = history
    ov = monitor(store, version, MonitorSettings(drift_share=0.2))
    assert ov.alerts and store.alerts(version).empty
    monitor(store, version)
    assert not store.alerts(version).empty


def test_chi_square_on_a_measurement_is_refused_or_falls_back(history):
    store, version, _, _ = history
    with pytest.raises(ConfigError, match="'income' is a measurement"):
        monitor(store, version, MonitorSettings(tests={"income": "chisquare"}))
    ov = monitor(store, version, MonitorSettings(tests={"*": "chisquare"}))
    t = ov.feature_drift.drop_duplicates("column").set_index("column")["test"]
    assert t["purpose"] == "chisquare" and t["income"] in ("ks", "wasserstein")
    assert any("does not fit" in n and "income" in n for n in ov.notes)


def test_a_lost_batch_file_is_left_out_with_a_note_and_an_unknown_batch_is_named(history):
    store, version, same, moved = history
    (store.home / store.get_batch(same).path).unlink()
    ov = monitor(store, version)
    assert list(ov.batches["batch"]) == [moved] and any(same in n for n in ov.notes)
    with pytest.raises(ConfigError, match="'?b-nope'? is not a batch"):
        monitor(store, version, batch_ids=["b-nope"])


def _tables(ov):
    return [ov.batches, ov.feature_drift, ov.prediction_shares, ov.quality, ov.performance, pd.DataFrame(ov.alerts)]


def test_a_second_run_reads_no_batch_and_gives_the_same_tables(history, monkeypatch):
    store, version, _, _ = history
    first = monitor(store, version)
    monkeypatch.setattr(st.Store, "read_batch", lambda *a, **k: pytest.fail("a cached batch was read again"))
    monkeypatch.setattr(st.Store, "read_batches", lambda *a, **k: pytest.fail("a cached batch was read again"))
    again = monitor(store, version)
    for a, b in zip(_tables(first), _tables(again)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert {k: d.to_df().to_dict() for k, d in first.drift_by_batch.items()} == \
        {k: d.to_df().to_dict() for k, d in again.drift_by_batch.items()}


def test_other_settings_and_new_batches_are_computed_not_taken_from_the_cache(history, loans):
    store, version, same, moved = history
    monitor(store, version)
    assert set(monitor(store, version, MonitorSettings(tests={"*": "psi"})).feature_drift["test"]) == {"psi"}
    assert not monitor(store, version, MonitorSettings(drift_share=1.0)).batches["dataset_drift"].any()
    newer = score_and_log(store, version, loans.drop(columns="default").head(40), name="newer.csv")
    ov = monitor(store, version)
    assert list(ov.batches["batch"]) == [same, moved, newer.batch_id]
    uncached = monitor(store, version, use_cache=False)
    for a, b in zip(_tables(ov), _tables(uncached)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_new_label_upload_is_never_hidden_by_cached_performance(history, loans):
    store, version, same, _ = history
    truth = loans["default"].iloc[:120]
    attach_labels(store, version, pd.DataFrame({"loan_id": loans["loan_id"].iloc[:120], "default": truth}),
                  batch_id=same)
    right = monitor(store, version).performance.query("metric == 'accuracy'")["value"].iloc[0]
    flipped = np.where(truth == "yes", "no", "yes")
    attach_labels(store, version, pd.DataFrame({"loan_id": loans["loan_id"].iloc[:120], "default": flipped}),
                  batch_id=same)
    wrong = monitor(store, version).performance.query("metric == 'accuracy'")["value"].iloc[0]
    assert wrong == pytest.approx(1 - right)
