import pytest

from core.errors import ConfigError
from core.estimate import duration_parts, estimate_search
from core.train import SearchConfig, plan_fits

FAST = dict(cv=3, n_jobs=1)


def test_estimate_counts_the_same_fits_as_the_plan(loans):
    for search in (SearchConfig(models=["logistic_regression", "random_forest"], **FAST),
                   SearchConfig(models=["hist_gradient_boosting"], strategy="halving", **FAST)):
        est = estimate_search(loans, "default", task="classification", search=search)
        assert est.total_fits == plan_fits(loans, "default", task="classification", search=search)
        assert est.seconds > 0 and est.sample_rows == len(loans) and est.workers == 1


def test_one_timed_fit_is_scaled_by_rows_fits_and_workers(loans, monkeypatch):
    """The arithmetic, with the timing fixed (timing itself is the machine's, never asserted)."""
    import core.estimate

    monkeypatch.setattr(core.estimate, "_time_one_fit", lambda *a: 1.0)
    grid = {"random_forest": {"n_estimators": [50], "max_depth": [2, 4, 6, 8, None]}}
    est = estimate_search(loans, "default", task="classification", sample_rows=100,
                          search=SearchConfig(models=["random_forest"], param_grids=grid, **FAST))
    n_train = int(len(loans) * 0.8)
    per_cv_fit = (n_train * 2 / 3) / 100  # a CV fit sees 2/3 of the training rows; timed on 100
    per_refit = n_train / 100
    expected = 5 * 3 * per_cv_fit + per_refit  # random forest
    expected += 1 * 3 * per_cv_fit + per_refit  # the dummy baseline
    assert est.fits == {"random_forest": 16, "dummy": 4}
    assert est.seconds == pytest.approx(expected)


def test_bad_settings_are_the_same_user_errors_as_training(loans):
    with pytest.raises(ConfigError):
        estimate_search(loans, "default", task="classification", search=SearchConfig(models=["no_such_model"]))


@pytest.mark.parametrize("seconds, expected", [(1, ("few_seconds", 0)), (12.3, ("seconds", 12)), (44, ("seconds", 40)),
                                               (600, ("minutes", 10)), (9000, ("hours", 2.5))])
def test_durations_are_rounded_for_reading(seconds, expected):
    assert duration_parts(seconds) == expected
