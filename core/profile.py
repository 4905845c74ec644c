"""Profile a table: what kind each column is, how complete it is, and whether to use it.

The profile is the product's first opinion about the data. Every column gets a kind and a
suggested role; columns we suggest dropping carry the reason in words, so the user can
overrule us knowingly. The task (classification or regression) is inferred from the target,
also with a reason.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from core.errors import TargetError

KINDS = ("numeric", "categorical", "boolean", "datetime", "text", "id", "constant", "empty")
FEATURE_KINDS = ("numeric", "categorical", "boolean", "datetime")
BOOLEAN_TOKENS = {
    frozenset({"yes", "no"}), frozenset({"y", "n"}), frozenset({"true", "false"}),
    frozenset({"t", "f"}), frozenset({"是", "否"}), frozenset({"on", "off"}),
}
_ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|guid|key|code|no|nr|number)$|^id[_\s-]|编号|号码|^ID$",
                      re.IGNORECASE)
MIXED_NUMERIC_SHARE = 0.9
REGRESSION_MIN_DISTINCT = 20


@dataclass
class ColumnProfile:
    """One column's profile: kind, completeness and the role we suggest."""

    name: str
    kind: str
    dtype: str
    missing: int
    missing_share: float
    distinct: int
    infinite: int = 0
    non_numeric: int = 0
    role: str = "feature"
    reason: str = ""
    examples: list[str] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class TaskGuess:
    """The task inferred from the target column, with the reason in words."""

    task: str
    reason: str
    classes: list[str] = field(default_factory=list)


@dataclass
class Profile:
    """The profile of a whole table, optionally relative to a chosen target."""

    rows: int
    columns: list[ColumnProfile]
    target: str | None = None
    task: TaskGuess | None = None
    warnings: list[str] = field(default_factory=list)

    def column(self, name: str) -> ColumnProfile:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def features(self) -> list[str]:
        return [c.name for c in self.columns if c.role == "feature"]

    @property
    def suggested_drops(self) -> dict[str, str]:
        return {c.name: c.reason for c in self.columns if c.role == "drop"}

    def to_frame(self) -> pd.DataFrame:
        rows = [asdict(c) for c in self.columns]
        for r in rows:
            r["examples"] = ", ".join(r["examples"])
        return pd.DataFrame(rows)


def find_column(frame: pd.DataFrame, name: str, what: str = "target") -> str:
    """Return ``name`` if it is a column, else raise naming the closest matches."""
    if name in frame.columns:
        return name
    folded = {str(c).strip().lower(): c for c in frame.columns}
    hint = ""
    if name.strip().lower() in folded:
        hint = f" Did you mean '{folded[name.strip().lower()]}'?"
    cols = ", ".join(str(c) for c in list(frame.columns)[:30])
    raise TargetError(f"The {what} column '{name}' is not in the data.{hint} Columns are: {cols}.")


def missing_mask(series: pd.Series) -> pd.Series:
    """NaN, None and blank strings all count as missing."""
    mask = series.isna()
    if isinstance(series.dtype, pd.StringDtype):
        # Already strings: strip them where they are (no copy into another string type).
        mask = mask | series.str.strip().eq("").fillna(False).astype(bool)
    elif series.dtype == object or pd.api.types.is_string_dtype(series):
        mask = mask | series.astype("string").str.strip().eq("").fillna(False)
    return mask.astype(bool)


