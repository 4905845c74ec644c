"""Performance on labelled logged predictions, robust to labels stored before uploads were checked."""

import numpy as np
import pandas as pd
import pytest

from core import store as st
from core.monitoring.overview import monitor
from core.monitoring.performance import batch_performance
from core.scoring import score_and_log

REGRESSION = {"task": "regression", "holdout": {"rmse": 1.0}}


def _rows(n=4):
    return pd.DataFrame({st.PREDICTION_ID: [f"p{i}" for i in range(n)], st.PREDICTION: [1.0, 2.0, 3.0, 4.0][:n],
                         "__batch": ["b1"] * n})


def test_non_finite_regression_labels_are_left_out_and_noted():
    labels = pd.DataFrame({st.PREDICTION_ID: ["p0", "p1", "p2", "p3"], st.ACTUAL: [1.0, np.inf, 3.0, -np.inf]})
    perf = batch_performance(_rows(), labels, REGRESSION)
    rmse = perf.query("metric == 'rmse'")
    assert rmse["value"].iloc[0] == pytest.approx(0.0) and rmse["labelled_rows"].iloc[0] == 2
    assert perf.attrs["notes"] == ["2 stored labels are not finite numbers (for example infinity); performance "
                                   "leaves those rows out."]


def test_finite_labels_give_no_note():
    labels = pd.DataFrame({st.PREDICTION_ID: ["p0", "p1"], st.ACTUAL: [1.0, 2.5]})
    perf = batch_performance(_rows(), labels, REGRESSION)
    assert perf.attrs["notes"] == [] and perf.query("metric == 'mae'")["value"].iloc[0] == pytest.approx(0.25)


def test_a_store_holding_an_infinite_label_still_monitors(isolated_home, demand_model, demand):
    store = st.Store(isolated_home)
    version = store.register_model(demand_model)
    result = score_and_log(store, version, demand.drop(columns="units").iloc[:40])
    ids = result.frame["prediction_id"]
    pairs = pd.DataFrame({st.PREDICTION_ID: ids, st.ACTUAL: [np.inf] + list(demand["units"].iloc[1:40])})
    store.log_labels(version, pairs, source_name="old.csv", source_sha256=None, batch_ids=[result.batch_id])
    ov = monitor(store, version)
    assert not ov.performance.empty
    assert set(ov.performance["labelled_rows"]) == {39}
