"""Per-column data drift of a current sample against a reference, and the dataset verdict.

Each numeric or categorical column gets one test from :mod:`core.monitoring.stattests` (chosen
as Evidently chooses, unless the caller names one) and a :class:`ColumnDrift` record; the dataset
drifts when at least ``drift_share`` of the tested columns drift (Evidently's ``get_dataset_drift``:
``share >= drift_share``). Calculation only: charts are drawn by core.charts from ``to_df()`` and
:func:`distributions`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from core.errors import ConfigError
from core.monitoring.stattests import (CATEGORICAL, FEW_VALUES, KINDS, NUMERIC, choose_default, get_test,
                                      n_values_capped, prepare, tests_for)

PER_VALUE_TESTS = ("chisquare", "z")  # tests that treat every distinct value as a category

COLUMNS = ["column", "kind", "test", "score", "threshold", "drifted", "score_kind", "ref_rows", "cur_rows"]
FEW_VALUES_TO_CHART = 10  # a numeric column with at most this many values is charted per value


@dataclass
class ColumnDrift:
    """One column's test, score and verdict; ``ref_rows``/``cur_rows`` count the values tested."""

    column: str
    kind: str
    test: str
    score: float
    threshold: float
    drifted: bool
    score_kind: str
    ref_rows: int
    cur_rows: int


@dataclass
class DriftResult:
    """Drift of every tested column, and whether the dataset as a whole drifted.

    A column with no values left in reference or current has score NaN; it is listed in
    ``columns`` but neither drifts nor counts in ``share``. ``missing_columns`` are columns of
    ``kinds`` absent from the current data.
    """

    columns: list[ColumnDrift]
    drift_share_threshold: float
    missing_columns: list[str] = field(default_factory=list)

    @property
    def tested_columns(self) -> list[str]:
        """Columns that got a score."""
        return [c.column for c in self.columns if not math.isnan(c.score)]

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]

    @property
    def share(self) -> float:
        """Drifted columns / tested columns (0.0 when none was tested)."""
        tested = len(self.tested_columns)
        return len(self.drifted_columns) / tested if tested else 0.0

    @property
    def dataset_drift(self) -> bool:
        return bool(self.tested_columns) and self.share >= self.drift_share_threshold

    def to_df(self) -> pd.DataFrame:
        """One row per column: the fields of :class:`ColumnDrift`."""
        return pd.DataFrame([asdict(c) for c in self.columns], columns=COLUMNS)


def clean_values(values: pd.Series, kind: str):
    """The values a test sees: numbers as a float array without NaN or infinities (text that is
    not a number counts as missing); categories as text without missing values.

    Whole floats are written as integers (``1.0`` -> ``"1"``), so a category column read as
    integers in one file and as floats (because of a gap) in another keeps its categories.
    """
    if kind == NUMERIC:
        v = pd.to_numeric(values, errors="coerce")
        v = v.to_numpy(dtype="float64", na_value=np.nan) if isinstance(v, pd.Series) else np.asarray(v, float)
        finite = np.isfinite(v)
        return v if finite.all() else v[finite]  # no copy when all are finite: the tests sort a copy
    if kind != CATEGORICAL:
        raise ConfigError(f"Unknown column kind {kind!r} for drift; use one of: {', '.join(KINDS)}.")
    v = values[values.notna()]
    if pd.api.types.is_float_dtype(v.dtype):
        v = v[np.isfinite(v.to_numpy(dtype="float64"))]
        a = v.to_numpy(dtype="float64")
        if len(a) and (a == np.round(a)).all() and np.abs(a).max() < 2**53:
            v = v.astype("int64")
    return v if pd.api.types.is_string_dtype(v.dtype) and not pd.api.types.is_object_dtype(v.dtype) \
        else v.astype(str)


def _setting_for(setting: dict | None, column: str):
    if not setting:
        return None
    return setting.get(column, setting.get("*"))


def _check_keys(setting: dict | None, what: str, testable: dict[str, str]) -> None:
    for key in setting or {}:
        if key != "*" and key not in testable:
            raise ConfigError(f"Drift {what} names column '{key}', which is not a numeric or categorical column "
                              f"here; columns: {', '.join(map(str, testable)) or 'none'}.")


