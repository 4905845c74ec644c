"""Drift tests: each one a small pure function plus a registration record.

A test compares a reference sample of one column with a current sample and returns a
:class:`StatTestResult` (score, threshold, drifted). :data:`REGISTRY` holds one :class:`StatTest`
per name; :func:`default_test` picks one for a column the way Evidently does.

The formulas, default choice and thresholds follow Evidently's legacy stattests exactly, because
our scores are compared with Evidently's. Read in evidentlyai/evidently at a4aa4c2 (May 2026),
``src/evidently/legacy/calculations/``:

- ``stattests/registry.py`` (``_get_default_stattest``): ``n_values`` counts the distinct values
  of reference and current together. A reference of at most 1000 rows gets ``ks`` for a numeric
  column with more than 5 values, else ``chisquare`` with more than 2 values, else ``z`` (numeric
  columns with few values included). A larger reference gets ``wasserstein`` for a numeric column
  with more than 5 values, else ``jensenshannon``.
- ``ks_stattest.py``: p-value of ``scipy.stats.ks_2samp``; drift when ``p <= threshold``.
- ``chisquare_stattest.py``: over the union of values, observed = current counts, expected =
  reference counts * (current rows / reference rows), p-value of ``scipy.stats.chisquare``;
  drift when ``p < threshold``. A value only in current has expected 0, so p = 0; a single value
  in both samples leaves no degree of freedom, so p is NaN (and not drifted).
- ``z_stattest.py``: the smallest value of the sorted union is coded 0, every other value 1;
  two-proportion z with pooled P, p = 2 * (1 - Phi(|z|)); p = 1 when both samples hold the same
  single value; drift when ``p < threshold``.
- ``wasserstein_distance_norm.py``: ``scipy.stats.wasserstein_distance`` divided by
  ``max(np.std(reference), 0.001)`` (population std); drift when ``score >= threshold``.
- ``stattests/utils.py`` (``get_binned_data``, used by ``jensenshannon`` and ``psi``): a numeric
  column with more than 20 distinct *reference* values is cut by
  ``np.histogram_bin_edges(reference + current, bins="sturges")``; any other column uses the
  share of each value of the union. With ``feel_zeroes`` (PSI only) each sample's empty shares
  become ``min(non-zero share) / 10**6`` when that minimum is at most 0.0001, else 0.0001.
- ``jensenshannon.py``: ``scipy.spatial.distance.jensenshannon`` (natural log); ``psi.py``:
  ``sum((ref - cur) * ln(ref / cur))``; both drift when ``score >= threshold`` and give NaN, not
  drifted, for an empty sample.
- Default thresholds: 0.05 for p-values, 0.1 for distances (``StatTest.default_threshold``).

Where we differ on purpose:

- An empty reference or current gives score NaN, drifted False for *every* test (Evidently's
  ``jensenshannon`` and ``psi`` do this; its column drift raises for the others).
- ``chisquare`` and ``z`` also accept numeric columns: Evidently registers them for categorical
  columns only, yet picks them by default for numeric columns with few values.
- Non-finite numbers and missing values are dropped here, as Evidently's column drift does before
  it calls a test.

Speed: numeric samples are sorted once. The Wasserstein distance merges the two sorted samples
(a stable sort of two sorted runs is linear) and sums the same terms as scipy, with ``np.sum``
where scipy calls a BLAS dot (so the last bit may differ, about 1e-16 relative): on 100,000 rows
each threaded dot woke OpenBLAS threads (6-11 ms a call on 2 busy cores, about a quarter of the
time) which then spun against the next sorts. Histograms and value counts are ``searchsorted`` on the sorted
samples; categories are one ``pd.factorize``. ``bench/drift_evidently.py`` compares times and
scores with Evidently's ``DataDriftPreset``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from core.errors import ConfigError

NUMERIC = "numeric"
CATEGORICAL = "categorical"
KINDS = (NUMERIC, CATEGORICAL)
P_VALUE = "p_value"
DISTANCE = "distance"

SMALL_REFERENCE_ROWS = 1000  # up to this many reference rows the default is a p-value test
FEW_VALUES = 5               # a numeric column with at most this many values is treated as discrete
BINARY_VALUES = 2            # at most this many values: the z-test
HISTOGRAM_ABOVE = 20         # jensenshannon/psi histogram a numeric column with more reference values


@dataclass(frozen=True)
class StatTestResult:
    """What one test said about one column."""

    test: str
    score: float
    threshold: float
    drifted: bool
    score_kind: str


class Samples:
    """Reference and current of one column, cleaned and encoded once for any number of tests.

    Numeric: ``ref`` and ``cur`` are sorted arrays of the finite values. Categorical: they are
    codes into ``categories``, which both samples share. Build it with :func:`prepare`.
    """

    __slots__ = ("kind", "ref", "cur", "categories")

    def __init__(self, kind: str, ref: np.ndarray, cur: np.ndarray, categories: np.ndarray | None = None):
        self.kind = kind
        self.ref = ref
        self.cur = cur
        self.categories = categories

    @property
    def n_ref(self) -> int:
        return int(self.ref.size)

    @property
    def n_cur(self) -> int:
        return int(self.cur.size)


def _one_dimensional(x, side: str):
    if not isinstance(x, (pd.Series, pd.Index, np.ndarray)):
        x = np.asarray(x)
    if x.ndim != 1:
        raise ConfigError(f"A drift test needs a 1-D {side} sample; got {x.ndim} dimensions.")
    return x


def _is_numeric(x) -> bool:
    dtype = x.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _finite_sorted(x, side: str) -> np.ndarray:
    try:
        a = x.to_numpy(dtype="float64", na_value=np.nan) if isinstance(x, (pd.Series, pd.Index)) \
            else np.asarray(x, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"A numeric drift test needs numbers, but the {side} sample is not numeric ({exc}).") \
            from None
    finite = np.isfinite(a)
    if not finite.all():
        a = a[finite]
    if a.size > 1 and not (a[:-1] <= a[1:]).all():
        a = np.sort(a)
    return a


def prepare(reference, current, kind: str | None = None) -> Samples:
    """Clean and encode ``reference`` and ``current`` of one column once.

    Parameters
    ----------
    reference, current : 1-D array-like or pandas Series
        The two samples. Numeric: non-finite values and missing values are dropped.
        Categorical: missing values are dropped; values are compared as they are (pass strings).
    kind : {"numeric", "categorical"} or None
        None: numeric when both samples have a numeric (not boolean) dtype, else categorical.

    Returns
    -------
    Samples
    """
    reference = _one_dimensional(reference, "reference")
    current = _one_dimensional(current, "current")
    if kind is None:
        kind = NUMERIC if _is_numeric(reference) and _is_numeric(current) else CATEGORICAL
    if kind not in KINDS:
        raise ConfigError(f"Unknown column kind {kind!r} for a drift test; use one of: {', '.join(KINDS)}.")
    if kind == NUMERIC:
        return Samples(kind, _finite_sorted(reference, "reference"), _finite_sorted(current, "current"))
    n = len(reference)
    both = pd.concat([pd.Series(reference, copy=False), pd.Series(current, copy=False)], ignore_index=True)
    codes, uniques = pd.factorize(both)
    ref, cur = codes[:n], codes[n:]
    if (codes < 0).any():  # missing values
        ref, cur = ref[ref >= 0], cur[cur >= 0]
    return Samples(kind, ref, cur, np.asarray(uniques, dtype=object))


# --- counting ------------------------------------------------------------------------------------

def _unique_sorted(a: np.ndarray) -> np.ndarray:
    if a.size < 2:
        return a
    return a[np.concatenate(([True], a[1:] != a[:-1]))]


def n_values_capped(s: Samples, cap: int) -> int:
    """Distinct values of reference and current together, exact up to ``cap`` (else more than cap)."""
    if s.kind == CATEGORICAL:
        return len(s.categories)
    ur, uc = _unique_sorted(s.ref), _unique_sorted(s.cur)
    if len(ur) > cap or len(uc) > cap:
        return max(len(ur), len(uc))
    return len(np.union1d(ur, uc))


def _value_counts(s: Samples) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, reference counts, current counts) over the union of the values of both samples."""
    if s.kind == CATEGORICAL:
        k = len(s.categories)
        return s.categories, np.bincount(s.ref, minlength=k), np.bincount(s.cur, minlength=k)
    keys = np.union1d(_unique_sorted(s.ref), _unique_sorted(s.cur))

    def counts(a):
        return np.searchsorted(a, keys, "right") - np.searchsorted(a, keys, "left")

    return keys, counts(s.ref), counts(s.cur)


