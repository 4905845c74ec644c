"""Train and tune: from a loaded table and a target to refitted pipelines and a leaderboard.

``train`` is the one entry point the CLI and the Train page call. It validates the target and
settings before any fit, cleans rows, splits (stratified where it can), searches every chosen
model with cross-validation on the training split only, and refits each model's best candidate
on that split. The holdout is kept untouched in the result for core.evaluate.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import get_scorer_names
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from core.config import limits
from core.errors import ConfigError, TargetError, TrainingError
from core.execution import Executor, LocalExecutor
from core.models import ModelSpec, check_row_limits, resolve_models
from core.prep import (CleanReport, FeaturePlan, PrepConfig, build_preprocessor, clean_rows, encoded_widths,
                       plan_features, plan_selection)
from core.profile import Profile, profile_frame
from core.schema import build_schema
from core.search import STRATEGIES, Candidate, ProgressCallback, Search, SearchSpace, count_fits
from core.transformers import category_strings

MIN_ROWS = 10
MIN_CLASS_ROWS = 3  # one for the holdout, two for the fewest cross-validation folds (2)
MAX_CLASSES = 200  # beyond this a "label" is almost always an id or an amount read as text
REFERENCE_ROWS = 10_000
DEFAULT_SCORING = {"classification": "balanced_accuracy", "regression": "r2"}
SCORING_ALIASES = {"roc_auc": "roc_auc_ovr", "rmse": "neg_root_mean_squared_error",
                   "mae": "neg_mean_absolute_error", "log_loss": "neg_log_loss",
                   "f1": "f1_macro", "precision": "precision_macro", "recall": "recall_macro"}


@dataclass
class SearchConfig:
    """Which models to try and how to search their parameters."""

    models: list[str] | None = None
    strategy: str = "grid"
    cv: int = 5
    scoring: str | None = None
    n_iter: int = 10
    test_size: float = 0.2
    seed: int = 42
    n_jobs: int | None = None
    param_grids: dict[str, dict[str, list]] = field(default_factory=dict)
    max_fits: int | None = None  # None: limits().max_fits (MODELOPS_MAX_FITS) when training starts

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ModelResult:
    """One model's search summary and its best candidate refitted on the training split."""

    name: str
    label: str
    baseline: bool
    candidates: list[Candidate]
    best: Candidate | None
    pipeline: Pipeline | None = None
    error: str | None = None

    def leaderboard_row(self) -> dict:
        b = self.best
        finals = [c for c in self.candidates if c.round == max(x.round for x in self.candidates)]
        return {
            "model": self.name,
            "label": self.label,
            "baseline": self.baseline,
            "cv_mean": b.mean if b else float("nan"),
            "cv_std": b.std if b else float("nan"),
            "fit_time_s": float(np.mean(b.fit_times)) if b and b.fit_times else float("nan"),
            "best_params": dict(b.params) if b else {},
            "candidates": len(finals),
            "failed": sum(c.failed for c in finals),
            "warnings": len({w for c in self.candidates for w in c.warnings}),
            "error": self.error,
        }


@dataclass
class TrainResult:
    """Everything a training run produced, for the pages, the CLI and the artifact."""

    task: str
    task_reason: str
    target: str
    classes: list
    profile: Profile
    plan: FeaturePlan
    prep: PrepConfig
    search: SearchConfig
    scoring: str
    clean: CleanReport
    rows_train: int
    rows_test: int
    stratified: bool
    cv_folds: int
    models: list[ModelResult]
    best_model: str
    selected_features: list[str]
    notes: list[str]
    fingerprint: dict
    duration_s: float
    X_test: pd.DataFrame
    y_test: np.ndarray
    schema: list[dict] = field(default_factory=list)
    reference: pd.DataFrame | None = None

    @property
    def best(self) -> ModelResult:
        return next(m for m in self.models if m.name == self.best_model)

    @property
    def baseline(self) -> ModelResult | None:
        return next((m for m in self.models if m.baseline), None)

    def leaderboard(self) -> pd.DataFrame:
        rows = [m.leaderboard_row() for m in self.models]
        df = pd.DataFrame(rows)
        return df.sort_values(["baseline", "cv_mean"], ascending=[True, False], na_position="last").reset_index(drop=True)

    def candidates_frame(self) -> pd.DataFrame:
        rows = []
        for m in self.models:
            for c in m.candidates:
                rows.append({"model": m.name, "round": c.round, "rows": c.rows, "params": c.params,
                             "cv_mean": c.mean, "cv_std": c.std, "failed": c.failed,
                             "error": "; ".join(sorted(set(c.errors)))})
        return pd.DataFrame(rows)


