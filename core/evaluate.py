"""Holdout evaluation: the metrics and curve points people expect, as plain data.

Charts are drawn elsewhere (core.charts); this module only computes. Metrics that are not
defined for the data (ROC AUC with one class in the holdout, MAPE with zero targets) are left
out with a note instead of failing the run.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.inspection import permutation_importance
from sklearn.preprocessing import label_binarize

MAX_CURVE_POINTS = 200
MAX_IMPORTANCE_ROWS = 5000


@dataclass
class Evaluation:
    """Holdout results of one fitted model."""

    task: str
    metrics: dict[str, float]
    notes: list[str] = field(default_factory=list)
    confusion: dict | None = None
    roc: dict[str, dict] = field(default_factory=dict)
    pr: dict[str, dict] = field(default_factory=dict)
    predictions: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    residuals: np.ndarray | None = None
    actual: np.ndarray | None = None


def evaluate_model(pipe, X: pd.DataFrame, y: np.ndarray, task: str, classes: list) -> Evaluation:
    """Score a fitted pipeline on the holdout; never raises for an undefined metric."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Found unknown categories")
        return _evaluate(pipe, X, y, task, classes)


def _evaluate(pipe, X, y, task, classes) -> Evaluation:
    pred = pipe.predict(X)
    if task == "regression":
        return _regression(pred, np.asarray(y, dtype=float))
    return _classification(pipe, X, y, pred, classes)


def _regression(pred: np.ndarray, y: np.ndarray) -> Evaluation:
    ev = Evaluation("regression", {}, predictions=pred, actual=y, residuals=y - pred)
    ev.metrics, ev.notes = regression_metrics(y, pred)
    return ev


def _label_array(values) -> np.ndarray:
    """Class labels as a plain numpy array of their own type (ints, booleans or text).

    scikit-learn's metrics cannot tell what an object array of Python ints holds
    (``type_of_target`` says "unknown"), so labels are given back their native type.
    """
    arr = np.asarray(values, dtype=object)
    plain = np.asarray(arr.tolist()) if arr.ndim == 1 else arr
    return plain if plain.dtype.kind in "biufU" else arr


def _classification(pipe, X, y, pred, classes) -> Evaluation:
    y = _label_array(y)
    pred = _label_array(pred)
    ev = Evaluation("classification", {}, predictions=pred, actual=y)
    labels = [str(c) for c in classes]
    cm = skm.confusion_matrix(y.astype(str), pred.astype(str), labels=labels)
    ev.confusion = {"labels": labels, "matrix": cm.tolist()}
    model_classes = list(getattr(pipe, "classes_", []))
    proba = pipe.predict_proba(X) if hasattr(pipe, "predict_proba") else None
    ev.probabilities = proba
    ev.metrics, ev.notes = classification_metrics(y, pred, proba, list(classes), model_classes)
    if proba is None:
        return ev
    targets = model_classes[1:] if len(model_classes) == 2 else model_classes
    onehot = label_binarize(y, classes=model_classes)
    if len(model_classes) == 2:
        onehot = np.column_stack([1 - onehot[:, 0], onehot[:, 0]])
    for c in targets:
        i = model_classes.index(c)
        truth = onehot[:, i]
        if truth.min() == truth.max():
            continue
        fpr, tpr, _ = skm.roc_curve(truth, proba[:, i])
        prec, rec, _ = skm.precision_recall_curve(truth, proba[:, i])
        ev.roc[str(c)] = _thin({"fpr": fpr, "tpr": tpr})
        ev.pr[str(c)] = _thin({"recall": rec, "precision": prec})
        ev.pr[str(c)]["average_precision"] = float(skm.average_precision_score(truth, proba[:, i]))
    return ev