def profile_frame(frame: pd.DataFrame, target: str | None = None) -> Profile:
    """Profile every column, and relative to ``target`` when one is given.

    With a target, the target column gets role ``target``, columns that nearly copy it are
    flagged as suspected leaks, and the task is inferred.
    """
    if target is not None:
        target = find_column(frame, target)
    n = len(frame)
    columns = [_profile_column(frame[c], str(c), n) for c in frame.columns]
    prof = Profile(rows=n, columns=columns, target=target)
    id_col = next((c.name for c in columns if c.kind == "id"), None)
    for c in columns:
        if c.infinite:
            # Training leaves out rows whose target is missing or infinite; a feature's
            # infinities are filled like its missing values.
            treated = ("those rows are left out of training, like rows with a missing target"
                       if c.name == target else
                       "they are treated as missing and filled like other missing values")
            prof.warnings.append(
                f"Column '{c.name}' has {c.infinite} infinite values (inf/-inf) in "
                f"{_where(frame, c.name, id_col)}; {treated}."
            )
        if c.non_numeric and c.kind == "numeric":
            prof.warnings.append(
                f"Column '{c.name}' is mostly numbers but {c.non_numeric} values are not "
                f"(for example {c.examples[-1]!r}); those are treated as missing."
            )
    if target is not None:
        tcol = prof.column(target)
        tcol.role, tcol.reason = "target", "chosen target"
        prof.task = infer_task(frame[target])
        _flag_leaks(frame, prof)
    return prof


def _where(frame: pd.DataFrame, column: str, id_col: str | None, limit: int = 10) -> str:
    """Name the rows holding infinities: by id when the table has one, else by file line."""
    values = pd.to_numeric(frame[column], errors="coerce").astype(float)
    rows = frame.index[np.isinf(values.to_numpy())]
    more = ", ..." if len(rows) > limit else ""
    if id_col is not None:
        return f"rows {', '.join(str(v) for v in frame.loc[rows[:limit], id_col])}{more} ({id_col})"
    positions = [str(frame.index.get_loc(r) + 2) for r in rows[:limit]]
    return f"file lines {', '.join(positions)}{more}"


def _profile_column(s: pd.Series, name: str, n: int) -> ColumnProfile:
    miss = missing_mask(s)
    n_missing = int(miss.sum())
    present = s[~miss] if n_missing else s
    numeric, infinite, non_numeric, first_bad = _as_numeric(present)
    distinct = _distinct_as_text(present)
    first_values = _first_distinct_as_text(present, min(3, distinct))
    prof = ColumnProfile(
        name=name,
        kind="categorical",
        dtype=str(s.dtype),
        missing=n_missing,
        missing_share=round(n_missing / n, 6) if n else 0.0,
        distinct=distinct,
        infinite=infinite,
        non_numeric=non_numeric,
        examples=[v[:40] for v in first_values],
    )
    if len(present) == 0:
        prof.kind, prof.role, prof.reason = "empty", "drop", "all values are missing"
        return prof
    if distinct == 1:
        prof.kind, prof.role, prof.reason = "constant", "drop", f"one value only ({prof.examples[0]})"
        return prof
    lowered = frozenset(v.strip().lower() for v in first_values) if distinct == 2 else None
    if lowered is not None and lowered in BOOLEAN_TOKENS:
        prof.kind = "boolean"
        return prof
    if numeric is not None:
        finite = numeric[np.isfinite(numeric)]
        if len(finite):
            prof.minimum, prof.maximum = float(finite.min()), float(finite.max())
        if non_numeric:
            prof.examples.append(str(first_bad)[:40])
        if _looks_like_numeric_id(name, numeric, distinct, len(present)):
            prof.kind, prof.role = "id", "drop"
            prof.reason = "identifier: a different whole number in every row"
        else:
            prof.kind = "numeric"
        return prof
    if _looks_like_datetime(present):
        prof.kind = "datetime"
        return prof
    text = present.astype(str)
    unique_share = distinct / len(present)
    if unique_share > 0.5 and len(present) >= 20 or (unique_share == 1.0 and _ID_NAME.search(name)):
        words = _mean_whitespace_runs(text)
        if _signed_numbers_share(text) >= 0.9:
            prof.kind, prof.role = "text", "drop"
            prof.reason = ("numbers with currency or percent signs stored as text; remove the signs "
                           "(or load the file with core.io.load_csv, which reads them as numbers)")
        elif words >= 2 or text.str.len().mean() > 40:
            prof.kind, prof.role = "text", "drop"
            prof.reason = "free text: almost every value is different (text features are not used yet)"
        else:
            prof.kind, prof.role = "id", "drop"
            prof.reason = "identifier: a different value in almost every row"
        return prof
    multiline = bool(text.str.contains("\n", regex=False).any())
    if distinct > 2 and (multiline or _mean_whitespace_runs(text) >= 3):
        prof.kind, prof.role = "text", "drop"
        prof.reason = "free text: sentences" + (" with line breaks" if multiline else "") + (
            " (text features are not used yet)")
        return prof
    prof.kind = "categorical"
    return prof


