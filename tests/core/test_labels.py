"""Ground truth arriving later, matched by prediction id or by the batch's own id columns."""

import pandas as pd
import pytest

from core import store as st
from core.errors import LabelError
from core.labels import attach_labels
from core.scoring import score_and_log


@pytest.fixture
def scored(isolated_home, loan_model, loans):
    store = st.Store(isolated_home)
    version = store.register_model(loan_model)
    batch = loans.drop(columns="default").iloc[:40]
    result = score_and_log(store, version, batch, name="batch.csv")
    return store, version, result


def test_labels_by_prediction_id_need_no_batch(scored, loans):
    store, version, result = scored
    labels = pd.DataFrame({"prediction_id": result.frame["prediction_id"], "default": loans["default"].iloc[:40]})
    report = attach_labels(store, version, labels)
    assert (report.matched, report.unmatched, report.key) == (40, 0, ["prediction_id"])
    stored = store.labels(version)
    assert list(stored[st.ACTUAL]) == list(loans["default"].iloc[:40])


def test_labels_by_own_id_report_rows_that_match_nothing(scored, loans):
    store, version, result = scored
    labels = pd.DataFrame({"loan_id": list(loans["loan_id"].iloc[:30]) + ["X1", "X2"],
                           "default": list(loans["default"].iloc[:30]) + ["yes", "no"]})
    report = attach_labels(store, version, labels, batch_id=result.batch_id)
    assert (report.matched, report.unmatched) == (30, 2)
    assert report.unmatched_examples == ["X1", "X2"]
    assert any("2 label rows matched no scored prediction" in m for m in report.messages())


def test_own_id_without_a_batch_is_refused_with_a_way_out(scored, loans):
    store, version, _ = scored
    labels = pd.DataFrame({"loan_id": loans["loan_id"].iloc[:5], "default": loans["default"].iloc[:5]})
    with pytest.raises(LabelError, match="choose the batch"):
        attach_labels(store, version, labels)


def test_later_upload_wins_and_missing_values_are_counted(scored):
    store, version, result = scored
    ids = result.frame["prediction_id"].iloc[:3]
    attach_labels(store, version, pd.DataFrame({"prediction_id": ids, "default": ["no", "no", "no"]}))
    report = attach_labels(store, version, pd.DataFrame({"prediction_id": ids, "default": ["yes", None, "yes"]}))
    assert report.missing_target == 1 and report.matched == 2
    assert list(store.labels(version).set_index(st.PREDICTION_ID).loc[list(ids), st.ACTUAL]) == ["yes", "no", "yes"]


@pytest.mark.parametrize("frame,match", [
    (pd.DataFrame({"prediction_id": ["x"], "outcome": ["yes"]}), "no column 'default'"),
    (pd.DataFrame({"something": ["x"], "default": ["yes"]}), "no column to match predictions by"),
    (pd.DataFrame({"prediction_id": ["nope-1"], "default": ["yes"]}), "None of the 1 rows"),
])
def test_unusable_label_files_get_a_clear_message(scored, frame, match):
    store, version, _ = scored
    with pytest.raises(LabelError, match=match):
        attach_labels(store, version, frame)


def test_composite_key_matches_like_day_and_hour(isolated_home, demand_model, demand):
    store = st.Store(isolated_home)
    version = store.register_model(demand_model)
    batch = demand.drop(columns="units").iloc[:24].assign(day=[1] * 12 + [2] * 12, hr=list(range(12)) * 2)
    result = score_and_log(store, version, batch)
    labels = pd.DataFrame({"day": [2, 1], "hr": [3, 3], "units": [10.5, 20.0]})
    report = attach_labels(store, version, labels, batch_id=result.batch_id)
    assert report.key == ["day", "hr"] and report.matched == 2
    got = store.labels(version).set_index(st.PREDICTION_ID)[st.ACTUAL]
    assert got[f"{result.batch_id}-15"] == 10.5 and got[f"{result.batch_id}-3"] == 20.0


def test_labels_with_any_row_index_match(scored, loans):
    store, version, result = scored
    labels = pd.DataFrame({"loan_id": loans["loan_id"], "default": loans["default"]}).iloc[10:40]  # index 10..39
    report = attach_labels(store, version, labels, batch_id=result.batch_id)
    assert report.matched == 30 and report.missing_target == 0


def test_labels_naming_none_of_the_models_classes_are_refused_and_not_stored(scored):
    store, version, result = scored
    ids = result.frame["prediction_id"].iloc[:4]
    with pytest.raises(LabelError, match=r"predicts 'no', 'yes', the file holds '0', '1'.*nothing was stored"):
        attach_labels(store, version, pd.DataFrame({"prediction_id": ids, "default": [0, 1, 1, 0]}))
    assert store.labels(version).empty


def test_some_unknown_classes_are_kept_with_a_note(scored):
    store, version, result = scored
    ids = result.frame["prediction_id"].iloc[:3]
    report = attach_labels(store, version, pd.DataFrame({"prediction_id": ids, "default": ["yes", "maybe", "no"]}))
    assert report.matched == 3 and report.unknown_classes == ["maybe"]
    assert any("never predicts: maybe" in m for m in report.messages())


def test_a_labels_file_without_a_key_lists_its_columns_and_the_batch_keys(scored):
    store, version, result = scored
    with pytest.raises(LabelError, match=r"prediction_id column of the scored file or an id column the batch has "
                                         r"\('loan_id'\)\. The columns of the labels file: 'default'\."):
        attach_labels(store, version, pd.DataFrame({"default": ["yes"]}), batch_id=result.batch_id)


def test_infinite_regression_labels_are_missing_counted_and_never_stored(isolated_home, demand_model, demand):
    store = st.Store(isolated_home)
    version = store.register_model(demand_model)
    result = score_and_log(store, version, demand.drop(columns="units").iloc[:5])
    labels = pd.DataFrame({"prediction_id": result.frame["prediction_id"],
                           "units": [1.0, float("inf"), "-inf", None, 4.0]})
    report = attach_labels(store, version, labels)
    assert (report.matched, report.not_finite, report.missing_target) == (2, 2, 1)
    assert any("2 label rows had an infinite value in 'units'" in m for m in report.messages())
    assert list(store.labels(version)[st.ACTUAL]) == [1.0, 4.0]
