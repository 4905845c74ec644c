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


def _wide_frame(levels: int = 40, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "city": rng.choice([f"city_{i}" for i in range(levels)], n),
        "shop": rng.choice([f"shop_{i}" for i in range(levels)], n),
        "amount": rng.normal(size=n),
        "y": rng.choice(["a", "b"], n),
    })


def test_one_hot_wider_than_the_limit_is_refused_before_any_fit(monkeypatch):
    monkeypatch.setenv("MODELOPS_MAX_ENCODED_WIDTH", "40")
    frame = _wide_frame()
    prof = profile_frame(frame, "y")
    # 30 + 30 + 1 columns at most with the default of 30 categories kept per column
    with pytest.raises(ConfigError, match=r"up to 61 columns, over the limit of 40.*'city' \(30\)"):
        plan_features(prof, PrepConfig())
    # The settings the message suggests do narrow it below the limit.
    assert plan_features(prof, PrepConfig(encoding="ordinal")).categorical == ["city", "shop"]
    assert plan_features(prof, PrepConfig(max_categories=10)).categorical == ["city", "shop"]


def test_encoded_width_bound_holds_for_the_fitted_encoder():
    from core.prep import encoded_widths

    frame = _wide_frame(levels=40)
    prof = profile_frame(frame, "y")
    config = PrepConfig()
    plan = plan_features(prof, config)
    fitted = build_preprocessor(plan, config).fit(frame[plan.columns], frame["y"])
    assert fitted.transform(frame[plan.columns]).shape[1] <= sum(encoded_widths(plan, prof, config).values())


def test_limit_variable_must_be_a_positive_number(monkeypatch):
    monkeypatch.setenv("MODELOPS_MAX_ENCODED_WIDTH", "lots")
    with pytest.raises(ConfigError, match="MODELOPS_MAX_ENCODED_WIDTH must be a positive whole number"):
        plan_features(profile_frame(_wide_frame(), "y"), PrepConfig())
