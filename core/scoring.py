"""Score a batch with a loaded artifact: check it against the model's contract, then predict.

Every row of the batch comes back, in its order and with all its columns, plus the prediction,
one probability column per class and a ``scoring_flags`` column naming anything unusual in that
row (unseen category, out of range, missing, infinite). Only missing columns stop a batch.

``score_and_log`` is the monitored path: it gives every row a prediction id (so ground truth can
be attached later) and appends the batch to the store.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import store as st
from core.artifact import Artifact, load_artifact
from core.errors import SchemaMismatchError, ScoringError
from core.schema import BatchCheck, check_batch, feature_frame
from core.transformers import category_strings

PREDICTION = "prediction"
FLAGS = "scoring_flags"
PREDICTION_ID = "prediction_id"


@dataclass
class ScoredBatch:
    """The scored rows and the contract check that came with them."""

    frame: pd.DataFrame
    check: BatchCheck
    prediction_column: str
    probability_columns: list[str]
    flags_column: str = FLAGS
    classes: list = field(default_factory=list)
    batch_id: str | None = None


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
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.filterwarnings("ignore", message="Found unknown categories")
        try:
            pred = artifact.pipeline.predict(X)
            proba = artifact.pipeline.predict_proba(X) if hasattr(artifact.pipeline, "predict_proba") else None
        except (ValueError, TypeError, KeyError) as exc:
            if not artifact.metadata.get("foreign"):
                raise  # our own pipelines clean their input: a failure here is a bug, not the user's
            raise ScoringError(
                f"The model file could not score {name}: {str(exc).splitlines()[0][:300].rstrip('.')}. A model saved "
                "outside ModelOps Studio has no input contract, so values it was not trained on (text in "
                "number columns, infinities, unseen categories) reach it unchecked. Clean the batch, or "
                "retrain the model here."
            ) from None
    out = frame.copy()
    pred_col = _free_name(PREDICTION, out.columns)
    out[pred_col] = pred
    prob_cols = []
    if proba is not None:
        for i, cls in enumerate(artifact.pipeline.classes_):
            col = _free_name(f"probability_{cls}", out.columns)
            out[col] = proba[:, i]
            prob_cols.append(col)
    _check_duplicate_ids(frame, artifact.metadata, check, name)
    flags_col = _free_name(FLAGS, out.columns)
    out[flags_col] = check.row_flags if check.row_flags is not None else ""
    classes = list(artifact.pipeline.classes_) if proba is not None else []
    return ScoredBatch(out, check, pred_col, prob_cols, flags_col, classes)


def _check_foreign(frame: pd.DataFrame, schema: list[dict], name: str) -> BatchCheck:
    expected = [c["name"] for c in schema]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise SchemaMismatchError(f"{name} lacks column(s) the model needs: {', '.join(missing)}.")
    check = BatchCheck(rows=len(frame), extra_columns=[c for c in frame.columns if c not in expected])
    check.row_flags = pd.Series("", index=frame.index, dtype=object)
    return check


def id_columns(metadata: dict) -> list[str]:
    """Columns the profile set aside as identifiers when the model was trained."""
    return [c for c, why in (metadata.get("dropped_columns") or {}).items() if str(why).startswith("identifier")]


def _check_duplicate_ids(frame: pd.DataFrame, metadata: dict, check: BatchCheck, name: str) -> None:
    """An id that repeats in a batch usually means rows were appended twice; say which ids."""
    for col in id_columns(metadata):
        if col not in frame.columns:
            continue
        values = frame[col]
        dup = values.notna() & values.duplicated(keep=False)
        if dup.any():
            examples = [str(v) for v in pd.unique(values[dup])[:5]]
            check.issues.append({
                "column": col, "problem": "duplicate id", "rows": int(dup.sum()), "examples": examples,
                "message": f"Column '{col}': {int(dup.sum())} rows share an id with another row of {name} "
                           f"({', '.join(examples)}); check the batch was not appended twice.",
            })
            if check.row_flags is None:
                check.row_flags = pd.Series("", index=frame.index, dtype=object)
            sep = np.where(check.row_flags[dup].ne(""), "; ", "")
            check.row_flags.loc[dup] = check.row_flags[dup] + sep + f"{col} duplicated"


def score_and_log(store: st.Store, version: st.ModelVersion, frame: pd.DataFrame, *, name: str = "the batch",
                  source_sha256: str | None = None, scored_at: str | None = None) -> ScoredBatch:
    """Score ``frame`` with a registered model version and append it to the store.

    The returned frame starts with a ``prediction_id`` column; a labels file that carries
    those ids (or the batch's own id columns) can be attached later with core.labels.
    """
    artifact = load_artifact(version.artifact_path, home=store.key_home)
    scored = score_batch(artifact, frame, name=name)
    batch_id = st.new_batch_id()
    ids = [f"{batch_id}-{i}" for i in range(len(scored.frame))]
    id_col = _free_name(PREDICTION_ID, scored.frame.columns)
    scored.frame.insert(0, id_col, ids)
    rows = stored_rows(scored, artifact.metadata.get("features", []), artifact.metadata.get("task"), ids)
    store.log_batch(version, rows, source_name=name, source_sha256=source_sha256, issues=scored.check.issues,
                    flagged_rows=scored.check.flagged_rows, batch_id=batch_id, scored_at=scored_at)
    scored.batch_id = batch_id
    return scored


def stored_rows(scored: ScoredBatch, features: list[dict], task: str | None, ids: list[str]) -> pd.DataFrame:
    """The rows as the store keeps them: typed features, the user's other columns as text,
    and the store's own columns (prediction id, row number, prediction, probabilities, flags)."""
    frame = scored.frame
    ours = {scored.prediction_column, scored.flags_column, *scored.probability_columns}
    typed = feature_frame(frame, features)
    own = [c for c in frame.columns if c not in typed.columns and c not in ours and str(c) != PREDICTION_ID
           and not str(c).startswith("__")]
    out = {st.PREDICTION_ID: ids, st.ROW: np.arange(len(frame), dtype="int64")}
    for c in typed.columns:
        out[str(c)] = typed[c].to_numpy()
    for c in own:
        out[str(c)] = category_strings(frame[c]).astype("string").to_numpy()
    out[st.PREDICTION] = st.outcome_column(frame[scored.prediction_column], task == "regression").to_numpy()
    names = st.outcome_column(scored.classes, False).tolist()
    for col, cls in zip(scored.probability_columns, names):
        out[st.PROBA_PREFIX + str(cls)] = frame[col].astype("float64").to_numpy()
    out[st.FLAGS] = frame[scored.flags_column].astype("string").to_numpy()
    return pd.DataFrame(out)

