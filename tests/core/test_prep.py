import numpy as np
import pandas as pd
import pytest

from core.errors import ConfigError
from core.prep import PrepConfig, build_preprocessor, clean_rows, feature_scores, plan_features, plan_selection
from core.profile import profile_frame


def test_plan_uses_profile_suggestions_and_overrides(loans):
    prof = profile_frame(loans, "default")
    plan = plan_features(prof, PrepConfig(drop_columns=["region"]))
    assert plan.numeric == ["income", "amount", "years_employed"]
    assert plan.categorical == ["purpose"]
    assert plan.dropped["region"] == "dropped by you" and "identifier" in plan.dropped["loan_id"]
    assert "default" not in plan.columns


def test_target_can_never_be_kept_as_feature(loans):
    with pytest.raises(ConfigError, match="cannot also be a feature"):
        plan_features(profile_frame(loans, "default"), PrepConfig(keep_columns=["default"]))


def test_clean_rows_counts_each_reason(loans):
    loans.loc[[0, 1], "default"] = np.nan
    loans = pd.concat([loans, loans.iloc[[5]]], ignore_index=True)
    prof = profile_frame(loans, "default")
    config = PrepConfig(numeric_missing="drop_rows")
    data, rep = clean_rows(loans, "default", plan_features(prof, config), config)
    assert rep.dropped["target missing"] == 2
    assert rep.dropped["duplicate rows"] == 1
    assert rep.dropped["missing values"] == 20 - int(loans.loc[[0, 1], "years_employed"].isna().sum())
    assert data["years_employed"].notna().all()
    assert rep.rows_out == len(data)


def test_preprocessor_fits_on_given_rows_only(loans):
    prof = profile_frame(loans, "default")
    plan = plan_features(prof, PrepConfig())
    pre = build_preprocessor(plan, PrepConfig())
    X = loans[plan.columns]
    pre.fit(X.iloc[:100])
    imputer = pre.named_steps["encode"].named_transformers_["num"].named_steps["impute"]
    assert imputer.statistics_[0] == pytest.approx(X["income"].iloc[:100].median())


def test_chi2_on_negative_values_inserts_minmax_and_says_which_columns():
    enc = np.array([[-1.0, 2.0], [3.0, 4.0], [0.0, 1.0]])
    sel = plan_selection(PrepConfig(selection="kbest", k_features=1, score_func="chi2"), "classification",
                         enc, ["delta", "count"])
    assert [n for n, _ in sel.steps] == ["nonnegative", "select", "scale"]
    assert "delta" in sel.notes[0] and "count" not in sel.notes[0]


def test_chi2_is_not_valid_for_regression():
    with pytest.raises(ConfigError, match="chi2.*not valid for regression"):
        PrepConfig(selection="kbest", k_features=1, score_func="chi2").validate("regression")


def test_k_larger_than_width_uses_all_with_a_note():
    sel = plan_selection(PrepConfig(selection="kbest", k_features=10), "classification", np.ones((4, 3)), list("abc"))
    assert sel.k == 3 and "only 3" in sel.notes[0]
    assert [n for n, _ in sel.steps] == ["scale"]


def test_feature_scores_mark_the_k_selected():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    X = np.column_stack([y + rng.normal(0, 0.1, 200), rng.normal(size=200), rng.normal(size=200)])
    scores = feature_scores(PrepConfig(selection="kbest", k_features=1), "classification", X, y, ["good", "n1", "n2"])
    assert scores.iloc[0]["feature"] == "good" and scores["selected"].sum() == 1


@pytest.mark.parametrize("setting,value", [("scaling", "zscore"), ("outliers", "winsor"), ("encoding", "hash")])
def test_invalid_settings_name_the_setting(setting, value):
    with pytest.raises(ConfigError, match=f"{setting}={value!r}"):
        PrepConfig(**{setting: value}).validate("classification")
