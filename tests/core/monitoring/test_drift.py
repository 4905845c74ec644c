"""Per-column drift, the dataset verdict and the drill-down distributions."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from core.errors import ConfigError
from core.monitoring.drift import COLUMNS, column_drift, distributions
from core.monitoring.stattests import REGISTRY

ROOT = Path(__file__).resolve().parents[3]
KINDS = {"x": "numeric", "y": "numeric", "c": "categorical", "when": "datetime"}


def frame(seed, n=600, shift=0.0, cat_p=(0.5, 0.3, 0.2)):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(shift, 1, n), "y": rng.normal(0, 1, n),
                         "c": rng.choice(["a", "b", "c"], n, p=cat_p), "when": "2024-01-01"})


def test_a_shifted_column_drifts_and_an_unshifted_sample_does_not():
    res = column_drift(frame(1), frame(2, shift=1.0, cat_p=(0.1, 0.2, 0.7)), KINDS)
    assert res.drifted_columns == ["x", "c"]
    assert list(res.to_df()["column"]) == ["x", "y", "c"]  # datetime skipped without error


def test_large_samples_use_the_normed_distance_and_an_unshifted_sample_does_not_drift():
    res = column_drift(frame(1, n=5000), frame(2, n=5000, shift=0.5), KINDS)
    t = res.to_df().set_index("column")
    assert t.loc["x", "test"] == "wasserstein" and t.loc["c", "test"] == "jensenshannon"
    assert res.drifted_columns == ["x"]


def test_default_scores_of_a_large_sample_equal_scipy_computed_per_column():
    # What bench/drift_evidently.py compares with Evidently at 100,000 rows, checked against
    # scipy: Wasserstein normed by the reference's population std, Jensen-Shannon on value shares.
    ref, cur = frame(1, n=3000), frame(2, n=2000, shift=0.5, cat_p=(0.4, 0.4, 0.2))
    t = column_drift(ref, cur, KINDS).to_df().set_index("column")
    for col in ("x", "y"):
        expected = stats.wasserstein_distance(ref[col], cur[col]) / np.std(ref[col])
        assert t.loc[col, "test"] == "wasserstein" and t.loc[col, "score"] == pytest.approx(expected, rel=1e-12)
    shares = [[np.mean(s == k) for k in "abc"] for s in (ref["c"], cur["c"])]
    assert t.loc["c", "test"] == "jensenshannon"
    assert t.loc["c", "score"] == pytest.approx(distance.jensenshannon(*shares), rel=1e-12)


def test_the_caller_s_frames_are_left_as_they_were():
    ref, cur = frame(1, n=3000), frame(2, n=2000, shift=0.5)
    before = ref.copy(), cur.copy()
    column_drift(ref, cur, KINDS)
    pd.testing.assert_frame_equal(ref, before[0])
    pd.testing.assert_frame_equal(cur, before[1])


def test_share_counts_drifted_among_tested_columns():
    res = column_drift(frame(1), frame(2, shift=1.0, cat_p=(0.1, 0.2, 0.7)), KINDS)
    assert res.share == pytest.approx(2 / 3) and res.dataset_drift


def test_dataset_drift_flips_at_the_share_threshold():
    ref, cur = frame(1), frame(2, shift=1.0)  # one of three columns drifts
    assert column_drift(ref, cur, KINDS, drift_share=1 / 3).dataset_drift
    assert not column_drift(ref, cur, KINDS, drift_share=0.34).dataset_drift


def test_scores_are_the_registered_tests_own_scores():
    ref, cur = frame(1), frame(2, shift=0.2)
    row = column_drift(ref, cur, {"x": "numeric"}).columns[0]
    assert row.score == REGISTRY["ks"](ref["x"].to_numpy(), cur["x"].to_numpy()).score
    assert (row.ref_rows, row.cur_rows, row.score_kind, row.threshold) == (600, 600, "p_value", 0.05)


def test_missing_values_infinities_and_text_in_numbers_are_left_out():
    ref, cur = frame(1), frame(2)
    cur["x"] = cur["x"].astype(object)
    cur.loc[:99, "x"] = np.nan
    cur.loc[100:109, "x"] = np.inf
    cur.loc[110:114, "x"] = "n/a"
    row = column_drift(ref, cur, {"x": "numeric"}).columns[0]
    assert (row.ref_rows, row.cur_rows) == (600, 485)


def test_categories_read_as_integers_and_as_floats_are_the_same_categories():
    ref = pd.DataFrame({"g": np.tile([1, 2, 3], 200)})
    cur = pd.DataFrame({"g": np.tile([1.0, 2.0, 3.0, np.nan], 150)})
    row = column_drift(ref, cur, {"g": "categorical"}).columns[0]
    assert row.test == "chisquare" and row.score == pytest.approx(1.0) and row.cur_rows == 450


def test_a_column_absent_from_the_batch_is_reported_not_tested():
    res = column_drift(frame(1), frame(2).drop(columns="y"), KINDS)
    assert res.missing_columns == ["y"] and "y" not in res.to_df()["column"].tolist()


def test_a_column_absent_from_the_reference_is_refused():
    with pytest.raises(ConfigError, match="Column 'y' is not in the reference data"):
        column_drift(frame(1).drop(columns="y"), frame(2), KINDS)


def test_an_empty_column_has_no_score_and_does_not_count_in_the_share():
    ref, cur = frame(1), frame(2, shift=1.0)
    cur["y"] = np.nan
    res = column_drift(ref, cur, KINDS)
    y = res.to_df().set_index("column").loc["y"]
    assert math.isnan(y["score"]) and not y["drifted"] and y["cur_rows"] == 0
    assert res.tested_columns == ["x", "c"] and res.share == pytest.approx(1 / 2)


def test_no_tested_column_is_no_dataset_drift():
    res = column_drift(frame(1), frame(2), {"when": "datetime"})
    assert res.columns == [] and res.share == 0.0 and not res.dataset_drift
    assert list(res.to_df().columns) == COLUMNS


def test_a_test_for_all_columns_and_a_column_s_own_test_and_threshold():
    res = column_drift(frame(1), frame(2), KINDS, tests={"*": "psi", "c": "chisquare"},
                       thresholds={"*": 0.2, "x": 0.9})
    t = res.to_df().set_index("column")
    assert list(t["test"]) == ["psi", "psi", "chisquare"]
    assert list(t["threshold"]) == [0.9, 0.2, 0.2]


def test_a_test_named_for_a_column_of_another_kind_is_refused_naming_both():
    with pytest.raises(ConfigError, match="'ks' does not apply to the categorical column 'c'"):
        column_drift(frame(1), frame(2), KINDS, tests={"c": "ks"})


def test_a_test_for_all_columns_applies_where_it_fits_and_the_rest_keep_their_default():
    res = column_drift(frame(1), frame(2), KINDS, tests={"*": "ks"}, thresholds={"*": 0.01})
    t = res.to_df().set_index("column")
    assert list(t.loc[["x", "y"], "test"]) == ["ks", "ks"] and list(t.loc[["x", "y"], "threshold"]) == [0.01, 0.01]
    assert t.loc["c", "test"] != "ks" and t.loc["c", "threshold"] != 0.01


def test_an_unknown_test_name_is_refused():
    with pytest.raises(ConfigError, match="Unknown drift test 'kl'"):
        column_drift(frame(1), frame(2), KINDS, tests={"x": "kl"})


def test_a_setting_for_a_column_that_is_not_tested_is_refused():
    with pytest.raises(ConfigError, match="names column 'when'"):
        column_drift(frame(1), frame(2), KINDS, thresholds={"when": 0.1})


def test_a_bad_threshold_names_the_column():
    with pytest.raises(ConfigError, match="Column 'x': The threshold of drift test 'ks' must be between 0 and 1"):
        column_drift(frame(1), frame(2), KINDS, tests={"x": "ks"}, thresholds={"x": 2.0})


@pytest.mark.parametrize("share", [0, 1.5, "half"])
def test_a_bad_drift_share_is_refused(share):
    with pytest.raises(ConfigError, match="drift share must be"):
        column_drift(frame(1), frame(2), KINDS, drift_share=share)


def test_numeric_distributions_share_bins_over_both_samples():
    d = distributions(frame(1)["x"], frame(2, shift=2)["x"], "numeric", bins=12)
    assert list(d.columns) == ["bin", "left", "right", "reference", "current"] and len(d) == 12
    assert d["reference"].sum() == pytest.approx(1) and d["current"].sum() == pytest.approx(1)


def test_numbers_with_few_values_are_charted_per_value():
    d = distributions(pd.Series([1, 1, 2, 3]), pd.Series([2.0, 2.0, np.nan]), "numeric")
    assert d["bin"].tolist() == ["1", "2", "3"] and d["current"].tolist() == [0.0, 1.0, 0.0]


def test_categorical_distributions_keep_the_top_and_sum_the_rest_as_other():
    many = pd.Series([f"v{i}" for i in range(100)])
    d = distributions(many, many.iloc[:50], "categorical", top=10)
    assert len(d) == 11 and d.iloc[-1]["category"] == "other"
    assert d["reference"].sum() == pytest.approx(1) and d["current"].sum() == pytest.approx(1)


def test_an_empty_sample_has_zero_shares():
    d = distributions(pd.Series(["a", "b"]), pd.Series([None], dtype=object), "categorical")
    assert d["current"].tolist() == [0.0, 0.0]


def test_bad_distribution_settings_are_refused():
    with pytest.raises(ConfigError, match="bins must be a whole number"):
        distributions(frame(1)["x"], frame(2)["x"], "numeric", bins=0)
    with pytest.raises(ConfigError, match="Unknown column kind 'text'"):
        distributions(frame(1)["x"], frame(2)["x"], "text")


def test_drift_imports_no_streamlit():
    code = "import sys, core.monitoring.drift; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
