"""Ground truth arriving later: match a labels file to logged predictions and append it.

A labels file holds the true target and a key. The key is either the ``prediction_id`` column
that scored files carry, or the batch's own id columns (for example ``customer_id``, or
``day`` + ``hr`` together); any column of the labels file besides the target that the batch
also has is part of the key. Rows that match nothing are counted and shown, never dropped
silently; a key that matches several scored rows is refused, because the label would be a
guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import store as st
from core.errors import LabelError
from core.profile import missing_mask
from core.transformers import category_strings

PREDICTION_ID = "prediction_id"
TARGET_ALIASES = ("actual", "label", "y_true", "truth", "target")


@dataclass
class LabelReport:
    """What a labels upload matched."""

    upload_id: str
    rows: int
    matched: int
    key: list[str]
    target: str
    batches: list[str]
    unmatched: int = 0
    unmatched_examples: list[str] = field(default_factory=list)
    duplicates: int = 0
    missing_target: int = 0
    not_finite: int = 0
    unknown_classes: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        out = [f"{self.matched} of {self.rows} label rows matched scored predictions (key: {', '.join(self.key)})."]
        if self.unmatched:
            out.append(f"{self.unmatched} label rows matched no scored prediction and were not used, for example: "
                       f"{', '.join(self.unmatched_examples)}. Check they belong to this batch and model.")
        if self.duplicates:
            out.append(f"{self.duplicates} label rows repeated a key; the last one of each was used.")
        if self.missing_target:
            out.append(f"{self.missing_target} label rows had no usable value in '{self.target}' (empty, or not a "
                       "number for a regression model) and were not used.")
        if self.not_finite:
            out.append(f"{self.not_finite} label rows had an infinite value in '{self.target}'; they were treated "
                       "as missing and not stored.")
        if self.unknown_classes:
            out.append(f"Labels name classes the model never predicts: {', '.join(self.unknown_classes)}.")
        return out


def attach_labels(store: st.Store, version: st.ModelVersion, labels: pd.DataFrame, *,
                  batch_id: str | None = None, target: str | None = None, source_name: str | None = None,
                  source_sha256: str | None = None) -> LabelReport:
    """Match ``labels`` to the predictions of one batch (or, by prediction id, of any batch of
    ``version``) and append the matched pairs to the store.

    Raises
    ------
    LabelError
        No target column, no usable key, an ambiguous key, or nothing matched.
    """
    name = source_name or "the labels file"
    target_col = _target_column(labels, target or version.target, name)
    regression = version.task == "regression"
    if batch_id is not None:
        batch = store.get_batch(batch_id)
        if batch.model_version_id != version.id:
            raise LabelError(f"Batch {batch_id} was scored by another model version, not {version.label}.")
        records = [batch]
    else:
        records = store.list_batches(version)
    if not records:
        raise LabelError(f"{version.label} has not scored any batch yet; score a batch before adding labels.")

    key = _key_columns(labels, target_col, store, records, batch_id, name, version)
    scored_cols = [st.PREDICTION_ID] if key == [PREDICTION_ID] else key
    scored = store.read_batches(records, columns=[st.PREDICTION_ID, *scored_cols])
    scored_key = _key_strings(scored, [st.PREDICTION_ID] if key == [PREDICTION_ID] else key)
    dup_scored = scored_key.duplicated(keep=False)
    if dup_scored.any():
        example = scored_key[dup_scored].iloc[0]
        raise LabelError(f"The key {', '.join(key)} is not unique in the scored rows (for example {example!r} "
                         "appears more than once), so a label cannot be matched to one prediction. "
                         "Use the prediction_id column of the scored file instead.")

    rows = len(labels)
    lab = labels.copy()
    lab["__key"] = _key_strings(lab, key).to_numpy()
    no_target = missing_mask(lab[target_col]).to_numpy()
    actual = st.outcome_column(lab[target_col], regression).to_numpy()
    not_finite = 0
    if regression:
        infinite = ~pd.isna(actual) & ~np.isfinite(actual.astype(float))
        not_finite = int((infinite & ~no_target).sum())
        no_target = no_target | pd.isna(actual) | infinite
    lab = lab[~no_target].assign(__actual=actual[~no_target])
    dups = int(lab["__key"].duplicated(keep="last").sum())
    lab = lab.drop_duplicates("__key", keep="last")

    if lab.empty:
        raise LabelError(f"{name} has no value in its '{target_col}' column; nothing to attach.")
    lookup = pd.Series(scored[st.PREDICTION_ID].to_numpy(), index=scored_key.to_numpy())
    hit = lab["__key"].isin(lookup.index)
    unmatched = lab.loc[~hit, "__key"]
    if not hit.any():
        raise LabelError(f"None of the {rows} rows of {name} matched a scored prediction by "
                         f"{', '.join(key)} (for example {unmatched.iloc[0]!r}). Check the file belongs "
                         "to this batch and model.")
    matched = lab[hit]
    pairs = pd.DataFrame({st.PREDICTION_ID: lookup.loc[matched["__key"].to_numpy()].to_numpy(),
                          st.ACTUAL: matched["__actual"].to_numpy()})
    unknown = [] if regression else _unknown_classes(pairs[st.ACTUAL], version, target_col, name)
    batch_of = scored.set_index(st.PREDICTION_ID)["__batch"]
    touched = sorted(set(batch_of.loc[pairs[st.PREDICTION_ID]].tolist()))
    upload_id = store.log_labels(version, pairs, source_name=source_name, source_sha256=source_sha256,
                                 batch_ids=touched)
    return LabelReport(upload_id=upload_id, rows=rows, matched=len(pairs), key=key, target=target_col,
                       batches=touched, unmatched=len(unmatched),
                       unmatched_examples=[str(x) for x in unmatched.head(5)], duplicates=dups,
                       missing_target=int(no_target.sum()) - not_finite, not_finite=not_finite,
                       unknown_classes=[str(u) for u in unknown])


def _unknown_classes(actual: pd.Series, version: st.ModelVersion, target: str, name: str) -> list:
    """Labels that are none of the model's classes; all of them unknown means the wrong file or
    coding (0/1 for a yes/no model), which would only show as a performance of zero: refused."""
    classes = st.outcome_column(version.metadata.get("classes", []), False).dropna().tolist()
    if not classes:
        return []
    found = pd.unique(actual.dropna()).tolist()
    unknown = sorted(set(found) - set(classes))
    if found and len(unknown) == len(found):
        shown = ", ".join(repr(v) for v in sorted(found)[:10]) + (" ..." if len(found) > 10 else "")
        raise LabelError(f"None of the values in '{target}' of {name} is a class of {version.label}: it predicts "
                         f"{', '.join(repr(c) for c in classes)}, the file holds {shown}. Recode the labels "
                         "to the model's classes (or check the file belongs to this model); nothing was stored.")
    return unknown


def _target_column(labels: pd.DataFrame, target: str | None, name: str) -> str:
    cols = [str(c) for c in labels.columns]
    if target and target in cols:
        return target
    for alias in TARGET_ALIASES:
        if alias in cols:
            return alias
    raise LabelError(f"{name} has no column '{target}' with the true values (its columns: "
                     f"{', '.join(cols[:12])}). Name the column '{target}' or 'actual'.")


def _key_columns(labels: pd.DataFrame, target: str, store: st.Store, records, batch_id: str | None,
                 name: str, version: st.ModelVersion) -> list[str]:
    others = [str(c) for c in labels.columns if str(c) != target]
    if PREDICTION_ID in others:
        return [PREDICTION_ID]
    import pyarrow.parquet as pq

    present = set(pq.read_schema(store.home / records[0].path).names)
    key = [c for c in others if c in present and not c.startswith("__")]
    if not key:
        columns = [str(c) for c in labels.columns]
        ids = [c for c in _model_id_columns(version) if c in present]
        batch_keys = (f"or an id column the batch has ({_listed(ids)})" if ids
                      else "(the batch has no id column of its own)")
        raise LabelError(f"{name} has no column to match predictions by: give it the prediction_id column of "
                         f"the scored file {batch_keys}. The columns of {name}: {_listed(columns)}.")
    if batch_id is None:
        raise LabelError(f"{name} matches rows by {', '.join(key)}, which only identifies rows within one batch: "
                         "choose the batch the labels belong to (or use the prediction_id column).")
    return key


def _model_id_columns(version: st.ModelVersion) -> list[str]:
    """Columns the profile set aside as identifiers when the model was trained."""
    dropped = (version.metadata or {}).get("dropped_columns") or {}
    return [str(c) for c, why in dropped.items() if str(why).startswith("identifier")]


def _listed(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _key_strings(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    parts = [category_strings(frame[c]).astype("string").fillna("<missing>") for c in key]
    out = parts[0]
    for p in parts[1:]:
        out = out + "\x1f" + p
    return out.reset_index(drop=True)
