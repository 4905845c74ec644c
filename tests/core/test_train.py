import warnings

import numpy as np
import pandas as pd
import pytest

from core.artifact import build_metadata, load_artifact, save_artifact
from core.errors import ConfigError, TargetError, TrainingCancelled
from core.evaluate import evaluate_training
from core.prep import PrepConfig
from core.train import SearchConfig, train

FAST = dict(models=["logistic_regression"], cv=3, n_jobs=1)


def test_seed_flow_runs_clean_with_valid_grid_and_no_target_in_features(loans, tmp_path):
    """The seed notebook's flow, done right: every step in the pipeline, no warnings, no leak."""
    loans.loc[3, "purpose"] = np.nan
    prep = PrepConfig(numeric_missing="drop_rows", categorical_missing="drop_rows", scaling="standard",
                      selection="kbest", k_features=5, score_func="chi2")
    search = SearchConfig(models=["logistic_regression"], cv=5, n_jobs=1, param_grids={
        "logistic_regression": {"C": [0.1, 1, 10, 100], "l1_ratio": [0.0, 1.0], "solver": ["liblinear"]}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = train(loans, "default", prep=prep, search=search)
        evaluation = evaluate_training(result)
    bad = [w for w in caught if issubclass(w.category, (FutureWarning, DeprecationWarning))]
    assert not bad, [str(w.message) for w in bad]
    lr = result.best
    assert len(lr.candidates) == 8 and not any(c.failed for c in lr.candidates)
    assert not any("Deprecat" in w or "FutureWarning" in w for c in lr.candidates for w in c.warnings)
    assert "default" not in result.plan.columns
    assert len(result.selected_features) == 5 and not any(f.startswith("default") for f in result.selected_features)
    assert result.clean.dropped["missing values"] > 0
    path = save_artifact(tmp_path / "m.joblib", lr.pipeline, build_metadata(result, evaluation))
    loaded = load_artifact(path)
    acc = (loaded.pipeline.predict(result.X_test) == result.y_test).mean()
    assert acc == pytest.approx(evaluation.best.metrics["accuracy"])


def test_leaderboard_has_every_model_and_beats_baseline(loans):
    result = train(loans, "default", search=SearchConfig(models=["logistic_regression", "random_forest"], cv=3, n_jobs=1))
    board = result.leaderboard()
    assert list(board["model"]) [-1] == "dummy"
    assert set(board["model"]) == {"logistic_regression", "random_forest", "dummy"}
    best = board.iloc[0]
    assert best["cv_mean"] > board[board.model == "dummy"]["cv_mean"].iloc[0]
    assert result.best_model in ("logistic_regression", "random_forest")


def test_regression_task_inferred_and_trained(demand):
    result = train(demand, "units", search=SearchConfig(models=["ridge"], cv=3, n_jobs=1))
    ev = evaluate_training(result)
    assert result.task == "regression" and ev.best.metrics["r2"] > 0.9
    assert set(ev.best.metrics) >= {"mae", "rmse", "r2", "mape"}


@pytest.mark.parametrize("strategy", ["random", "halving"])
def test_random_and_halving_search(loans, strategy):
    search = SearchConfig(models=["hist_gradient_boosting"], strategy=strategy, n_iter=3, cv=3, n_jobs=1)
    result = train(loans, "default", search=search)
    cands = result.best.candidates if result.best_model == "hist_gradient_boosting" else result.models[0].candidates
    if strategy == "random":
        assert len(cands) == 3
    else:
        rounds = {c.round for c in cands}
        assert len(rounds) == 2 and min(c.rows for c in cands) < max(c.rows for c in cands)


def test_progress_counts_every_fit_and_reaches_total(loans):
    seen = []
    train(loans, "default", search=SearchConfig(**FAST), progress=lambda d, t, m: seen.append((d, t)))
    total = seen[-1][1]
    assert total == 16 * 3 + 1 + 3 + 1
    assert seen[-1][0] == total and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_cancel_stops_the_search(loans):
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(TrainingCancelled, match="cancelled after"):
        train(loans, "default", search=SearchConfig(**FAST), should_stop=stop)


def test_failing_candidate_is_reported_not_fatal(loans):
    grids = {"logistic_regression": {"C": [1.0, -1.0], "solver": ["liblinear"]}}
    result = train(loans, "default", search=SearchConfig(param_grids=grids, **FAST))
    cands = result.best.candidates
    failed = [c for c in cands if c.failed]
    assert len(failed) == 1 and failed[0].params["C"] == -1.0
    assert "C" in failed[0].errors[0]
    assert result.best.best.params["C"] == 1.0


def test_all_candidates_failing_is_a_clear_error(loans):
    from core.errors import TrainingError

    grids = {"logistic_regression": {"C": [-1.0]}}
    with pytest.raises(TrainingError, match="Logistic regression: all 1 candidates failed"):
        train(loans, "default", search=SearchConfig(param_grids=grids, **FAST))


def test_single_class_after_dropping_missing_target():
    df = pd.DataFrame({"x": range(30), "y": ["yes", None, "yes"] * 10})
    with pytest.raises(TargetError, match=r"missing in 10 of 30 rows.*20 remaining rows.*one value \('yes'\)"):
        train(df, "y", task="classification", search=SearchConfig(**FAST))


def test_tiny_class_falls_back_to_random_split_and_fewer_folds(loans):
    loans.loc[:3, "default"] = "maybe"
    result = train(loans, "default", search=SearchConfig(**FAST))
    assert result.cv_folds <= 3
    assert result.task == "classification" and "maybe" in result.classes


def test_grid_with_unknown_parameter_is_refused_before_fitting(loans):
    with pytest.raises(ConfigError, match="'depth' is not a parameter of Logistic regression"):
        train(loans, "default", search=SearchConfig(param_grids={"logistic_regression": {"depth": [1]}}, **FAST))


def test_fit_limit_refuses_huge_search(loans):
    with pytest.raises(ConfigError, match="would run .* fits, over the limit of 10"):
        train(loans, "default", search=SearchConfig(max_fits=10, **FAST))


def test_regression_on_text_target_is_refused(loans):
    with pytest.raises(TargetError, match="no numeric values"):
        train(loans, "purpose", task="regression", search=SearchConfig(**FAST))


def test_classifying_a_measurement_is_refused_before_any_fit(demand):
    from core.train import plan_fits

    for call in (train, plan_fits):
        with pytest.raises(TargetError, match="'units' holds measurements with decimals"):
            call(demand, "units", task="classification", search=SearchConfig(**FAST))


def test_an_id_column_as_class_target_is_refused_naming_it(loans):
    with pytest.raises(TargetError, match="'loan_id' has 240 distinct values in 240 rows.*id"):
        train(loans.assign(loan_id=[f"L{i}" for i in range(240)] * 1), "loan_id", search=SearchConfig(**FAST))


def test_a_single_class_target_is_refused_when_planning(loans):
    from core.train import plan_fits

    with pytest.raises(TargetError, match="one value"):
        plan_fits(loans.assign(default="no"), "default", search=SearchConfig(**FAST))


def test_a_model_no_better_than_the_baseline_is_called_out(loans):
    rng = np.random.default_rng(5)
    noise = loans.assign(default=rng.choice(["no", "yes"], len(loans), p=[0.9, 0.1]))[["income", "default"]]
    noise["income"] = rng.normal(size=len(noise))
    r = train(noise, "default", search=SearchConfig(models=["knn"], cv=3, n_jobs=1, scoring="accuracy",
                                                     param_grids={"knn": {"n_neighbors": [1]}}))
    assert any("does not beat the no-skill baseline" in n for n in r.notes)


LABEL_KINDS = {  # name -> (map from a 0/1/2 code to the user's label, the classes expected)
    "int 0/1": (lambda c: (c > 0).astype(int), [0, 1]),
    "int 0/1/2": (lambda c: c, [0, 1, 2]),
    "int 1/2/3": (lambda c: c + 1, [1, 2, 3]),
    "float 0.0/1.0": (lambda c: (c > 0).astype(float), [0, 1]),
    "bool": (lambda c: c > 0, [False, True]),
    "str": (lambda c: np.array(["no", "yes", "maybe"])[c], ["maybe", "no", "yes"]),
}


def _coded(loans):
    return np.where(loans["default"] == "yes", 1, 0) + (loans["income"] > 60_000).to_numpy()


@pytest.mark.parametrize("kind", list(LABEL_KINDS))
def test_every_kind_of_class_label_trains_and_predicts_the_users_values(loans, kind):
    to_label, expected = LABEL_KINDS[kind]
    labels = to_label(_coded(loans))
    for task in ("auto", "classification"):
        result = train(loans.assign(default=labels), "default", task=task, search=SearchConfig(**FAST))
        assert result.task == "classification"
        assert result.classes == expected and [type(c) for c in result.classes] == [type(e) for e in expected]
        pred = result.best.pipeline.predict(result.X_test)
        assert set(pred.tolist()) <= set(expected)
        assert pred.dtype == result.y_test.dtype


@pytest.mark.parametrize("kind", ["int 0/1/2", "bool"])
def test_numeric_class_labels_survive_save_load_and_scoring(loans, kind, tmp_path):
    from core.scoring import score_batch

    to_label, expected = LABEL_KINDS[kind]
    result = train(loans.assign(default=to_label(_coded(loans))), "default", search=SearchConfig(**FAST))
    evaluation = evaluate_training(result)
    path = save_artifact(tmp_path / "m.joblib", result.best.pipeline, build_metadata(result, evaluation))
    loaded = load_artifact(path)
    assert loaded.metadata["classes"] == expected
    scored = score_batch(loaded, loans.drop(columns="default"))
    assert set(scored.frame[scored.prediction_column].tolist()) <= set(expected)


def test_classes_differing_only_by_case_or_spaces_are_named_in_a_warning(loans):
    messy = loans["default"].where(loans.index % 3 != 0, loans["default"].str.upper())
    messy = messy.where(loans.index % 7 != 0, loans["default"].str.title())
    result = train(loans.assign(default=messy), "default", search=SearchConfig(**FAST))
    warning = [n for n in result.notes if "differ only by upper/lower case or surrounding spaces" in n]
    assert len(warning) == 1 and "'NO' vs 'No' vs 'no'; 'YES' vs 'Yes' vs 'yes'" in warning[0]
    assert len(result.classes) == 6  # kept apart, not merged silently


@pytest.mark.parametrize("rare_rows", [1, 2])
def test_a_class_too_rare_to_split_and_cross_validate_is_refused_before_any_fit(loans, rare_rows):
    from core.train import plan_fits

    target = np.where(np.arange(len(loans)) < rare_rows, "yes", "no")
    for call in (train, plan_fits):
        with pytest.raises(TargetError, match=rf"the class 'yes' \({rare_rows} rows?\) has fewer than 3 rows of 240.*"
                                              r"Add rows of that class, drop those rows.*--cv 2"):
            call(loans.assign(default=target), "default", search=SearchConfig(**FAST))


def test_the_fit_limit_defaults_to_modelops_max_fits_and_names_both_overrides(loans, monkeypatch):
    monkeypatch.setenv("MODELOPS_MAX_FITS", "7")
    assert SearchConfig().max_fits is None
    with pytest.raises(ConfigError, match="over the limit of 7.*--max-fits.*MODELOPS_MAX_FITS"):
        train(loans, "default", search=SearchConfig(**FAST))
    result = train(loans, "default", search=SearchConfig(max_fits=100, **FAST))  # an explicit limit wins
    assert result.best_model == "logistic_regression"


def test_the_width_estimate_without_selection_is_prep_encoded_widths(loans):
    from core.prep import encoded_widths, plan_features
    from core.profile import profile_frame

    profile = profile_frame(loans, "default")
    plan = plan_features(profile, PrepConfig())
    pre_width = sum(encoded_widths(plan, profile, PrepConfig()).values())
    result = train(loans, "default", search=SearchConfig(**FAST))
    encoded = result.best.pipeline[:-1].transform(result.X_test.head(3))
    assert pre_width == encoded.shape[1]
