import pytest
from sklearn.model_selection import ParameterGrid

from core.errors import ConfigError
from core.models import CATALOG, check_row_limits, resolve_models


@pytest.mark.parametrize("spec", CATALOG, ids=lambda s: f"{s.task}-{s.name}")
@pytest.mark.parametrize("n_classes", [2, 3])
def test_every_default_grid_candidate_is_accepted_by_the_estimator(spec, n_classes):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = rng.integers(0, n_classes, 60) if spec.task == "classification" else rng.normal(size=60)
    for params in ParameterGrid(spec.grid(n_classes)) if spec.grid(n_classes) else [{}]:
        spec.factory(0, n_classes).set_params(**params).fit(X, y)


def test_baseline_always_included_and_aliases_resolve():
    names = [m.name for m in resolve_models("classification", ["logreg", "RF"])]
    assert names == ["logistic_regression", "random_forest", "dummy"]


def test_unknown_model_lists_valid_names():
    with pytest.raises(ConfigError, match="Unknown model 'xgboost'.*logistic_regression"):
        resolve_models("classification", ["xgboost"])


def test_svm_is_guarded_on_large_data():
    with pytest.raises(ConfigError, match="limited to 10,000 training rows"):
        check_row_limits(resolve_models("classification", ["svm"]), 50_000)
