"""Score a batch with a loaded artifact: check it against the model's contract, then predict.

Every row of the batch comes back, in its order and with all its columns, plus the prediction,
one probability column per class and a ``scoring_flags`` column naming anything unusual in that
row (unseen category, out of range, missing, infinite). Only missing columns stop a batch.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.artifact import Artifact
from core.errors import SchemaMismatchError
from core.schema import BatchCheck, check_batch

PREDICTION = "prediction"
FLAGS = "scoring_flags"


@dataclass
class ScoredBatch:
    """The scored rows and the contract check that came with them."""

    frame: pd.DataFrame
    check: BatchCheck
    prediction_column: str
    probability_columns: list[str]


def _free_name(name: str, taken) -> str:
    while name in taken:
        name = f"{name}_"
    return name


def score_batch(artifact: Artifact, frame: pd.DataFrame, *, name: str = "the batch") -> ScoredBatch:
    """Check and score ``frame``; see the module docstring."""
    schema = artifact.metadata.get("features", [])
    if artifact.metadata.get("foreign"):
        check = _check_foreign(frame, schema, name)
    else:
        check = check_batch(frame, schema, name=name)
    columns = [c["name"] for c in schema]
    X = frame[columns] if columns else frame
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Found unknown categories")
        pred = artifact.pipeline.predict(X)
        proba = artifact.pipeline.predict_proba(X) if hasattr(artifact.pipeline, "predict_proba") else None
    out = frame.copy()
    pred_col = _free_name(PREDICTION, out.columns)
    out[pred_col] = pred
    prob_cols = []
    if proba is not None:
        for i, cls in enumerate(artifact.pipeline.classes_):
            col = _free_name(f"probability_{cls}", out.columns)
            out[col] = proba[:, i]
            prob_cols.append(col)
    flags_col = _free_name(FLAGS, out.columns)
    out[flags_col] = check.row_flags if check.row_flags is not None else ""
    return ScoredBatch(out, check, pred_col, prob_cols)


def _check_foreign(frame: pd.DataFrame, schema: list[dict], name: str) -> BatchCheck:
    expected = [c["name"] for c in schema]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise SchemaMismatchError(f"{name} lacks column(s) the model needs: {', '.join(missing)}.")
    check = BatchCheck(rows=len(frame), extra_columns=[c for c in frame.columns if c not in expected])
    check.row_flags = pd.Series("", index=frame.index, dtype=object)
    return check