_SIGNED_NUMBER = re.compile(r"^\s*\(?\s*[-+]?\s*[$€£¥₹]?\s*-?\d[\d.,']*\s*[%$€£¥₹]?\s*\)?\s*$")
_SIGN = re.compile(r"[%$€£¥₹]")


def _signed_numbers_share(text: pd.Series) -> float:
    """Share of the first values that are numbers written with a currency or percent sign."""
    head = [v for v in text.iloc[:200] if _SIGNED_NUMBER.match(v)]
    return sum(bool(_SIGN.search(v)) for v in head) / max(1, min(len(text), 200))


def _distinct_as_text(present: pd.Series) -> int:
    """How many different values the column has when written out as text.

    This is ``present.astype(str).nunique()`` without writing a million numbers out: numbers
    differ as text exactly when they differ as numbers, except 0.0 and -0.0.
    """
    if len(present) == 0:
        return 0
    dtype = present.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return int(present.nunique())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = present.to_numpy()
        zeros = values[values == 0]
        both_zeros = len(zeros) and np.signbit(zeros).any() and not np.signbit(zeros).all()
        return int(present.nunique()) + int(bool(both_zeros))
    if isinstance(dtype, pd.StringDtype):
        return int(present.nunique())
    return int(present.astype(str).nunique())


def _first_distinct_as_text(present: pd.Series, k: int) -> list[str]:
    """The first ``k`` different values as text, in order of appearance (from the shortest
    prefix of the column that holds them, not the whole column)."""
    n = 1000
    while True:
        seen = present.iloc[:n].astype(str).unique()
        if len(seen) >= k or n >= len(present):
            return [str(v) for v in seen[:3]]
        n *= 10


# Python's \s for text (str.isspace), spelled out so that pyarrow's RE2 engine counts the same.
_WHITESPACE_RUN = r"[\x{9}\x{a}\x{b}\x{c}\x{d}\x{1c}\x{1d}\x{1e}\x{1f}\x{20}\x{85}\x{a0}\x{1680}\x{2000}\x{2001}\x{2002}\x{2003}\x{2004}\x{2005}\x{2006}\x{2007}\x{2008}\x{2009}\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"


def _mean_whitespace_runs(text: pd.Series) -> float:
    """Mean number of runs of whitespace per value (about the number of word gaps)."""
    if len(text) == 0:
        return float("nan")
    counts = text.value_counts(sort=False, dropna=False)
    values = counts.index.to_series(index=range(len(counts)))
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        runs = pc.count_substring_regex(pa.array(values.array), _WHITESPACE_RUN).to_numpy(zero_copy_only=False)
    else:
        runs = values.str.count(r"\s+").to_numpy()
    return float((runs * counts.to_numpy()).sum() / len(text))


def _as_numeric(present: pd.Series) -> tuple[np.ndarray | None, int, int, object]:
    """Return the numeric values if the column is (mostly) numbers, with inf and junk counts
    and the first value that is not a number."""
    if pd.api.types.is_bool_dtype(present):
        return None, 0, 0, None
    if pd.api.types.is_numeric_dtype(present):
        values = present.to_numpy(dtype=float)
        return values, int(np.isinf(values).sum()), 0, None
    n = len(present)
    if n == 0:
        return None, 0, 0, None
    # Words are the common case: when a prefix alone already holds more than the allowed share
    # of non-numbers, the rest of the column cannot change the answer.
    head = int(n * (1 - MIXED_NUMERIC_SHARE)) + 2
    if head < n:
        bad_in_head = int(pd.to_numeric(present.iloc[:head], errors="coerce").isna().sum())
        if (n - bad_in_head) / n < MIXED_NUMERIC_SHARE:
            return None, 0, 0, None
    coerced = pd.to_numeric(present, errors="coerce")
    ok = coerced.notna()
    if ok.mean() < MIXED_NUMERIC_SHARE:
        return None, 0, 0, None
    values = coerced[ok].to_numpy(dtype=float)
    bad = ~ok.to_numpy()
    first_bad = present.iloc[int(bad.argmax())] if bad.any() else None
    return values, int(np.isinf(values).sum()), int(bad.sum()), first_bad