def train(
    frame: pd.DataFrame,
    target: str,
    *,
    task: str = "auto",
    prep: PrepConfig | None = None,
    search: SearchConfig | None = None,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
    should_stop=None,
) -> TrainResult:
    """Train and tune every chosen model on ``frame``; see the module docstring."""
    started = time.perf_counter()
    prep = prep or PrepConfig()
    search = search or SearchConfig()
    profile = profile_frame(frame, target)
    target = profile.target
    task, task_reason = _resolve_task(profile, task)
    prep.validate(task)
    _validate_search(search)
    _check_target_first(frame[target], task, target)
    plan = plan_features(profile, prep)
    specs = resolve_models(task, search.models)
    scoring = _resolve_scoring(search.scoring, task)

    data, clean = clean_rows(frame, target, plan, prep)
    notes = list(profile.warnings) + list(clean.notes)
    y, classes, y_notes = _prepare_target(data[target], task, target, clean)
    notes += y_notes
    keep = ~pd.isna(y)
    data = data.loc[keep]
    y = label_array(y[keep]) if task == "classification" else y[keep]
    if len(data) < MIN_ROWS:
        raise TargetError(
            f"Only {len(data)} usable rows remain after cleaning ({_dropped_text(clean)}); "
            f"at least {MIN_ROWS} are needed to train and test a model."
        )
    X = data[plan.columns]

    X_train, X_test, y_train, y_test, stratified, split_note = _split(X, y, task, search)
    if split_note:
        notes.append(split_note)
    check_row_limits([s for s in specs], len(X_train))
    splitter, folds, cv_note = _splitter(y_train, task, search)
    if cv_note:
        notes.append(cv_note)

    pre = build_preprocessor(plan, prep)
    if prep.selection == "none":
        # Without selection only the scaler follows the encoding, and plan_selection reads
        # nothing but the width: estimate it instead of encoding every training row up front.
        width = sum(encoded_widths(plan, profile, prep).values())
        selection = plan_selection(prep, task, np.empty((0, width)), [], search.seed)
    else:
        encoded = np.asarray(pre.fit_transform(X_train, y_train), dtype=float)
        names = list(pre.get_feature_names_out())
        selection = plan_selection(prep, task, encoded, names, search.seed)
        width = selection.k or encoded.shape[1]
    notes += selection.notes
    n_classes = len(classes)
    spaces = [_space(spec, pre, selection.steps, search, n_classes, width) for spec in specs]
    min_rows = max(MIN_ROWS, 2 * folds * max(n_classes, 1))
    total = count_fits(spaces, search.strategy, search.n_iter, folds, len(X_train), min_rows, search.seed)
    max_fits = fit_limit(search)
    if total > max_fits:
        raise ConfigError(
            f"This search would run {total:,} fits, over the limit of {max_fits:,}. "
            "Use random search or halving, fewer models, a smaller grid or fewer CV folds, "
            "or raise the limit: --max-fits on the command line, or the MODELOPS_MAX_FITS "
            "environment variable."
        )

    y_train_arr = np.asarray(y_train)
    runner = Search(executor or LocalExecutor(search.n_jobs), splitter, scoring, task, search.seed,
                    total, progress, should_stop, refit_on=(X_train, y_train_arr))
    results = []
    try:
        for spec, space in zip(specs, spaces):
            runner.check_cancel()
            cands = runner.run(space, search.strategy, search.n_iter, X_train, y_train_arr, min_rows)
            results.append(_summarise(spec, cands))

        for res, space in zip(results, spaces):
            if res.best is None:
                runner.tick(1, f"{res.name}: no candidate succeeded")
                continue
            try:
                pipe, caught = runner.fit_final(space, res.best.params, X_train, y_train_arr)
            except Exception as exc:  # reported like a failed candidate
                res.error = f"refit failed: {type(exc).__name__}: {exc}"
                runner.tick(1, res.error)
                continue
            notes += [f"{res.label} (final fit): {w}" for w in caught]
            res.pipeline = pipe
            runner.tick(1, f"{res.name}: refitted on {len(X_train)} rows")
    finally:
        runner.release()

    best = _pick_best(results)
    notes += _no_better_than_baseline(best, results, scoring)
    notes += _grouped_categories(best.pipeline, prep, plan.categorical)
    selected = _selected_features(best.pipeline)
    return TrainResult(
        task=task, task_reason=task_reason, target=target, classes=classes, profile=profile,
        plan=plan, prep=prep, search=search, scoring=scoring, clean=clean,
        rows_train=len(X_train), rows_test=len(X_test), stratified=stratified, cv_folds=folds,
        models=results, best_model=best.name, selected_features=selected, notes=notes,
        fingerprint=fingerprint(data), duration_s=time.perf_counter() - started,
        X_test=X_test, y_test=np.asarray(y_test),
        schema=build_schema(X_train, plan),
        reference=X_train.sample(min(len(X_train), REFERENCE_ROWS), random_state=search.seed),
    )


