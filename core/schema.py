"""The input contract of a trained model, and the check of a new batch against it.

The schema records what the model saw in training (columns, kinds, categories, ranges,
missing shares). A batch is checked against it before scoring: missing columns stop the
batch with their names; everything else (unseen categories, out-of-range or missing values,
infinities, junk in numeric columns) is scored anyway and flagged per row and per column, so
nobody loses a row to a surprise value.
"""

from __future__ import annotations

import warnings

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import SchemaMismatchError
from core.prep import FeaturePlan
from core.profile import missing_mask
from core.transformers import category_strings

MAX_CATEGORIES_KEPT = 500


def build_schema(X: pd.DataFrame, plan: FeaturePlan) -> list[dict]:
    """Describe each input column as the model saw it in the training split."""
    schema = []
    for c in plan.columns:
        s = X[c]
        entry: dict = {"name": c, "dtype": str(s.dtype),
                       "missing_share": float(missing_mask(s).mean()) if len(s) else 0.0}
        if c in plan.numeric:
            v = pd.to_numeric(s, errors="coerce").replace([np.inf, -np.inf], np.nan)
            entry.update(kind="numeric", min=_f(v.min()), max=_f(v.max()),
                         mean=_f(v.mean()), std=_f(v.std()))
        elif c in plan.datetime:
            d = pd.to_datetime(s, errors="coerce", format="mixed")
            entry.update(kind="datetime", min=str(d.min()), max=str(d.max()))
        else:
            counts = category_strings(s).value_counts()
            entry.update(kind="categorical",
                         categories=[str(x) for x in counts.index[:MAX_CATEGORIES_KEPT]],
                         categories_truncated=bool(len(counts) > MAX_CATEGORIES_KEPT))
        schema.append(entry)
    return schema


def _f(x) -> float | None:
    return None if pd.isna(x) else float(x)


@dataclass
class BatchCheck:
    """What a batch looked like against the schema; per column counts and per row flags."""

    rows: int
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    row_flags: pd.Series | None = None

    @property
    def flagged_rows(self) -> int:
        return 0 if self.row_flags is None else int(self.row_flags.ne("").sum())

    def messages(self) -> list[str]:
        out = []
        if self.extra_columns:
            out.append(f"Columns not used by the model were ignored: {', '.join(self.extra_columns)}.")
        for i in self.issues:
            out.append(i["message"])
        return out

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.issues, columns=["column", "problem", "rows", "examples", "message"])


def check_batch(frame: pd.DataFrame, schema: list[dict], *, name: str = "the batch") -> BatchCheck:
    """Check a batch; raise only for missing columns, which no model can score around."""
    expected = [c["name"] for c in schema]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise SchemaMismatchError(
            f"{name} lacks {len(missing)} column(s) the model needs: {', '.join(missing)}. "
            "Add them (empty cells are allowed) or score with a model trained without them."
        )
    check = BatchCheck(rows=len(frame), extra_columns=[str(c) for c in frame.columns if c not in expected])
    # (row mask, flag text or one text per flagged row), in the order the texts join in a row
    marks: list[tuple[np.ndarray, object]] = []
    for col in schema:
        c = col["name"]
        s = frame[c]
        if col["kind"] == "categorical" and not col.get("categories_truncated"):
            cats, miss, unseen = _category_check(s, set(col["categories"]))
            if unseen.any():
                _issue(check, c, "unseen category", unseen, cats,
                       "categories never seen in training (scored as infrequent/unknown)")
                marks.append((unseen, np.array([f"{c}={v} (unseen)" for v in cats[unseen].astype(str)],
                                               dtype=object)))
        elif s.dtype == "float64":  # plain floats: missing is NaN, and every value is a number
            v = s.to_numpy()
            miss = np.isnan(v)
        else:
            miss = missing_mask(s).to_numpy()
        if col["kind"] == "numeric":
            if s.dtype != "float64":
                num = pd.to_numeric(s, errors="coerce")
                v = num.to_numpy(dtype="float64", na_value=np.nan) if num.dtype != "float64" else num.to_numpy()
            junk = np.isnan(v) & ~miss
            inf = np.isinf(v) & ~miss
            _issue(check, c, "not a number", junk, s, "values that are not numbers were treated as missing")
            marks.append((junk, f"{c} not a number"))
            _issue(check, c, "infinite", inf, s, "infinite values were treated as missing")
            marks.append((inf, f"{c}=inf"))
            lo, hi = col.get("min"), col.get("max")
            if lo is not None and hi is not None:
                out = ((v < lo) | (v > hi)) & ~inf
                _issue(check, c, "out of range", out, s, f"values outside the training range [{lo:g}, {hi:g}]")
                marks.append((out, f"{c} out of training range"))
        if col["kind"] == "datetime":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dates = pd.to_datetime(s, errors="coerce", format="mixed")
            junk = dates.isna().to_numpy() & ~miss
            _issue(check, c, "not a date", junk, s, "values that are not dates were treated as missing")
            marks.append((junk, f"{c} not a date"))
        if miss.any():
            _issue(check, c, "missing", miss, s, "missing values were filled as in training")
            marks.append((miss, f"{c} missing"))
    check.missing_columns = missing
    check.row_flags = pd.Series(join_flags(len(frame), marks), index=frame.index, dtype=object)
    return check