def column_drift(reference: pd.DataFrame, current: pd.DataFrame, kinds: dict[str, str], *,
                 tests: dict[str, str] | None = None, thresholds: dict[str, float] | None = None,
                 drift_share: float = 0.5) -> DriftResult:
    """Test every numeric and categorical column of ``kinds`` for drift from reference to current.

    Parameters
    ----------
    reference, current : DataFrame
        The reference sample (for example of the training data) and the batch to check.
    kinds : dict
        Column -> "numeric" or "categorical"; columns of any other kind are skipped.
    tests : dict, optional
        Column (or ``"*"`` for every column) -> test name from ``stattests.REGISTRY``; a column's
        own entry wins over ``"*"``. Columns without one get Evidently's default test.
    thresholds : dict, optional
        Column (or ``"*"``) -> threshold of that column's test; default: the test's own.
    drift_share : float
        The dataset drifts when at least this share of the tested columns drift (0 < x <= 1).

    Returns
    -------
    DriftResult
        Columns in the order of ``kinds``; columns absent from ``current`` in ``missing_columns``.

    Raises
    ------
    ConfigError
        An unknown test name, a test that does not fit a column's kind, a bad threshold or
        drift share, a setting for a column that is not tested, or a column absent from
        ``reference``.
    """
    if isinstance(drift_share, bool) or not isinstance(drift_share, (int, float, np.integer, np.floating)) \
            or not 0 < drift_share <= 1:
        raise ConfigError(f"The drift share must be a number above 0 and at most 1, got {drift_share!r}.")
    testable = {c: k for c, k in kinds.items() if k in KINDS}
    _check_keys(tests, "tests", testable)
    _check_keys(thresholds, "thresholds", testable)

    plan = []
    for column, kind in testable.items():
        if column not in reference.columns:
            raise ConfigError(f"Column '{column}' is not in the reference data, so its drift cannot be measured.")
        name = _setting_for(tests, column)
        test = get_test(name) if name is not None else None
        threshold = _setting_for(thresholds, column)
        if test is not None and kind not in test.kinds:
            if column in (tests or {}):
                raise ConfigError(f"Drift test '{test.name}' does not apply to the {kind} column '{column}'; "
                                  f"choose one of: {', '.join(tests_for(kind))}.")
            # A test chosen for every column applies where it fits; the others keep their default
            # test, and a threshold meant for the chosen test would not fit theirs either.
            test = None
            threshold = (thresholds or {}).get(column)
        if test is not None:
            try:
                test.threshold_or_default(threshold)
            except ConfigError as exc:
                raise ConfigError(f"Column '{column}': {exc}") from None
        plan.append((column, kind, test, threshold))

    results, missing = [], []
    for column, kind, test, threshold in plan:
        if column not in current.columns:
            missing.append(column)
            continue
        ref, cur = reference[column], current[column]
        if isinstance(ref, pd.DataFrame) or isinstance(cur, pd.DataFrame):
            raise ConfigError(f"Column '{column}' appears more than once; drift needs unique column names.")
        samples = prepare(clean_values(ref, kind), clean_values(cur, kind), kind)
        if test is not None and test.name in PER_VALUE_TESTS and kind == NUMERIC \
                and n_values_capped(samples, FEW_VALUES) > FEW_VALUES:
            # Chi-square and the z-test count each distinct value as a category: on a measurement
            # every value is new, so they would call any batch drifted (or none).
            if column in (tests or {}):
                raise ConfigError(f"Drift test '{test.name}' treats every value of '{column}' as a category, "
                                  f"but '{column}' is a measurement with many distinct values; choose one of: "
                                  "ks, wasserstein, jensenshannon, psi.")
            test, threshold = None, (thresholds or {}).get(column)
        chosen = test or choose_default(samples)
        try:
            res = chosen.run(samples, threshold)
        except ConfigError as exc:  # a "*" threshold that does not fit the default test of this column
            raise ConfigError(f"Column '{column}': {exc}") from None
        results.append(ColumnDrift(column, kind, res.test, res.score, res.threshold, res.drifted, res.score_kind,
                                   samples.n_ref, samples.n_cur))
    return DriftResult(results, float(drift_share), missing)


def _counts_at(a: np.ndarray, values: np.ndarray) -> np.ndarray:
    a = np.sort(a)
    return np.searchsorted(a, values, "right") - np.searchsorted(a, values, "left")


def _shares(counts: np.ndarray, n: int) -> np.ndarray:
    return counts / n if n else np.zeros(len(counts))


def distributions(reference: pd.Series, current: pd.Series, kind: str, bins: int = 30,
                  top: int = 30) -> pd.DataFrame:
    """Shares of reference and current per bin or category, for a side-by-side chart.

    Numeric: ``bins`` equal-width bins over both samples together (columns ``bin``, ``left``,
    ``right``, ``reference``, ``current``), or one row per value when there are at most 10
    values. Categorical: the ``top`` most frequent categories of both samples together, the rest
    summed as "other" (columns ``category``, ``reference``, ``current``). Values are cleaned as
    for :func:`column_drift`; an empty sample has shares 0.
    """
    for name, v in (("bins", bins), ("top", top)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ConfigError(f"Drift chart setting {name} must be a whole number of 1 or more, got {v!r}.")
    ref, cur = clean_values(reference, kind), clean_values(current, kind)
    if kind == NUMERIC:
        both = np.concatenate((ref, cur))
        values = np.unique(both)
        if len(values) <= FEW_VALUES_TO_CHART:
            return pd.DataFrame({"bin": [f"{x:g}" for x in values], "left": values, "right": values,
                                 "reference": _shares(_counts_at(ref, values), len(ref)),
                                 "current": _shares(_counts_at(cur, values), len(cur))})
        edges = np.histogram_bin_edges(both, bins=int(bins))
        return pd.DataFrame({"bin": [f"{lo:.4g} – {hi:.4g}" for lo, hi in zip(edges[:-1], edges[1:])],
                             "left": edges[:-1], "right": edges[1:],
                             "reference": _shares(np.histogram(ref, edges)[0], len(ref)),
                             "current": _shares(np.histogram(cur, edges)[0], len(cur))})
    r, c = ref.value_counts(sort=False), cur.value_counts(sort=False)
    total = r.add(c, fill_value=0)
    order = sorted(total.index, key=lambda k: (-total[k], str(k)))
    keep, rest = order[:int(top)], order[int(top):]
    r_counts = np.array([r.get(k, 0) for k in keep] + ([r.reindex(rest).fillna(0).sum()] if rest else []), float)
    c_counts = np.array([c.get(k, 0) for k in keep] + ([c.reindex(rest).fillna(0).sum()] if rest else []), float)
    return pd.DataFrame({"category": [str(k) for k in keep] + (["other"] if rest else []),
                         "reference": _shares(r_counts, len(ref)), "current": _shares(c_counts, len(cur))})