@dataclass
class PrepPreview:
    """What the Prepare page shows: prepared training rows and every feature's score."""

    prepared: pd.DataFrame
    scores: pd.DataFrame
    notes: list[str]
    plan: FeaturePlan
    rows_train: int


def preview_preparation(frame: pd.DataFrame, target: str, *, task: str = "auto", prep: PrepConfig | None = None,
                        test_size: float = 0.2, seed: int = 42, rows: int = 20) -> PrepPreview:
    """Fit only the preparation steps on the training split, as training will, and show them."""
    from core.prep import feature_scores

    prep = prep or PrepConfig()
    profile = profile_frame(frame, target)
    task, _ = _resolve_task(profile, task)
    prep.validate(task)
    _check_target_first(frame[profile.target], task, profile.target)
    plan = plan_features(profile, prep)
    data, clean = clean_rows(frame, profile.target, plan, prep)
    y, _, _ = _prepare_target(data[profile.target], task, profile.target, clean)
    keep = ~pd.isna(y)
    data = data.loc[keep]
    y = label_array(y[keep]) if task == "classification" else y[keep]
    search = SearchConfig(test_size=test_size, seed=seed)
    X_train, _, y_train, _, _, _ = _split(data[plan.columns], y, task, search)
    pre = build_preprocessor(plan, prep)
    encoded = np.asarray(pre.fit_transform(X_train, y_train), dtype=float)
    names = [str(n) for n in pre.get_feature_names_out()]
    selection = plan_selection(prep, task, encoded, names, seed)
    scores = feature_scores(prep, task, encoded, np.asarray(y_train), names, seed)
    tail = Pipeline(selection.steps) if selection.steps else None
    shown = tail.fit_transform(encoded[: max(rows, 1000)], np.asarray(y_train)[: max(rows, 1000)]) if tail else encoded
    try:
        shown_names = list(tail.get_feature_names_out(names)) if tail else names
    except Exception:  # a step without names: fall back to positions
        shown_names = [f"feature_{i}" for i in range(np.asarray(shown).shape[1])]
    prepared = pd.DataFrame(np.asarray(shown)[:rows], columns=shown_names)
    return PrepPreview(prepared, scores, clean.notes + selection.notes, plan, len(X_train))


def plan_fits(frame: pd.DataFrame, target: str, *, task: str = "auto", prep: PrepConfig | None = None,
              search: SearchConfig | None = None) -> int:
    """How many fits ``train`` would run with these settings, to show before starting."""
    prep = prep or PrepConfig()
    search = search or SearchConfig()
    profile = profile_frame(frame, target)
    task, _ = _resolve_task(profile, task)
    _check_target_first(frame[profile.target], task, profile.target)  # refuse before the user waits
    specs = resolve_models(task, search.models)
    n = int((~pd.isna(frame[profile.target])).sum())
    n_train = int(n * (1 - search.test_size))
    n_classes = max(len(profile.task.classes), 1) if task == "classification" else 1
    from core.search import halving_schedule, planned_candidates

    total = 0
    for spec in specs:
        space = SearchSpace(spec.name, None, _checked_grid(spec, search, n_classes))
        cands = len(planned_candidates(space, search.strategy, search.n_iter, search.seed))
        if search.strategy == "halving":
            cands = sum(c for c, _ in halving_schedule(cands, n_train, max(MIN_ROWS, 2 * search.cv * n_classes)))
        total += cands * search.cv + 1
    return total


def fit_limit(search: SearchConfig) -> int:
    """The most fits one search may run: the setting if given, else MODELOPS_MAX_FITS."""
    return search.max_fits if search.max_fits is not None else limits().max_fits


