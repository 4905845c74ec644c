"""The model catalog: for each task, the estimators we offer and grids that are valid as a whole.

A grid here only holds combinations the estimator accepts (for example an L1 penalty only with
a solver that supports it), so a default search never wastes fits on errors. Limits guard the
estimators that scale badly with rows (SVMs and k-NN) before a search starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import SVC, SVR

from core.errors import ConfigError


@dataclass(frozen=True)
class ModelSpec:
    """One catalog entry: how to build the estimator and its default grid."""

    name: str
    label: str
    task: str
    factory: Callable[[int, int], object]
    grid: Callable[[int], dict[str, list]]
    default: bool = True
    max_rows: int | None = None
    baseline: bool = False
    aliases: tuple[str, ...] = field(default_factory=tuple)


def _logistic_grid(n_classes: int) -> dict[str, list]:
    # liblinear does L1 and L2 for binary problems; multiclass needs saga for L1.
    solver = "liblinear" if n_classes <= 2 else "saga"
    return {"C": [0.01, 0.1, 1.0, 10.0], "l1_ratio": [0.0, 1.0], "solver": [solver],
            "class_weight": [None, "balanced"]}


CATALOG: tuple[ModelSpec, ...] = (
    ModelSpec(
        "logistic_regression", "Logistic regression", "classification",
        lambda seed, n_classes: LogisticRegression(max_iter=2000, random_state=seed),
        _logistic_grid, aliases=("logreg", "lr", "linear", "logistic"),
    ),
    ModelSpec(
        "random_forest", "Random forest", "classification",
        lambda seed, n: RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1),
        lambda n: {"max_depth": [None, 10], "min_samples_leaf": [1, 5],
                   "class_weight": [None, "balanced_subsample"]},
        aliases=("rf", "forest"),
    ),
    ModelSpec(
        "hist_gradient_boosting", "Histogram gradient boosting", "classification",
        lambda seed, n: HistGradientBoostingClassifier(random_state=seed),
        lambda n: {"learning_rate": [0.05, 0.1], "max_leaf_nodes": [15, 31],
                   "class_weight": [None, "balanced"]},
        aliases=("hgb", "gbm", "gradient_boosting", "boosting"),
    ),
    ModelSpec(
        "knn", "k-nearest neighbours", "classification",
        lambda seed, n: KNeighborsClassifier(),
        lambda n: {"n_neighbors": [5, 15, 31], "weights": ["uniform", "distance"]},
        max_rows=100_000, aliases=("k_nearest_neighbors", "kneighbors"),
    ),
    ModelSpec(
        "svm", "Support vector machine (RBF)", "classification",
        # SVC(probability=True) is deprecated; calibrating a plain SVC gives the probabilities.
        lambda seed, n: CalibratedClassifierCV(SVC(random_state=seed), ensemble=False, cv=3),
        lambda n: {"estimator__C": [0.1, 1.0, 10.0], "estimator__class_weight": [None, "balanced"]},
        default=False, max_rows=10_000, aliases=("svc",),
    ),
    ModelSpec(
        "dummy", "Baseline (most frequent class)", "classification",
        lambda seed, n: DummyClassifier(strategy="prior"),
        lambda n: {}, baseline=True, aliases=("baseline",),
    ),
    ModelSpec(
        "ridge", "Ridge regression", "regression",
        lambda seed, n: Ridge(),
        lambda n: {"alpha": [0.1, 1.0, 10.0, 100.0]},
        aliases=("linear", "linear_regression"),
    ),
    ModelSpec(
        "random_forest", "Random forest", "regression",
        lambda seed, n: RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=1),
        lambda n: {"max_depth": [None, 10], "min_samples_leaf": [1, 5]},
        aliases=("rf", "forest"),
    ),
    ModelSpec(
        "hist_gradient_boosting", "Histogram gradient boosting", "regression",
        lambda seed, n: HistGradientBoostingRegressor(random_state=seed),
        lambda n: {"learning_rate": [0.05, 0.1], "max_leaf_nodes": [15, 31]},
        aliases=("hgb", "gbm", "gradient_boosting", "boosting"),
    ),
    ModelSpec(
        "knn", "k-nearest neighbours", "regression",
        lambda seed, n: KNeighborsRegressor(),
        lambda n: {"n_neighbors": [5, 15, 31], "weights": ["uniform", "distance"]},
        max_rows=100_000, aliases=("k_nearest_neighbors", "kneighbors"),
    ),
    ModelSpec(
        "svm", "Support vector machine (RBF)", "regression",
        lambda seed, n: SVR(),
        lambda n: {"C": [0.1, 1.0, 10.0]},
        default=False, max_rows=10_000, aliases=("svr",),
    ),
    ModelSpec(
        "dummy", "Baseline (mean)", "regression",
        lambda seed, n: DummyRegressor(strategy="mean"),
        lambda n: {}, baseline=True, aliases=("baseline",),
    ),
)


def models_for(task: str) -> list[ModelSpec]:
    """All catalog entries for a task, in display order."""
    return [m for m in CATALOG if m.task == task]


def resolve_models(task: str, names: list[str] | None) -> list[ModelSpec]:
    """Map user-given names (or aliases) to catalog entries; the baseline is always included."""
    available = models_for(task)
    if not names:
        chosen = [m for m in available if m.default and not m.baseline]
    else:
        chosen = []
        for raw in names:
            key = raw.strip().lower().replace("-", "_").replace(" ", "_")
            if not key:
                continue
            match = next((m for m in available if key == m.name or key in m.aliases), None)
            if match is None:
                valid = ", ".join(m.name for m in available)
                raise ConfigError(f"Unknown model '{raw}' for {task}; choose from: {valid}.")
            if match not in chosen:
                chosen.append(match)
    baseline = next(m for m in available if m.baseline)
    if baseline not in chosen:
        chosen.append(baseline)
    return chosen


def check_row_limits(specs: list[ModelSpec], n_rows: int) -> None:
    """Refuse models that would take too long on this many training rows, before any fit."""
    for m in specs:
        if m.max_rows is not None and n_rows > m.max_rows:
            raise ConfigError(
                f"{m.label} ('{m.name}') is limited to {m.max_rows:,} training rows and this data "
                f"has {n_rows:,}; it would take very long. Leave it out, or sample the data."
            )
