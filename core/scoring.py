"""Score a batch with a loaded artifact: check it against the model's contract, then predict.

Every row of the batch comes back, in its order and with all its columns, plus the prediction,
one probability column per class and a ``scoring_flags`` column naming anything unusual in that
row (unseen category, out of range, missing, infinite). Only missing columns stop a batch.

``score_and_log`` is the monitored path: it gives every row a prediction id (so ground truth can
be attached later) and appends the batch to the store.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn import get_config
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from core import store as st
from core.artifact import Artifact, load_artifact
from core.errors import SchemaMismatchError, ScoringError
from core.schema import BatchCheck, check_batch, feature_frame
from core.transformers import ColumnCaster, category_strings

# Final estimators whose predict() is exactly classes_.take(argmax(predict_proba(X))).
_ARGMAX_PREDICT = frozenset({RandomForestClassifier.predict, ExtraTreesClassifier.predict,
                             CalibratedClassifierCV.predict})

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
    return _score(artifact, frame, name)[0]


def _score(artifact: Artifact, frame: pd.DataFrame, name: str) -> tuple[ScoredBatch, pd.DataFrame | None]:
    """The scored batch, and the model's own cast of the feature columns when it has one
    (core.transformers.ColumnCaster as the first step), which the store keeps as typed columns."""
    schema = artifact.metadata.get("features", [])
    foreign = bool(artifact.metadata.get("foreign"))
    check = _check_foreign(frame, schema, name) if foreign else check_batch(frame, schema, name=name)
    columns = [c["name"] for c in schema]
    X = frame[columns] if columns else frame
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.filterwarnings("ignore", message="Found unknown categories")
        try:
            if foreign:
                pred = artifact.pipeline.predict(X)
                proba = artifact.pipeline.predict_proba(X) if hasattr(artifact.pipeline, "predict_proba") else None
                cast = None
            else:
                cast, pred, proba = _predict(artifact.pipeline, X)
        except (ValueError, TypeError, KeyError) as exc:
            if not foreign:
                raise  # our own pipelines clean their input: a failure here is a bug, not the user's
            raise ScoringError(
                f"The model file could not score {name}: {str(exc).splitlines()[0][:300].rstrip('.')}. A model saved "
                "outside ModelOps Studio has no input contract, so values it was not trained on (text in "
                "number columns, infinities, unseen categories) reach it unchecked. Clean the batch, or "
                "retrain the model here."
            ) from None
    # A shallow copy: pandas copies on write, so adding columns never touches the caller's frame.
    out = frame.copy(deep=False)
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
    return ScoredBatch(out, check, pred_col, prob_cols, flags_col, classes), cast


def _predict(pipeline, X: pd.DataFrame):
    """``(cast, predict(X), predict_proba(X) or None)`` with one pass through the transform steps.

    ``Pipeline.predict`` and ``Pipeline.predict_proba`` each run every transform step; running
    them once and calling the final estimator twice gives the same arrays in about half the
    time. Where the final estimator's own ``predict`` is the argmax of its ``predict_proba``
    (forests, calibrated classifiers), the probabilities are not computed twice either.
    ``cast`` is the output of a first ColumnCaster step (None without one).
    """
    if not isinstance(pipeline, Pipeline) or get_config().get("enable_metadata_routing") or len(pipeline.steps) < 2:
        proba = pipeline.predict_proba(X) if hasattr(pipeline, "predict_proba") else None
        return None, pipeline.predict(X), proba
    check_is_fitted(pipeline)
    Xt, cast = X, None
    for i, (_, step) in enumerate(pipeline.steps[:-1]):
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        Xt = step.transform(Xt)
        if i == 0 and isinstance(step, ColumnCaster):
            cast = Xt
    final = pipeline.steps[-1][1]
    proba = final.predict_proba(Xt) if hasattr(final, "predict_proba") else None
    if proba is not None and type(final).predict in _ARGMAX_PREDICT and getattr(final, "n_outputs_", 1) == 1:
        pred = final.classes_.take(np.argmax(proba, axis=1), axis=0)
    else:
        pred = final.predict(Xt)
    return cast, pred, proba


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
    artifact = registered_artifact(store, version)
    scored, cast = _score(artifact, frame, name)
    batch_id = st.new_batch_id()
    ids = prediction_ids(batch_id, len(scored.frame))
    id_col = _free_name(PREDICTION_ID, scored.frame.columns)
    scored.frame.insert(0, id_col, ids)
    rows = stored_rows(scored, artifact.metadata.get("features", []), artifact.metadata.get("task"), ids,
                       typed=cast)
    store.log_batch(version, rows, source_name=name, source_sha256=source_sha256, issues=scored.check.issues,
                    flagged_rows=scored.check.flagged_rows, batch_id=batch_id, scored_at=scored_at)
    scored.batch_id = batch_id
    return scored


def prediction_ids(batch_id: str, n: int):
    """``<batch id>-0`` ... ``<batch id>-<n-1>`` as pandas text, built by pyarrow in one pass."""
    text = pa.large_string()
    joined = pc.binary_join_element_wise(pa.scalar(f"{batch_id}-", text), pc.cast(pa.array(np.arange(n)), text),
                                         pa.scalar("", text))
    return pd.Series(joined.to_pandas()).array


_ARTIFACTS: OrderedDict = OrderedDict()
_ARTIFACTS_KEPT = 4
_ARTIFACTS_LOCK = threading.Lock()


def registered_artifact(store: st.Store, version: st.ModelVersion) -> Artifact:
    """The loaded artifact of a registered version, verified once per process and file.

    The store's copy of an artifact is never rewritten, so it is unpickled again only when the
    file itself (its size, time or inode) or the signing key changed: scoring many batches does
    not pay for unpickling and checking the signature every time.
    """
    from core.artifact import signing_key

    path = os.fspath(version.artifact_path)
    try:
        info = os.stat(path)
    except OSError:
        return load_artifact(path, home=store.key_home)  # let the loader name what is wrong
    key = (path, hashlib.sha256(signing_key(store.key_home)).hexdigest(), info.st_size, info.st_mtime_ns,
           info.st_ino)
    with _ARTIFACTS_LOCK:
        if key in _ARTIFACTS:
            _ARTIFACTS.move_to_end(key)
            return _ARTIFACTS[key]
    artifact = load_artifact(path, home=store.key_home)
    with _ARTIFACTS_LOCK:
        _ARTIFACTS[key] = artifact
        while len(_ARTIFACTS) > _ARTIFACTS_KEPT:
            _ARTIFACTS.popitem(last=False)
    return artifact


def stored_rows(scored: ScoredBatch, features: list[dict], task: str | None, ids, *,
                typed: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows as the store keeps them: typed features, the user's other columns as text,
    and the store's own columns (prediction id, row number, prediction, probabilities, flags).

    ``typed`` is the model's own cast of the feature columns (see :func:`_predict`), which is
    what :func:`core.schema.feature_frame` computes for numeric and categorical columns.
    """
    frame = scored.frame
    ours = {scored.prediction_column, scored.flags_column, *scored.probability_columns}
    typed = feature_frame(frame, features, cast=typed)
    own = [c for c in frame.columns if c not in typed.columns and c not in ours and str(c) != PREDICTION_ID
           and not str(c).startswith("__")]
    out = {st.PREDICTION_ID: ids, st.ROW: np.arange(len(frame), dtype="int64")}
    for c in typed.columns:
        out[str(c)] = _text(typed[c]) if isinstance(typed[c].dtype, pd.StringDtype) else typed[c].to_numpy()
    for c in own:
        out[str(c)] = _text(category_strings(frame[c]).astype("string"))
    prediction = st.outcome_column(frame[scored.prediction_column], task == "regression")
    out[st.PREDICTION] = _text(prediction) if isinstance(prediction.dtype, pd.StringDtype) else prediction.to_numpy()
    names = st.outcome_column(scored.classes, False).tolist()
    for col, cls in zip(scored.probability_columns, names):
        out[st.PROBA_PREFIX + str(cls)] = frame[col].astype("float64").to_numpy()
    out[st.FLAGS] = _text(frame[scored.flags_column].astype("string"))
    return pd.DataFrame(out)


def _text(s: pd.Series):
    """A text column as the store has always written it: what ``pd.DataFrame`` makes of
    ``s.to_numpy()`` (pandas' default text type, missing as NaN), without the detour through one
    Python object per row. A column without any text stays objects (Parquet type null) as before.
    """
    if s.notna().any():
        return s.astype("str").array
    return s.to_numpy()