def fingerprint(frame: pd.DataFrame) -> dict:
    """A stable hash of the rows trained on, to tell later which data a model saw."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return {"sha256": hashlib.sha256(hashed.tobytes()).hexdigest(), "rows": int(len(frame)),
            "columns": [str(c) for c in frame.columns]}


def _resolve_task(profile: Profile, task: str) -> tuple[str, str]:
    guess = profile.task
    if task in (None, "", "auto"):
        return guess.task, guess.reason
    if task not in ("classification", "regression"):
        raise ConfigError(f"Task '{task}' is not known; choose auto, classification or regression.")
    return task, f"chosen by you (the data suggests {guess.task}: {guess.reason})"


def _validate_search(search: SearchConfig) -> None:
    if search.strategy not in STRATEGIES:
        raise ConfigError(f"Search strategy '{search.strategy}' is not known; choose {', '.join(STRATEGIES)}.")
    if not isinstance(search.cv, int) or search.cv < 2:
        raise ConfigError(f"CV folds must be a whole number of at least 2, got {search.cv!r}.")
    if not 0 < search.test_size < 1:
        raise ConfigError(f"Test size must be a share between 0 and 1 (for example 0.2), got {search.test_size}.")
    if search.n_iter < 1:
        raise ConfigError(f"Random search needs at least 1 iteration, got {search.n_iter}.")


def _resolve_scoring(scoring: str | None, task: str) -> str:
    if not scoring:
        return DEFAULT_SCORING[task]
    name = SCORING_ALIASES.get(scoring, scoring)
    if name not in get_scorer_names():
        raise ConfigError(f"Scoring metric '{scoring}' is not known to scikit-learn; try "
                          f"{DEFAULT_SCORING[task]}.")
    return name


def _prepare_target(y: pd.Series, task: str, target: str, clean: CleanReport):
    notes: list[str] = []
    if task == "regression":
        values = pd.to_numeric(y, errors="coerce").astype(float)
        values = values.where(np.isfinite(values))
        bad = values.isna() & y.notna()
        if bad.all():
            raise TargetError(
                f"The target '{target}' has no numeric values (for example {y.iloc[0]!r}); "
                "regression needs numbers. Choose classification or another target."
            )
        if bad.any():
            clean.dropped["target not a number"] = int(bad.sum())
            notes.append(f"{int(bad.sum())} rows have a target that is not a finite number; they are left out.")
        return values.to_numpy(), [], notes
    if pd.api.types.is_bool_dtype(y) or _all_bools(y):
        labels = y.astype(object)
    elif pd.api.types.is_numeric_dtype(y):
        labels = y
    else:
        labels = category_strings(y)
    if pd.api.types.is_numeric_dtype(labels) and not pd.api.types.is_bool_dtype(labels):
        values = labels.to_numpy(dtype=float)
        fractional = values[np.isfinite(values) & (np.mod(values, 1) != 0)]
        if len(fractional):
            raise TargetError(
                f"The target '{target}' holds measurements with decimals (for example {fractional[0]:g}), "
                "not class labels, so it cannot be classified. Choose the regression task, or a target "
                "with a few distinct labels."
            )
        if np.all(np.mod(values[np.isfinite(values)], 1) == 0):
            labels = pd.Series(np.where(np.isfinite(values), values, np.nan), index=y.index)
            present = labels.notna()
            labels = labels.astype(object)
            labels[present] = labels[present].astype(float).astype("int64")
    classes = _sorted_classes(pd.unique(labels.dropna()).tolist())
    if len(classes) < 2:
        only = f"one value ({classes[0]!r})" if classes else "no values"
        raise TargetError(
            f"{_dropped_sentence(clean, target)}The {clean.rows_out} remaining rows of '{target}' all "
            f"have {only}, so a classifier cannot be trained. Fix the labels so at least two classes "
            "appear, or choose another target."
        )
    if len(classes) > MAX_CLASSES:
        looks_like_id = len(classes) > 0.5 * len(labels.dropna())
        raise TargetError(
            f"The target '{target}' has {len(classes):,} distinct values"
            + (f" in {len(labels.dropna()):,} rows: nearly every row is its own class, which is what an id "
               "column looks like" if looks_like_id else "")
            + f". Classification supports at most {MAX_CLASSES} classes; choose another target, or "
            "regression if the values are amounts."
        )
    counts = labels.value_counts()
    if counts.min() < MIN_CLASS_ROWS:
        rare = counts[counts < MIN_CLASS_ROWS].sort_values()
        named = ", ".join(f"{c!r} ({n} row{'s' if n > 1 else ''})" for c, n in rare.head(5).items())
        raise TargetError(
            f"{_dropped_sentence(clean, target)}In '{target}', the class{'es' if len(rare) > 1 else ''} {named} "
            f"{'have' if len(rare) > 1 else 'has'} fewer than {MIN_CLASS_ROWS} rows of {int(counts.sum()):,}: a class "
            f"needs one row in the holdout test and at least two in training so that each of the (at least 2) "
            "cross-validation folds sees it. Add rows of that class, drop those rows or merge the class into "
            "another, and use few folds (--cv 2 needs the fewest rows)."
        )
    notes += _near_duplicate_classes(classes, target)
    return labels.to_numpy(dtype=object), classes, notes


def _near_duplicate_classes(classes: list, target: str) -> list[str]:
    """Warn about classes that differ only by case or surrounding spaces (' YES ', 'Yes', 'yes'):
    usually one label typed several ways. They are kept apart; merging is the user's call."""
    groups: dict[str, list] = {}
    for c in classes:
        if isinstance(c, str):
            groups.setdefault(c.strip().casefold(), []).append(c)
    alike = [g for g in groups.values() if len(g) > 1]
    if not alike:
        return []
    shown = "; ".join(" vs ".join(repr(c) for c in g) for g in alike[:5])
    return [f"Warning: classes of '{target}' differ only by upper/lower case or surrounding spaces ({shown}). "
            "They are learned as separate classes; if they mean the same, fix the labels and train again."]