def _histogram_sorted(a: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # What np.histogram does for explicit edges (last bin closed), without sorting again.
    return np.diff(np.concatenate((np.searchsorted(a, edges[:-1], "left"), np.searchsorted(a, edges[-1:], "right"))))


def _fill_zeroes(p: np.ndarray) -> np.ndarray:
    low = p[p != 0].min()
    return np.where(p == 0, low / 10**6 if low <= 0.0001 else 0.0001, p)


def _shares(s: Samples, fill_zeroes: bool) -> tuple[np.ndarray, np.ndarray]:
    """Evidently's ``get_binned_data``: shares per Sturges bin or per value."""
    if s.kind == NUMERIC and len(_unique_sorted(s.ref)) > HISTOGRAM_ABOVE:
        edges = np.histogram_bin_edges(np.concatenate((s.ref, s.cur)), bins="sturges")
        ref_counts, cur_counts = _histogram_sorted(s.ref, edges), _histogram_sorted(s.cur, edges)
    else:
        _, ref_counts, cur_counts = _value_counts(s)
    ref, cur = ref_counts / s.n_ref, cur_counts / s.n_cur
    if fill_zeroes:
        ref, cur = _fill_zeroes(ref), _fill_zeroes(cur)
    return ref, cur


def binned_shares(reference, current, kind: str | None = None, *,
                  fill_zeroes: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Reference and current shares per Sturges bin or per value, as Evidently's ``get_binned_data``.

    ``fill_zeroes`` replaces empty shares as PSI does. Values are in no particular order.
    """
    s = prepare(reference, current, kind)
    if s.n_ref == 0 or s.n_cur == 0:
        raise ConfigError("Shares need a non-empty reference and current sample.")
    return _shares(s, fill_zeroes)


def _wasserstein_sorted(u: np.ndarray, v: np.ndarray) -> float:
    """scipy's ``_cdf_distance(1, u, v)`` for sorted samples.

    scipy takes the CDFs at each merged value from ``searchsorted(..., "right")``; a running count
    along the merge equals it at the last of equal values, and between equal values the width is
    0, so every term of the sum is the same; only the order of the sum differs (see the module
    docstring).
    """
    n, m = u.size, v.size
    both = np.concatenate((u, v))
    order = np.argsort(both, kind="stable")  # two sorted runs: a linear merge
    # Counts in int32 when they fit (a bool cumsum into int64 is several times slower); the CDF
    # gap computed in place from the same integers divided the same way, so the same terms; and
    # summed as scipy sums them (np.sum, pairwise): a BLAS dot orders the sum differently and,
    # threaded, is slow on a busy machine.
    count = np.int32 if n + m < 2**31 else np.int64
    u_count = np.cumsum(order[:-1] < n, dtype=count)
    v_count = np.arange(1, n + m, dtype=count)
    v_count -= u_count
    gap = u_count / n
    gap -= v_count / m
    np.abs(gap, out=gap)
    gap *= np.diff(both[order])
    return float(gap.sum())


# --- the tests -----------------------------------------------------------------------------------

def _ks(s: Samples) -> float:
    return float(stats.ks_2samp(s.ref, s.cur).pvalue)


def _chisquare(s: Samples) -> float:
    _, ref_counts, cur_counts = _value_counts(s)
    k_norm = s.n_cur / s.n_ref
    return float(stats.chisquare(cur_counts, ref_counts * k_norm).pvalue)


def _z(s: Samples) -> float:
    keys, ref_counts, cur_counts = _value_counts(s)
    if len(keys) == 1:
        return 1.0
    if s.kind == NUMERIC:
        first = 0  # union1d is sorted
    else:
        try:
            first = min(range(len(keys)), key=keys.__getitem__)
        except TypeError:  # values of mixed types: order them as text
            first = min(range(len(keys)), key=lambda i: str(keys[i]))
    n1, n2 = s.n_ref, s.n_cur
    p1 = float(n1 - ref_counts[first]) / n1
    p2 = float(n2 - cur_counts[first]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - stats.norm.cdf(np.abs(z))))


def _wasserstein(s: Samples) -> float:
    norm = max(float(np.std(s.ref)), 0.001)
    return _wasserstein_sorted(s.ref, s.cur) / norm


def _jensenshannon(s: Samples) -> float:
    ref, cur = _shares(s, fill_zeroes=False)
    return float(distance.jensenshannon(ref, cur))


def _psi(s: Samples) -> float:
    ref, cur = _shares(s, fill_zeroes=True)
    return float(np.sum((ref - cur) * np.log(ref / cur)))


@dataclass(frozen=True)
class StatTest:
    """One registered test: its name, what it accepts and how its score is read.

    ``score_kind`` "p_value": drift when the score is below the threshold; "distance": drift when
    it is at or above it. ``drift_at_threshold`` says whether a score equal to the threshold is
    drift (Evidently: yes for ks and the distances, no for chisquare and z).
    """

    name: str
    label: str
    kinds: frozenset
    default_threshold: float
    score_kind: str
    func: Callable[[Samples], float] = field(repr=False, compare=False)
    drift_at_threshold: bool = True

    def __call__(self, reference, current, threshold: float | None = None, *,
                 kind: str | None = None) -> StatTestResult:
        """Run the test on two samples (see :func:`prepare` for what they may hold)."""
        return self.run(prepare(reference, current, kind), threshold)

    def run(self, samples: Samples, threshold: float | None = None) -> StatTestResult:
        """Run the test on samples prepared once with :func:`prepare`."""
        if samples.kind not in self.kinds:
            raise ConfigError(f"Drift test '{self.name}' cannot test a {samples.kind} column; "
                              f"tests for {samples.kind} columns: {', '.join(tests_for(samples.kind))}.")
        t = self.threshold_or_default(threshold)
        if samples.n_ref == 0 or samples.n_cur == 0:
            score = math.nan
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                score = float(self.func(samples))
        return StatTestResult(self.name, score, t, self.is_drift(score, t), self.score_kind)

    def threshold_or_default(self, threshold: float | None) -> float:
        """``threshold`` checked (a number, 0 or more; at most 1 for a p-value), or the default."""
        if threshold is None:
            return self.default_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) \
                or not math.isfinite(threshold) or threshold < 0 or (self.score_kind == P_VALUE and threshold > 1):
            limit = "between 0 and 1" if self.score_kind == P_VALUE else "a number of 0 or more"
            raise ConfigError(f"The threshold of drift test '{self.name}' must be {limit}, got {threshold!r}.")
        return float(threshold)

    def is_drift(self, score: float, threshold: float) -> bool:
        """Whether ``score`` means drift at ``threshold`` (never for a NaN score)."""
        if math.isnan(score):
            return False
        if self.score_kind == P_VALUE:
            return score <= threshold if self.drift_at_threshold else score < threshold
        return score >= threshold if self.drift_at_threshold else score > threshold


_BOTH = frozenset(KINDS)
REGISTRY: dict[str, StatTest] = {t.name: t for t in (
    StatTest("ks", "Kolmogorov-Smirnov p-value", frozenset({NUMERIC}), 0.05, P_VALUE, _ks),
    StatTest("chisquare", "Chi-square p-value", _BOTH, 0.05, P_VALUE, _chisquare, drift_at_threshold=False),
    StatTest("z", "Z-test p-value (two proportions)", _BOTH, 0.05, P_VALUE, _z, drift_at_threshold=False),
    StatTest("wasserstein", "Wasserstein distance (normed)", frozenset({NUMERIC}), 0.1, DISTANCE, _wasserstein),
    StatTest("jensenshannon", "Jensen-Shannon distance", _BOTH, 0.1, DISTANCE, _jensenshannon),
    StatTest("psi", "Population Stability Index (PSI)", _BOTH, 0.1, DISTANCE, _psi),
)}


def tests_for(kind: str) -> list[str]:
    """Names of the tests that accept a column of ``kind``."""
    return [name for name, t in REGISTRY.items() if kind in t.kinds]


def get_test(name: str) -> StatTest:
    """The registered test called ``name``."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise ConfigError(f"Unknown drift test {name!r}; choose one of: {', '.join(REGISTRY)}.")
    return REGISTRY[name]


def choose_default(samples: Samples) -> StatTest:
    """Evidently's default test for prepared samples (see the module docstring)."""
    n_values = n_values_capped(samples, FEW_VALUES)
    discrete = samples.kind == CATEGORICAL or n_values <= FEW_VALUES
    if samples.n_ref <= SMALL_REFERENCE_ROWS:
        if not discrete:
            return REGISTRY["ks"]
        return REGISTRY["chisquare"] if n_values > BINARY_VALUES else REGISTRY["z"]
    return REGISTRY["jensenshannon"] if discrete else REGISTRY["wasserstein"]


def default_test(kind: str, reference, current) -> StatTest:
    """The test Evidently would choose for a column of ``kind`` with these samples.

    Reference of at most 1000 rows: ``ks`` for numeric with more than 5 distinct values
    (reference and current together), else ``chisquare`` with more than 2, else ``z``. Larger
    reference: ``wasserstein`` for numeric with more than 5 values, else ``jensenshannon``.
    """
    if kind not in KINDS:
        raise ConfigError(f"Unknown column kind {kind!r} for a drift test; use one of: {', '.join(KINDS)}.")
    return choose_default(prepare(reference, current, kind))