def classification_metrics(y, pred, proba, classes: list, model_classes: list) -> tuple[dict, list[str]]:
    """The classification metrics of evaluation, from predictions alone.

    Monitoring calls this on logged predictions and late labels, so performance in production
    is measured exactly as on the holdout.
    """
    y = _label_array(y)
    pred = _label_array(pred)
    metrics: dict[str, float] = {}
    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined precision etc. become 0, noted below
        metrics["accuracy"] = float(skm.accuracy_score(y, pred))
        metrics["balanced_accuracy"] = float(skm.balanced_accuracy_score(y, pred))
        p, r, f, _ = skm.precision_recall_fscore_support(y, pred, labels=classes, average="macro", zero_division=0)
        metrics.update(precision_macro=float(p), recall_macro=float(r), f1_macro=float(f))
    if proba is None:
        notes.append("This model gives no probabilities: ROC AUC and log loss are not shown.")
        return metrics, notes
    present = set(y.tolist())
    if len(present) < 2:
        notes.append("The labelled rows hold one class only: ROC AUC is not defined.")
    elif not present <= set(model_classes):
        notes.append("Some labels are classes the model never predicts: ROC AUC and log loss are not shown.")
    else:
        try:
            metrics["log_loss"] = float(skm.log_loss(y, proba, labels=model_classes))
            if len(model_classes) == 2:
                metrics["roc_auc"] = float(skm.roc_auc_score(y == model_classes[1], proba[:, 1]))
            else:
                metrics["roc_auc_ovr"] = float(skm.roc_auc_score(y, proba, multi_class="ovr", labels=model_classes))
        except ValueError as exc:
            notes.append(f"ROC AUC / log loss not shown: {exc}")
    return metrics, notes


def regression_metrics(y, pred) -> tuple[dict, list[str]]:
    """The regression metrics of evaluation, from predictions alone."""
    y = np.asarray(y, dtype=float)
    pred = np.asarray(pred, dtype=float)
    metrics = {"mae": float(skm.mean_absolute_error(y, pred)),
               "rmse": float(np.sqrt(skm.mean_squared_error(y, pred))),
               "r2": float(skm.r2_score(y, pred)) if len(y) > 1 else float("nan")}
    notes = []
    if np.all(np.abs(y) > 1e-12):
        metrics["mape"] = float(skm.mean_absolute_percentage_error(y, pred))
    else:
        notes.append("MAPE is not shown: some actual values are zero.")
    return metrics, notes


def _thin(curve: dict[str, np.ndarray]) -> dict:
    """Keep at most MAX_CURVE_POINTS points; a chart does not need more."""
    n = len(next(iter(curve.values())))
    idx = np.unique(np.linspace(0, n - 1, min(n, MAX_CURVE_POINTS)).astype(int))
    return {k: [float(x) for x in np.asarray(v)[idx]] for k, v in curve.items()}


def permutation_importances(pipe, X: pd.DataFrame, y: np.ndarray, scoring: str, seed: int,
                            n_repeats: int = 5) -> pd.DataFrame:
    """Drop in holdout score when each input column is shuffled, on at most 5,000 rows."""
    if len(X) > MAX_IMPORTANCE_ROWS:
        idx = np.random.default_rng(seed).choice(len(X), MAX_IMPORTANCE_ROWS, replace=False)
        X, y = X.iloc[idx], y[idx]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = permutation_importance(pipe, X, y, scoring=scoring, n_repeats=n_repeats,
                                         random_state=seed, n_jobs=1)
        except ValueError:
            return pd.DataFrame(columns=["feature", "importance", "std"])
    return pd.DataFrame({"feature": list(X.columns), "importance": res.importances_mean,
                         "std": res.importances_std}).sort_values("importance", ascending=False).reset_index(drop=True)


@dataclass
class TrainingEvaluation:
    """Holdout results of every refitted model of a training run, and the best one's importances."""

    best_model: str
    models: dict[str, Evaluation]
    importances: pd.DataFrame

    @property
    def best(self) -> Evaluation:
        return self.models[self.best_model]

    def baseline_comparison(self, baseline: str = "dummy") -> pd.DataFrame:
        """The best model's holdout metrics beside the baseline's."""
        best = self.best.metrics
        base = self.models[baseline].metrics if baseline in self.models else {}
        rows = [{"metric": k, "model": v, "baseline": base.get(k, float("nan"))} for k, v in best.items()]
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"model": name, **ev.metrics} for name, ev in self.models.items()])


def evaluate_training(result, *, importance_repeats: int = 5) -> TrainingEvaluation:
    """Evaluate every refitted model of a ``core.train.TrainResult`` on its holdout split."""
    evaluations = {
        m.name: evaluate_model(m.pipeline, result.X_test, result.y_test, result.task, result.classes)
        for m in result.models if m.pipeline is not None
    }
    importances = permutation_importances(result.best.pipeline, result.X_test, result.y_test,
                                          result.scoring, result.search.seed, importance_repeats)
    return TrainingEvaluation(result.best_model, evaluations, importances)