def _looks_like_numeric_id(name: str, values: np.ndarray, distinct: int, n: int) -> bool:
    if distinct < n:
        return False
    finite = values[np.isfinite(values)]
    # Most measurements show a fraction within their first values: no need to check them all.
    if len(finite) < 10 or not np.all(np.mod(finite[:1000], 1) == 0) or not np.all(np.mod(finite, 1) == 0):
        return False
    if _ID_NAME.search(name):
        return True
    diffs = np.diff(finite)
    return bool(len(diffs) and (np.all(diffs == 1) or np.all(diffs == -1)))


def _looks_like_datetime(present: pd.Series) -> bool:
    sample = present.head(500).astype(str)
    if not sample.str.contains(r"\d{1,4}[-/.:]\d{1,2}", regex=True).mean() > 0.9:
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() > 0.9)


def infer_task(target: pd.Series) -> TaskGuess:
    """Classification for labels and few distinct numbers; regression for many numbers."""
    present = target[~missing_mask(target)]
    if len(present) == 0:
        raise TargetError(f"The target column '{target.name}' has no values; choose another target.")
    distinct = present.astype(str).nunique()
    numeric = pd.api.types.is_numeric_dtype(present) and not pd.api.types.is_bool_dtype(present)
    if numeric:
        values = present.to_numpy(dtype=float)
        whole = bool(np.all(np.mod(values[np.isfinite(values)], 1) == 0))
        if distinct > REGRESSION_MIN_DISTINCT or not whole:
            kind = "whole numbers" if whole else "decimal numbers"
            return TaskGuess("regression", f"'{target.name}' holds {kind} with {distinct} distinct values")
        return TaskGuess(
            "classification",
            f"'{target.name}' holds only {distinct} distinct whole numbers, read as classes",
            sorted(present.astype(str).unique().tolist()),
        )
    return TaskGuess(
        "classification",
        f"'{target.name}' holds labels ({distinct} distinct value{'' if distinct == 1 else 's'})",
        sorted(present.astype(str).unique().tolist()),
    )