def join_flags(n: int, marks: list[tuple[np.ndarray, object]], flags: np.ndarray | None = None) -> np.ndarray:
    """Per row, the texts of every mark that row is in, joined by "; " ("" for a clean row).

    ``marks`` are (boolean mask of ``n`` rows, one text or one text per marked row); ``flags``
    (an object array of ``n`` texts) is extended in place when given. Only marked rows are
    touched, so a clean batch costs one pass per mark.
    """
    if flags is None:
        flags = np.full(n, "", dtype=object)
    for mask, text in marks:
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        current = flags[idx]
        flags[idx] = np.where(current == "", text, current + "; " + text)
    return flags


def _category_check(s: pd.Series, known: set) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """``(category_strings(s), missing_mask(s), unseen)`` for one categorical column.

    A column of text has few distinct values, so both functions run on those values only and
    are spread back by code. That is exact because both treat each value on its own; it is done
    only for text (an object column of numbers could hold 1, 1.0 and True, which factorize
    merges but category_strings writes differently).
    """
    text = isinstance(s.dtype, pd.StringDtype) or (
        s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"))
    if not text:
        cats = category_strings(s)
        miss = missing_mask(s).to_numpy()
        return cats, miss, ~cats.isin(known).to_numpy() & ~miss
    codes, uniques = pd.factorize(s)
    values = pd.Series(uniques, dtype=s.dtype)
    u_cats = category_strings(values).to_numpy(dtype=object)
    u_miss = missing_mask(values).to_numpy()
    u_unseen = ~pd.Series(u_cats, dtype=object).isin(known).to_numpy() & ~u_miss
    na = codes < 0
    safe = np.where(na, 0, codes)
    if len(u_cats):
        cats, miss, unseen = u_cats.take(safe), u_miss.take(safe), u_unseen.take(safe)
    else:
        cats, miss, unseen = np.empty(len(s), dtype=object), np.zeros(len(s), bool), np.zeros(len(s), bool)
    if na.any():  # missing values keep their own object (None, nan, NA): computed as they are
        rest = s[na]
        cats[na] = category_strings(rest).to_numpy(dtype=object)
        miss[na] = missing_mask(rest).to_numpy()
        unseen[na] = False
    return pd.Series(cats, index=s.index, dtype=object), miss, unseen


def _issue(check: BatchCheck, column: str, problem: str, mask: np.ndarray, values: pd.Series, what: str) -> None:
    n = int(mask.sum())
    if not n:
        return
    shown = values[mask].astype(str)
    examples = [str(v) for v in pd.unique(shown)[:5]]
    counts = shown.value_counts()
    detail = ", ".join(f"{k} ({v} rows)" for k, v in counts.head(5).items()) if problem == "unseen category" else ", ".join(examples)
    if problem == "missing":
        detail = ""
    rows = "1 row" if n == 1 else f"{n} rows"
    check.issues.append({
        "column": column, "problem": problem, "rows": n, "examples": examples,
        "message": f"Column '{column}': {rows} with {what}" + (f": {detail}." if detail else "."),
    })


# --- the same columns as monitoring stores and compares them -------------------------------

def feature_frame(frame: pd.DataFrame, features: list[dict], *, cast: pd.DataFrame | None = None) -> pd.DataFrame:
    """The schema's columns of ``frame`` in one plain type per kind (absent columns skipped).

    Numbers become float64 (text that is not a number and infinities become missing: the batch
    check has counted them already); categories become strings compared the way training
    compared them (1, 1.0 and "1" agree); datetimes become ISO text. The reference sample and
    every logged batch go through this one function, so drift compares like with like.

    ``cast`` is the model's own ColumnCaster output for ``frame`` when scoring has it already:
    its numbers (inf as NaN) and category strings are the values computed here, so they are
    taken instead of being computed twice.
    """
    out = {}
    for f in features:
        c = f["name"]
        if c in frame.columns:
            kind = f.get("kind", "categorical")
            done = cast[c] if cast is not None and c in cast.columns else None
            if done is not None and kind == "numeric" and done.dtype == "float64":
                out[c] = done
            elif done is not None and kind == "categorical" and done.dtype == object:
                out[c] = done.astype("string")
            else:
                out[c] = typed_column(frame[c], kind)
    return pd.DataFrame(out, index=frame.index)


def typed_column(s: pd.Series, kind: str) -> pd.Series:
    if kind == "numeric":
        v = pd.to_numeric(s, errors="coerce").astype("float64")
        return v.where(np.isfinite(v))
    if kind == "datetime":
        d = pd.to_datetime(s, errors="coerce", format="mixed")
        return d.dt.strftime("%Y-%m-%dT%H:%M:%S").astype("string")
    return category_strings(s).astype("string")


def drift_kinds(features: list[dict]) -> dict[str, str]:
    """Column -> kind for the columns a drift test applies to (numeric and categorical)."""
    return {f["name"]: f["kind"] for f in features if f.get("kind") in ("numeric", "categorical")}