def _all_bools(y: pd.Series) -> bool:
    present = y.dropna()
    return y.dtype == object and len(present) > 0 and all(isinstance(v, (bool, np.bool_)) for v in present)


def _sorted_classes(classes: list) -> list:
    """Classes in the order scikit-learn's ``classes_`` will have them (numbers by value)."""
    try:
        return sorted(classes)
    except TypeError:  # mixed kinds cannot be compared
        return sorted(classes, key=str)


def label_array(y) -> np.ndarray:
    """Class labels without missing values as an array scikit-learn reads as classes.

    ``_prepare_target`` keeps labels in an object array so missing values fit beside them; an
    object array of Python ints (or bools) is of "unknown" target type to scikit-learn, so once
    the missing rows are gone the labels get their own dtype back: int64, bool, or str objects.
    The user's values are kept, so predictions come back as the same ints, bools or strings.
    """
    values = list(np.asarray(y, dtype=object))
    if values and all(isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype=bool)
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype="int64")
    return np.asarray(values, dtype=object)


def _check_target_first(y: pd.Series, task: str, target: str) -> None:
    """Refuse an unusable target before anything else, with the counts the user needs."""
    from core.profile import missing_mask

    missing = missing_mask(y)
    early = CleanReport(rows_in=len(y), dropped={"target missing": int(missing.sum())} if missing.any() else {})
    _prepare_target(y[~missing], task, target, early)


def _dropped_sentence(clean: CleanReport, target: str) -> str:
    n = clean.dropped.get("target missing", 0)
    if not n:
        return ""
    return (f"The target '{target}' is missing in {n} of {clean.rows_in} rows; those rows are "
            "excluded. ")


def _dropped_text(clean: CleanReport) -> str:
    return ", ".join(f"{v} dropped: {k}" for k, v in clean.dropped.items()) or "none dropped"


def _split(X, y, task, search: SearchConfig):
    n = len(X)
    n_test = int(np.ceil(search.test_size * n))
    if n_test < 1 or n - n_test < 5:
        raise ConfigError(f"With {n} rows and test size {search.test_size}, the split leaves no room to "
                          "train and test; use more rows or another test size.")
    stratify = None
    note = None
    if task == "classification":
        counts = pd.Series(y).value_counts()
        if counts.min() >= 2 and n_test >= len(counts) and n - n_test >= len(counts):
            stratify = y
        else:
            note = ("The holdout split is random, not stratified: the smallest class has "
                    f"{counts.min()} row(s), too few to appear on both sides.")
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=search.test_size, random_state=search.seed, stratify=stratify,
    )
    return X_train, X_test, y_train, y_test, stratify is not None, note