def _flag_leaks(frame: pd.DataFrame, prof: Profile) -> None:
    """Flag features that reveal the target almost exactly: they would not exist at scoring."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        _flag_leaks_finite(frame, prof)


def _flag_leaks_finite(frame: pd.DataFrame, prof: Profile) -> None:
    # Rows training leaves out (a missing or, for regression, non-finite target) are left out
    # here too, and a feature's infinities are ignored: one inf would hide a plain copy.
    target = prof.target
    y = frame[target]
    keep = ~missing_mask(y)
    regression = bool(prof.task and prof.task.task == "regression")
    if regression:
        keep &= np.isfinite(pd.to_numeric(y, errors="coerce").astype(float)).fillna(False).astype(bool)
    if keep.sum() < 10:
        return
    y = y[keep]
    y_num = pd.to_numeric(y, errors="coerce").astype(float) if regression else None
    y_text = y.astype(str)
    y_codes = base = None
    numeric_feats = []
    for c in prof.columns:
        if c.role != "feature":
            continue
        x = frame.loc[keep, c.name]
        # Compared as text; a first stretch that differs settles it without writing out the rest.
        head = min(len(x), 1000)
        if x.iloc[:head].astype(str).equals(y_text.iloc[:head]) and x.astype(str).equals(y_text):
            _mark_leak(c, "a copy of the target")
            continue
        if y_num is not None and c.kind == "numeric":
            xn = pd.to_numeric(x, errors="coerce").replace([np.inf, -np.inf], np.nan)
            numeric_feats.append(c)
            if xn.notna().sum() > 10 and abs(xn.corr(y_num)) >= 0.98:
                _mark_leak(c, f"correlates {xn.corr(y_num):+.3f} with the target")
        elif y_num is None and c.kind in ("categorical", "boolean", "numeric") and c.distinct <= 0.5 * len(y):
            if y_codes is None:
                y_codes = _text_codes(y)
                base = y_text.value_counts(normalize=True).iloc[0]
            if _purity(_text_codes(x), y_codes, len(y)) >= 0.995 and base < 0.95:
                _mark_leak(c, "its value decides the target in over 99.5% of rows")
    if y_num is not None and len(numeric_feats) >= 2:
        _flag_sum_leaks(frame.loc[keep], y_num, [c for c in numeric_feats if c.role == "feature"])


def _text_codes(s: pd.Series) -> np.ndarray:
    """Integer codes equal exactly where ``s.astype(str)`` is equal; -1 where it is missing.

    Numbers are coded by their bits (distinct floats print differently, 0.0 and -0.0 too), so
    a million of them need not be written out as text.
    """
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = s.to_numpy()
        nan = np.isnan(values)
        codes = np.full(len(values), -1, dtype=np.int64)
        codes[~nan] = pd.factorize(values[~nan].view(f"u{values.itemsize}"))[0]
        return codes
    if isinstance(dtype, np.dtype) and dtype.kind in "iub" or isinstance(dtype, pd.StringDtype):
        return pd.factorize(s)[0]
    return pd.factorize(s.astype(str))[0]


def _purity(x_codes: np.ndarray, y_codes: np.ndarray, n: int) -> float:
    """Share of rows whose x value's most common target is their target (the crosstab's row
    maxima summed, over ``n``); rows with a missing x count against it."""
    valid = x_codes >= 0
    width = int(y_codes.max()) + 1 if len(y_codes) else 1
    keys, counts = np.unique(x_codes[valid] * width + y_codes[valid], return_counts=True)
    if not len(keys):
        return 0.0
    xs = keys // width
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    return np.maximum.reduceat(counts, starts).sum() / n


def _flag_sum_leaks(frame: pd.DataFrame, y: pd.Series, cols: list[ColumnProfile]) -> None:
    """Catch a target that is (nearly) a sum of features, like total = part_a + part_b."""
    if len(cols) < 2:
        return
    X = frame[[c.name for c in cols]].apply(pd.to_numeric, errors="coerce")
    X = X.replace([np.inf, -np.inf], np.nan)
    ok = X.notna().all(axis=1) & y.notna()
    if ok.sum() < 30:
        return
    Xa, ya = X[ok].to_numpy(float)[:20000], y[ok].to_numpy(float)[:20000]

    def r2(A: np.ndarray) -> float:
        A = np.column_stack([A, np.ones(len(A))])
        coef, *_ = np.linalg.lstsq(A, ya, rcond=None)
        resid = ya - A @ coef
        return 1 - resid.var() / ya.var() if ya.var() > 0 else 0.0

    if r2(Xa) < 0.999:
        return
    for i, c in enumerate(cols):
        if r2(np.delete(Xa, i, axis=1)) < 0.99:
            _mark_leak(c, "together with other columns it adds up to the target")


def _mark_leak(col: ColumnProfile, why: str) -> None:
    col.role = "drop"
    col.reason = f"suspected leak: {why}"


def default_target(frame: pd.DataFrame) -> str:
    """The column to propose as the target before the user picks one: the last column that
    varies (exports usually put the outcome last), skipping an empty column left by a delimiter
    at the end of every line and constant columns, which no model can learn."""
    for name in reversed(list(frame.columns)):
        values = frame[name]
        present = values[~missing_mask(values)]
        if present.nunique() > 1:
            return str(name)
    return str(frame.columns[-1])
