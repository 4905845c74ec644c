"""Real performance once labels arrive: the evaluation metrics on labelled logged predictions.

The metrics are computed by the same functions as holdout evaluation (core.evaluate), so a
batch's balanced accuracy or RMSE is comparable with the holdout figure saved in the artifact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core import store as st
from core.evaluate import classification_metrics, regression_metrics

LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})
COLUMNS = ["batch", "labelled_rows", "metric", "value", "holdout"]


def main_metric(metadata: dict) -> str:
    """The metric the model was chosen by, when monitoring can compute it; else the default."""
    task = metadata.get("task")
    scoring = (metadata.get("search") or {}).get("scoring") or ""
    names = {"neg_root_mean_squared_error": "rmse", "neg_mean_absolute_error": "mae", "neg_log_loss": "log_loss",
             "roc_auc_ovr": "roc_auc"}
    name = names.get(scoring, scoring)
    known = ({"accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro", "log_loss", "roc_auc"}
             if task == "classification" else {"mae", "rmse", "r2", "mape"})
    if name in known:
        return name
    return "balanced_accuracy" if task == "classification" else "r2"


def batch_performance(rows: pd.DataFrame, labels: pd.DataFrame, metadata: dict) -> pd.DataFrame:
    """Metrics per batch over the rows that have a label; batches without labels are absent.

    ``rows`` holds the store columns of scored rows (prediction id, prediction, probabilities,
    ``__batch``); ``labels`` the store's (prediction id, actual) pairs. Labels that are not
    finite numbers for a regression model (stored before uploads refused them) are left out, and
    ``result.attrs["notes"]`` says how many.
    """
    if rows.empty or labels.empty:
        return pd.DataFrame(columns=COLUMNS)
    task = metadata.get("task")
    holdout = metadata.get("holdout") or {}
    joined = rows.merge(labels, on=st.PREDICTION_ID, how="inner")
    joined = joined[joined[st.ACTUAL].notna()]
    notes = []
    if task == "regression":
        actual = pd.to_numeric(joined[st.ACTUAL], errors="coerce").astype(float)
        finite = np.isfinite(actual.to_numpy())
        if not finite.all():
            notes.append(f"{int((~finite).sum())} stored labels are not finite numbers (for example infinity); "
                         "performance leaves those rows out.")
        joined = joined[finite].assign(**{st.ACTUAL: actual[finite]})
    classes = st.outcome_column(metadata.get("classes", []), False).tolist()
    proba_cols = [st.PROBA_PREFIX + str(c) for c in classes]
    out = []
    for batch_id, part in joined.groupby("__batch", sort=False):
        if task == "regression":
            metrics, _ = regression_metrics(part[st.ACTUAL].astype(float), part[st.PREDICTION].astype(float))
        else:
            proba = part[proba_cols].to_numpy(dtype=float) if proba_cols and all(
                c in part.columns for c in proba_cols) else None
            metrics, _ = classification_metrics(part[st.ACTUAL].astype(object).to_numpy(),
                                                part[st.PREDICTION].astype(object).to_numpy(), proba,
                                                classes, classes)
        for name, value in metrics.items():
            out.append({"batch": batch_id, "labelled_rows": len(part), "metric": name,
                        "value": value if np.isfinite(value) else None, "holdout": holdout.get(name)})
    result = pd.DataFrame(out, columns=COLUMNS)
    result.attrs["notes"] = notes
    return result
