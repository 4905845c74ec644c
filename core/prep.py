"""Turn a preparation config into one scikit-learn Pipeline, and clean rows before the split.

Everything that learns from data (imputers, clipping bounds, encoders, scaler, selector) is a
step of the returned Pipeline, so cross-validation refits it on each training fold and the
holdout never leaks into it. Row-level cleaning that is not learned (rows without a target,
exact duplicates, rows dropped for missing values) happens once before the split, and every
dropped row is counted.

Feature selection runs before scaling: chi² is then scored on raw, non-negative values (the
trap of standardising first), and when raw values are negative too, a min-max step is placed
in front of the selector and the report says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import (RFE, SelectKBest, chi2, f_classif, f_regression,
                                       mutual_info_classif, mutual_info_regression)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (MinMaxScaler, OneHotEncoder, OrdinalEncoder, RobustScaler,
                                   StandardScaler)

from core.config import limits
from core.errors import ConfigError
from core.profile import Profile, missing_mask
from core.transformers import ColumnCaster, DatetimeParts, OutlierClipper

NUMERIC_MISSING = ("median", "mean", "most_frequent", "constant", "drop_rows")
CATEGORICAL_MISSING = ("most_frequent", "constant", "drop_rows")
OUTLIERS = ("none", "iqr", "quantile")
ENCODINGS = ("onehot", "ordinal")
SCALINGS = ("standard", "minmax", "robust", "none")
SELECTIONS = ("none", "kbest", "rfe")
SCORE_FUNCS = {
    "classification": ("f_classif", "chi2", "mutual_info"),
    "regression": ("f_regression", "mutual_info"),
}


@dataclass
class PrepConfig:
    """How to clean, encode, scale and select; plain values so it can be saved and shown."""

    numeric_missing: str = "median"
    numeric_fill_value: float = 0.0
    categorical_missing: str = "most_frequent"
    categorical_fill_value: str = "missing"
    drop_duplicates: bool = True
    outliers: str = "none"
    iqr_factor: float = 1.5
    quantiles: tuple[float, float] = (0.01, 0.99)
    encoding: str = "onehot"
    min_frequency: float = 0.02
    max_categories: int = 30
    scaling: str = "standard"
    datetime_parts: bool = True
    selection: str = "none"
    k_features: int | str = "all"
    score_func: str = "auto"
    drop_columns: list[str] = field(default_factory=list)
    keep_columns: list[str] = field(default_factory=list)

    def validate(self, task: str) -> None:
        """Refuse invalid settings up front, naming the setting and the allowed values."""
        for name, allowed in (
            ("numeric_missing", NUMERIC_MISSING), ("categorical_missing", CATEGORICAL_MISSING),
            ("outliers", OUTLIERS), ("encoding", ENCODINGS), ("scaling", SCALINGS),
            ("selection", SELECTIONS),
        ):
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(f"Setting {name}={value!r} is not valid; choose one of {', '.join(allowed)}.")
        funcs = SCORE_FUNCS[task]
        if self.score_func != "auto" and self.score_func not in funcs:
            raise ConfigError(
                f"Score function {self.score_func!r} is not valid for {task}; choose auto or "
                f"{', '.join(funcs)}."
            )
        if self.k_features != "all":
            try:
                k = int(self.k_features)
            except (TypeError, ValueError):
                raise ConfigError(f"k_features must be a whole number or 'all', got {self.k_features!r}.") from None
            if k < 1:
                raise ConfigError(f"k_features must be at least 1, got {k}.")
        if not 0 <= self.min_frequency < 1:
            raise ConfigError(f"min_frequency must be a share between 0 and 1, got {self.min_frequency}.")
        if self.max_categories < 2:
            raise ConfigError(f"max_categories must be at least 2, got {self.max_categories}.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PrepConfig":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "quantiles" in known:
            known["quantiles"] = tuple(known["quantiles"])
        return cls(**known)


@dataclass
class FeaturePlan:
    """Which input columns feed the model, as which kind, and which were left out and why."""

    numeric: list[str]
    categorical: list[str]
    datetime: list[str]
    dropped: dict[str, str]

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical, *self.datetime]


def plan_features(profile: Profile, config: PrepConfig) -> FeaturePlan:
    """Resolve the feature list from the profile's suggestions and the user's overrides."""
    names = {c.name for c in profile.columns}
    for col in [*config.drop_columns, *config.keep_columns]:
        if col not in names:
            raise ConfigError(f"Column '{col}' named in the preparation settings (--drop on the command line, "
                              "the columns to drop or keep on the Prepare page) is not in the data; check its spelling.")
    if profile.target in config.keep_columns:
        raise ConfigError(f"The target '{profile.target}' cannot also be a feature.")
    numeric, categorical, datetime, dropped = [], [], [], {}
    for c in profile.columns:
        if c.role == "target":
            continue
        if c.name in config.drop_columns:
            dropped[c.name] = "dropped by you"
            continue
        if c.role == "drop" and c.name not in config.keep_columns:
            dropped[c.name] = c.reason
            continue
        if c.kind == "empty" or c.kind == "constant":
            dropped[c.name] = c.reason  # kept on request but carries no information
            continue
        if c.kind == "numeric":
            numeric.append(c.name)
        elif c.kind == "datetime" and config.datetime_parts:
            datetime.append(c.name)
        elif c.kind == "datetime":
            dropped[c.name] = "datetime column and datetime parts are switched off"
        else:
            categorical.append(c.name)
    plan = FeaturePlan(numeric, categorical, datetime, dropped)
    if not plan.columns:
        reasons = "; ".join(f"{k}: {v}" for k, v in dropped.items()) or "no columns besides the target"
        raise ConfigError(f"No usable feature columns are left ({reasons}). Keep at least one column.")
    check_encoded_width(plan, profile, config)
    return plan


def encoded_widths(plan: FeaturePlan, profile: Profile, config: PrepConfig) -> dict[str, int]:
    """How many model columns each input column becomes, at most, before selection.

    One-hot keeps at most ``max_categories`` columns per input (rarer values share an
    "infrequent" column), so this is an upper bound known before anything is fitted.
    """
    distinct = {c.name: c.distinct for c in profile.columns}
    widths = {name: 1 for name in plan.numeric}
    widths.update({name: 5 for name in plan.datetime})  # year, month, day, weekday, hour
    for name in plan.categorical:
        if config.encoding != "onehot":
            widths[name] = 1
        else:
            n = max(1, distinct.get(name, 1))
            widths[name] = 1 if n <= 2 else min(n, config.max_categories)
    return widths


def check_encoded_width(plan: FeaturePlan, profile: Profile, config: PrepConfig) -> None:
    """Refuse, before any fit, a preparation whose encoded table would be wider than the limit.

    The encoded features are held densely in memory for every fit; a few thousand columns is
    already slow, tens of thousands exhausts memory. The message names the widest columns and
    the settings that narrow them.
    """
    limit = limits().max_encoded_width
    widths = encoded_widths(plan, profile, config)
    total = sum(widths.values())
    if total <= limit:
        return
    widest = sorted(((w, n) for n, w in widths.items() if w > 1), reverse=True)[:5]
    named = ", ".join(f"'{n}' ({w})" for w, n in widest) or "every column adds one"
    raise ConfigError(
        f"The prepared data would have up to {total:,} columns, over the limit of {limit:,} "
        f"(MODELOPS_MAX_ENCODED_WIDTH). Widest after encoding: {named}. Use ordinal encoding, "
        "lower the most categories kept per column, or drop some columns."
    )


@dataclass
class CleanReport:
    """Rows removed before the split, by reason."""

    rows_in: int
    dropped: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def rows_out(self) -> int:
        return self.rows_in - sum(self.dropped.values())


def clean_rows(frame: pd.DataFrame, target: str, plan: FeaturePlan, config: PrepConfig) -> tuple[pd.DataFrame, CleanReport]:
    """Drop rows that must not be trained on, counting each reason.

    Rows whose target is missing are never imputed: a made-up label would teach the model
    nothing true.
    """
    report = CleanReport(rows_in=len(frame), dropped={})
    no_target = missing_mask(frame[target])
    if no_target.any():
        rows = list(frame.index[no_target][:10] + 2)
        more = "" if no_target.sum() <= 10 else ", ..."
        report.dropped["target missing"] = int(no_target.sum())
        report.notes.append(
            f"The target '{target}' is missing in {int(no_target.sum())} of {len(frame)} rows "
            f"(file lines {', '.join(map(str, rows))}{more}); those rows are left out."
        )
    frame = frame.loc[~no_target, [*plan.columns, target]]
    if config.drop_duplicates:
        dup = frame.duplicated()
        if dup.any():
            report.dropped["duplicate rows"] = int(dup.sum())
            report.notes.append(f"{int(dup.sum())} exact duplicate rows were removed.")
            frame = frame.loc[~dup]
    drop_cols = []
    if config.numeric_missing == "drop_rows":
        drop_cols += plan.numeric
    if config.categorical_missing == "drop_rows":
        drop_cols += [*plan.categorical, *plan.datetime]
    if drop_cols:
        sub = frame[drop_cols]
        bad = sub.apply(missing_mask).any(axis=1)
        num = sub[[c for c in drop_cols if c in plan.numeric]]
        if len(num.columns):
            bad |= num.apply(lambda s: np.isinf(pd.to_numeric(s, errors="coerce"))).any(axis=1)
        if bad.any():
            report.dropped["missing values"] = int(bad.sum())
            report.notes.append(f"{int(bad.sum())} rows with missing values were removed (setting: drop rows).")
            frame = frame.loc[~bad]
    return frame, report


def build_preprocessor(plan: FeaturePlan, config: PrepConfig) -> Pipeline:
    """Cast and encode: the part of the pipeline in front of selection and scaling."""
    branches = []
    if plan.numeric:
        strategy = "median" if config.numeric_missing == "drop_rows" else config.numeric_missing
        steps = [("impute", SimpleImputer(strategy=strategy, fill_value=config.numeric_fill_value))]
        if config.outliers != "none":
            steps.append(("clip", OutlierClipper(config.outliers, config.iqr_factor, tuple(config.quantiles))))
        branches.append(("num", Pipeline(steps), plan.numeric))
    if plan.categorical:
        strategy = "most_frequent" if config.categorical_missing == "drop_rows" else config.categorical_missing
        imputer = SimpleImputer(strategy=strategy, fill_value=config.categorical_fill_value)
        if config.encoding == "onehot":
            encoder = OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                min_frequency=config.min_frequency or None,
                max_categories=config.max_categories,
                sparse_output=False,
                drop="if_binary",
            )
        else:
            encoder = OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1,
                min_frequency=config.min_frequency or None, max_categories=config.max_categories,
            )
        branches.append(("cat", Pipeline([("impute", imputer), ("encode", encoder)]), plan.categorical))
    if plan.datetime:
        branches.append(("date", Pipeline([("parts", DatetimeParts()),
                                           ("impute", SimpleImputer(strategy="median"))]), plan.datetime))
    encode = ColumnTransformer(branches, verbose_feature_names_out=False)
    caster = ColumnCaster(tuple(plan.numeric), tuple(plan.categorical), tuple(plan.datetime))
    return Pipeline([("cast", caster), ("encode", encode)])


@dataclass
class SelectionPlan:
    """The selection and scaling steps, decided once the encoded width is known."""

    steps: list[tuple[str, object]]
    notes: list[str]
    score_func: str | None
    k: int | None


def resolve_score_func(config: PrepConfig, task: str) -> str:
    if config.score_func != "auto":
        return config.score_func
    return "f_classif" if task == "classification" else "f_regression"


def plan_selection(
    config: PrepConfig, task: str, encoded: np.ndarray, feature_names: list[str], seed: int = 0,
) -> SelectionPlan:
    """Choose the steps between encoding and the model, from the encoded training data.

    ``encoded`` is the training split after cast and encode; it tells how many features the
    selector can choose from and whether chi² would see negative values.
    """
    notes: list[str] = []
    steps: list[tuple[str, object]] = []
    width = encoded.shape[1]
    k = None
    score_name = None
    if config.selection != "none":
        k = width if config.k_features == "all" else int(config.k_features)
        if k > width:
            notes.append(
                f"k={k} features asked for, but the prepared data has only {width}; all {width} are used."
            )
            k = width
    if config.selection == "kbest" and k is not None and k < width:
        score_name = resolve_score_func(config, task)
        if score_name == "chi2":
            negative = [feature_names[i] for i in np.flatnonzero(np.nanmin(encoded, axis=0) < 0)]
            if negative:
                steps.append(("nonnegative", MinMaxScaler()))
                notes.append(
                    "chi² needs non-negative values, and "
                    f"{', '.join(negative[:8])}{' ...' if len(negative) > 8 else ''} have negative "
                    "values; features are min-max scaled to [0, 1] before chi² scoring "
                    "(or pick the F-test or mutual information, which accept any sign)."
                )
        func = {
            "f_classif": f_classif, "chi2": chi2, "f_regression": f_regression,
            "mutual_info": (
                _seeded(mutual_info_classif, seed) if task == "classification"
                else _seeded(mutual_info_regression, seed)
            ),
        }[score_name]
        steps.append(("select", SelectKBest(func, k=k)))
    elif config.selection == "rfe" and k is not None and k < width:
        inner = (LogisticRegression(max_iter=1000) if task == "classification" else Ridge())
        steps.append(("select", RFE(
            Pipeline([("scale", StandardScaler()), ("m", inner)]),
            n_features_to_select=k, step=0.2, importance_getter="named_steps.m.coef_",
        )))
        score_name = "rfe"
    scaler = {"standard": StandardScaler(), "minmax": MinMaxScaler(), "robust": RobustScaler(),
              "none": None}[config.scaling]
    if scaler is not None:
        steps.append(("scale", scaler))
    return SelectionPlan(steps=steps, notes=notes, score_func=score_name, k=k)


class _SeededScore:
    """A picklable score function with a fixed random state (mutual information is random)."""

    def __init__(self, func, seed):
        self.func, self.seed = func, seed

    def __call__(self, X, y):
        return self.func(X, y, random_state=self.seed)


def _seeded(func, seed):
    return _SeededScore(func, seed)


def feature_scores(
    config: PrepConfig, task: str, encoded: np.ndarray, y: np.ndarray, feature_names: list[str], seed: int = 0,
) -> pd.DataFrame:
    """Score every encoded feature the way the selector would, for the Prepare page chart."""
    plan = plan_selection(config, task, encoded, feature_names, seed)
    X = encoded
    for name, step in plan.steps:
        if name == "nonnegative":
            X = step.fit_transform(X)
        if name == "select":
            fitted = step.fit(X, y)
            if isinstance(step, SelectKBest):
                scores = fitted.scores_
            else:
                scores = -fitted.ranking_.astype(float)
            return pd.DataFrame({
                "feature": feature_names, "score": scores, "selected": fitted.get_support(),
            }).sort_values("score", ascending=False, na_position="last").reset_index(drop=True)
    return pd.DataFrame({"feature": feature_names, "score": np.nan, "selected": True})