def _splitter(y_train, task, search: SearchConfig):
    if task == "regression":
        folds = min(search.cv, len(y_train) // 2)
        return KFold(folds, shuffle=True, random_state=search.seed), folds, None
    smallest = int(pd.Series(y_train).value_counts().min())
    if smallest >= search.cv:
        return StratifiedKFold(search.cv, shuffle=True, random_state=search.seed), search.cv, None
    if smallest >= 2:
        return (StratifiedKFold(smallest, shuffle=True, random_state=search.seed), smallest,
                f"CV uses {smallest} folds instead of {search.cv}: the smallest class has only "
                f"{smallest} rows in the training split.")
    folds = min(search.cv, len(y_train) // 2)
    return (KFold(folds, shuffle=True, random_state=search.seed), folds,
            "CV folds are not stratified: a class has a single row in the training split.")


def _checked_grid(spec: ModelSpec, search: SearchConfig, n_classes: int) -> dict[str, list]:
    """The grid to search for one model, refused up front if it names unknown parameters."""
    estimator = spec.factory(search.seed, n_classes)
    grid = search.param_grids.get(spec.name, spec.grid(n_classes))
    if not isinstance(grid, dict):
        raise ConfigError(f"The grid for {spec.label} must map parameter names to lists of values.")
    for key in grid:
        if key not in estimator.get_params():
            raise ConfigError(f"'{key}' is not a parameter of {spec.label}; valid ones include "
                              f"{', '.join(sorted(estimator.get_params())[:12])}.")
    grid = {k: (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in grid.items()}
    for key, values in grid.items():
        if not values:
            raise ConfigError(f"The grid for {spec.label} lists no values for '{key}'.")
    return grid


def _space(spec: ModelSpec, pre: Pipeline, selection_steps, search: SearchConfig, n_classes: int,
           width: int | None = None) -> SearchSpace:
    estimator = spec.factory(search.seed, n_classes)
    grid = _checked_grid(spec, search, n_classes)
    steps = [("cast", clone(pre.named_steps["cast"])), ("encode", clone(pre.named_steps["encode"]))]
    steps += [(n, clone(s)) for n, s in selection_steps]
    steps.append(("model", estimator))
    return SearchSpace(spec.name, Pipeline(steps), grid, width)


def _summarise(spec: ModelSpec, cands: list[Candidate]) -> ModelResult:
    last_round = max(c.round for c in cands)
    finals = [c for c in cands if c.round == last_round and not c.failed]
    best = max(finals, key=lambda c: c.mean) if finals else None
    error = None
    if best is None:
        reasons = sorted({e for c in cands for e in c.errors}) or ["scores were not finite"]
        error = f"all {len(cands)} candidates failed: {reasons[0]}"
    return ModelResult(spec.name, spec.label, spec.baseline, cands, best, error=error)


def _pick_best(results: list[ModelResult]) -> ModelResult:
    usable = [r for r in results if r.pipeline is not None and not r.baseline]
    if not usable:
        asked = [r for r in results if not r.baseline]
        if not asked:
            usable = [r for r in results if r.pipeline is not None]
        if not usable:
            why = "; ".join(f"{r.label}: {r.error}" for r in results if r.error)
            raise TrainingError(f"No model could be trained. {why}")
    return max(usable, key=lambda r: r.best.mean)


def _no_better_than_baseline(best: ModelResult, results: list[ModelResult], scoring: str) -> list[str]:
    """Say so plainly when the chosen model does not beat the no-skill baseline in CV."""
    base = next((r for r in results if r.baseline and r.best is not None), None)
    if base is None or best.baseline or best.best.mean > base.best.mean:
        return []
    return [f"Warning: the best model, {best.label}, does not beat the no-skill baseline on CV {scoring} "
            f"({best.best.mean:.4f} vs {base.best.mean:.4f}). Its predictions are no better than guessing the "
            "most frequent value: check the target, the features and the dropped columns before using it."]


def _grouped_categories(pipe: Pipeline, prep: PrepConfig, columns: list[str]) -> list[str]:
    """Say which rare categories the encoder grouped, so no level disappears unnoticed."""
    try:
        encoder = pipe.named_steps["encode"].named_transformers_["cat"].named_steps["encode"]
    except (KeyError, AttributeError):
        return []
    grouped = getattr(encoder, "infrequent_categories_", None)
    if not grouped:
        return []
    parts = [f"{col}: {', '.join(map(str, cats[:8]))}{' ...' if len(cats) > 8 else ''}"
             for col, cats in zip(columns, grouped) if cats is not None and len(cats)]
    if not parts:
        return []
    return [f"Rare categories (under {prep.min_frequency:.0%} of training rows, or beyond the "
            f"{prep.max_categories} most frequent) are grouped as 'infrequent': " + "; ".join(parts) + "."]


def _selected_features(pipe: Pipeline) -> list[str]:
    try:
        return [str(n) for n in pipe[:-1].get_feature_names_out()]
    except Exception:  # an estimator without feature names: report the count instead
        return []
