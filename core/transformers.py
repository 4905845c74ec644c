"""The few transformers scikit-learn lacks, written to its estimator conventions.

They live inside the saved Pipeline, so the same rules run at training and at scoring:
``ColumnCaster`` turns raw CSV columns into the kinds the profile decided on (infinities and
junk strings become missing), ``OutlierClipper`` learns clipping bounds on the training split
only, and ``DatetimeParts`` turns dates into numbers a model can use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, OneToOneFeatureMixin
from sklearn.utils.validation import check_is_fitted, validate_data


def category_strings(s: pd.Series) -> pd.Series:
    """Category values as strings that compare equal across files (1, 1.0 and "1" agree)."""
    out = s.astype(object)
    present = out.notna()
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        vals = s[present].astype(float)
        names = {v: (str(int(v)) if float(v).is_integer() else repr(float(v))) for v in vals.unique()}
        out = pd.Series(np.nan, index=s.index, dtype=object)
        out[present] = vals.map(names).to_numpy(dtype=object)
        return out
    out = out.where(~present, out.astype(str).str.strip())
    return out.where(out.ne(""), np.nan)


class ColumnCaster(TransformerMixin, BaseEstimator):
    """Cast raw columns to the kinds chosen at training time.

    Parameters
    ----------
    numeric : tuple of str
        Columns read as numbers; text that is not a number and +/-inf become NaN.
    categorical : tuple of str
        Columns read as category strings; blank cells become NaN.
    datetime : tuple of str
        Columns parsed as dates; unparseable values become NaT.
    """

    def __init__(self, numeric=(), categorical=(), datetime=()):
        self.numeric = numeric
        self.categorical = categorical
        self.datetime = datetime

    def fit(self, X, y=None):
        self._check_frame(X)
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self, "feature_names_in_")
        self._check_frame(X)
        out = {}
        for c in self.numeric:
            out[c] = pd.to_numeric(X[c], errors="coerce").astype(float).replace([np.inf, -np.inf], np.nan)
        for c in self.categorical:
            out[c] = category_strings(X[c])
        for c in self.datetime:
            out[c] = pd.to_datetime(X[c], errors="coerce", format="mixed")
        return pd.DataFrame(out, index=X.index)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([*self.numeric, *self.categorical, *self.datetime], dtype=object)

    def _check_frame(self, X):
        if not isinstance(X, pd.DataFrame):
            raise TypeError("ColumnCaster needs a pandas DataFrame with named columns")
        missing = [c for c in (*self.numeric, *self.categorical, *self.datetime) if c not in X.columns]
        if missing:
            raise KeyError(f"columns missing from the input: {missing}")


class OutlierClipper(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip each column to bounds learned on the training data.

    Parameters
    ----------
    method : {"iqr", "quantile"}
        ``iqr`` clips to [Q1 - factor*IQR, Q3 + factor*IQR]; ``quantile`` to the given quantiles.
    factor : float
        The IQR multiplier (1.5 is Tukey's fence).
    quantiles : tuple of float
        Lower and upper quantile for ``method="quantile"``.
    """

    def __init__(self, method="iqr", factor=1.5, quantiles=(0.01, 0.99)):
        self.method = method
        self.factor = factor
        self.quantiles = quantiles

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # NaN passes through; the imputer in front fills it
        return tags

    def fit(self, X, y=None):
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=float)
        if self.method == "iqr":
            q1, q3 = np.nanpercentile(X, [25, 75], axis=0)
            spread = q3 - q1
            self.lower_, self.upper_ = q1 - self.factor * spread, q3 + self.factor * spread
        elif self.method == "quantile":
            lo, hi = self.quantiles
            if not 0 <= lo < hi <= 1:
                raise ValueError(f"quantiles must satisfy 0 <= low < high <= 1, got {self.quantiles}")
            self.lower_, self.upper_ = np.nanquantile(X, [lo, hi], axis=0)
        else:
            raise ValueError(f"method must be 'iqr' or 'quantile', got {self.method!r}")
        return self

    def transform(self, X):
        check_is_fitted(self, "lower_")
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=float, reset=False)
        return np.clip(X, self.lower_, self.upper_)


class DatetimeParts(TransformerMixin, BaseEstimator):
    """Turn datetime columns into year, month, day, weekday (and hour when times vary)."""

    PARTS = ("year", "month", "day", "weekday", "hour")
    _ATTR = {"weekday": "day_of_week"}

    def fit(self, X, y=None):
        X = self._frame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = X.shape[1]
        self.parts_ = {}
        for c in X.columns:
            s = X[c]
            parts = ["year", "month", "day", "weekday"]
            if s.notna().any() and (s.dt.hour.fillna(0) != 0).any():
                parts.append("hour")
            self.parts_[str(c)] = parts
        return self

    def transform(self, X):
        check_is_fitted(self, "parts_")
        X = self._frame(X)
        cols = {}
        for c in X.columns:
            s = X[c]
            for p in self.parts_[str(c)]:
                cols[f"{c}_{p}"] = getattr(s.dt, self._ATTR.get(p, p)).astype(float)
        return pd.DataFrame(cols, index=X.index).to_numpy(dtype=float)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "parts_")
        return np.asarray([f"{c}_{p}" for c, parts in self.parts_.items() for p in parts], dtype=object)

    @staticmethod
    def _frame(X) -> pd.DataFrame:
        X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        return X.apply(lambda s: pd.to_datetime(s, errors="coerce", format="mixed"))
