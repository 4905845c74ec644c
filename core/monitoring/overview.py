"""Model health over time: one calculation over every logged batch of a model version.

``monitor(store, version)`` reads the reference sample and the holdout predictions once, then
for each batch only the columns it needs (features, prediction, probabilities), and returns
an :class:`Overview` of plain tables: per batch (volume, drift share, prediction drift,
performance), per batch and feature (drift test and score), data quality, and the alerts the
thresholds raised. Pages and the CLI render these tables; nothing here draws.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core import store as st
from core.errors import ConfigError
from core.monitoring.drift import ColumnDrift, DriftResult, column_drift
from core.monitoring.performance import COLUMNS as PERFORMANCE_COLUMNS
from core.monitoring.performance import LOWER_IS_BETTER, batch_performance, main_metric
from core.monitoring.quality import quality_table
from core.monitoring.stattests import choose_default, get_test, prepare
from core.schema import drift_kinds

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass
class MonitorSettings:
    """Thresholds of monitoring; every one can be changed per run (CLI flags, Monitor page)."""

    drift_share: float = 0.5          # dataset drift when at least this share of features drift
    tests: dict[str, str] = field(default_factory=dict)         # column (or "*") -> test name
    thresholds: dict[str, float] = field(default_factory=dict)  # column (or "*") -> test threshold
    prediction_test: str | None = None                          # None: chosen like a feature's
    performance_drop: float = 0.05    # alert when the main metric is this much worse than on the holdout
    missing_increase: float = 0.10    # alert when a column's missing share exceeds training by this
    unseen_share: float = 0.05        # alert when this share of a batch's rows has an unseen category
    min_labelled_rows: int = 30       # performance alerts need at least this many labelled rows

    def validate(self) -> None:
        for name in ("drift_share", "missing_increase", "unseen_share"):
            v = getattr(self, name)
            if not 0 < v <= 1:
                raise ConfigError(f"Monitoring setting {name} must be above 0 and at most 1, got {v}.")
        if self.performance_drop < 0:
            raise ConfigError(f"Monitoring setting performance_drop must be 0 or more, got {self.performance_drop}.")
        for col, name in {**self.tests, **({"prediction": self.prediction_test} if self.prediction_test else {})}.items():
            get_test(name)  # raises ConfigError naming the allowed tests

    def to_dict(self) -> dict:
        return asdict(self)

    def is_default(self) -> bool:
        return self.to_dict() == MonitorSettings().to_dict()


@dataclass
class Overview:
    """Everything the Monitor page and `modelops monitor` show, as tables."""

    version: st.ModelVersion
    settings: MonitorSettings
    batches: pd.DataFrame                 # one row per batch
    feature_drift: pd.DataFrame           # one row per batch and feature
    prediction_shares: pd.DataFrame       # classification: batch, class, share; regression: quantiles
    quality: pd.DataFrame                 # one row per batch, column and problem
    performance: pd.DataFrame             # one row per labelled batch and metric
    alerts: list[dict]
    main_metric: str
    drift_by_batch: dict[str, DriftResult] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)

    def headline(self) -> dict:
        b = self.batches
        latest = b.iloc[-1] if len(b) else None
        perf = self.performance[self.performance["metric"] == self.main_metric]
        return {
            "batches": int(len(b)),
            "rows_scored": int(b["rows"].sum()) if len(b) else 0,
            "drifted_features_latest": int(latest["drifted_features"]) if latest is not None else 0,
            "features_tested": int(latest["features_tested"]) if latest is not None else 0,
            "dataset_drift_latest": bool(latest["dataset_drift"]) if latest is not None else False,
            "alerts": len(self.alerts),
            "critical_alerts": sum(a["severity"] == "critical" for a in self.alerts),
            "main_metric": self.main_metric,
            "latest_performance": float(perf.iloc[-1]["value"]) if len(perf) and perf.iloc[-1]["value"] is not None
            else None,
            "holdout_performance": (self.version.metadata.get("holdout") or {}).get(self.main_metric),
        }

    def to_dict(self) -> dict:
        from core.artifact import to_jsonable

        return to_jsonable({
            "model": {"id": self.version.id, "name": self.version.name, "version": self.version.version,
                      "task": self.version.task, "target": self.version.target},
            "settings": self.settings.to_dict(), "headline": self.headline(),
            "batches": self.batches.to_dict(orient="records"),
            "feature_drift": self.feature_drift.to_dict(orient="records"),
            "quality": self.quality.to_dict(orient="records"),
            "performance": self.performance.to_dict(orient="records"),
            "alerts": self.alerts, "notes": self.notes,
        })


def monitor(store: st.Store, version: st.ModelVersion, settings: MonitorSettings | None = None, *,
            batch_ids: list[str] | None = None, record_alerts: bool | None = None,
            use_cache: bool = True) -> Overview:
    """Compute model health for ``version`` over its logged batches (or only ``batch_ids``).

    Alerts are stored in the catalog only for the thresholds the model is monitored with (the
    defaults, unless ``record_alerts`` says otherwise): a what-if run with other tests or
    thresholds shows its alerts without writing them into the model's history.

    Logged batches never change, so what is computed from one batch alone (its drift, prediction
    drift and prediction shares) is kept in the catalog under a key of the settings that shape
    it and of the code and library versions that compute it (:func:`batch_key`); performance is
    kept under the latest label upload (:func:`performance_key`). A later run reads only the
    batches it has not seen. ``use_cache=False`` computes everything and stores nothing.
    """
    settings = settings or MonitorSettings()
    settings.validate()
    meta = version.metadata
    features = meta.get("features", [])
    kinds = drift_kinds(features)
    records = store.list_batches(version)
    if batch_ids is not None:
        wanted = set(batch_ids)
        unknown = sorted(wanted - {b.id for b in records})
        if unknown:
            raise ConfigError(f"{', '.join(unknown)} is not a batch of {version.label}; "
                              f"`modelops batches {version.name}` lists them.")
        records = [b for b in records if b.id in wanted]
    lost = [b for b in records if not (store.home / b.path).is_file()]
    records = [b for b in records if b not in lost]
    has_reference = (store.version_folder(version) / "reference.parquet").is_file()
    holdout = store.holdout(version)
    notes = [f"The scored rows of batch {b.id} ({b.path}) are missing from the store folder; it is left out. "
             "Restore the file from a backup." for b in lost]
    if not has_reference:
        notes.append("This model version has no reference sample: feature drift is not computed.")
    regression = version.task == "regression"
    classes = st.outcome_column(meta.get("classes", []), False).tolist()
    proba_cols = [st.PROBA_PREFIX + str(c) for c in classes]

    key = batch_key(settings)
    cached = store.cached_results(version, key, [b.id for b in records]) if use_cache else {}
    todo = [b for b in records if b.id not in cached]
    reference = None
    if has_reference and todo:
        reference = store.reference(version, columns=list(kinds))
        # Every test here compares marginal distributions, so each numeric column can be sorted on
        # its own once; the tests then skip sorting the reference again for every batch.
        reference = reference.assign(**{c: np.sort(pd.to_numeric(reference[c], errors="coerce").to_numpy(float))
                                        for c, k in kinds.items() if k == "numeric" and c in reference.columns})

    def health(b: st.BatchRecord) -> dict:
        """Drift, prediction drift and prediction shares of one batch: independent of the others.

        Each batch reads its own columns (pyarrow decodes without the GIL), so reading overlaps
        with the tests, which spend their time in numpy sorts."""
        part = store.read_batch(b, columns=[st.PREDICTION, *kinds])
        out = {"row": {}, "drift": None, "shares": []}
        if reference is not None and len(part):
            drift = column_drift(reference, part[[c for c in kinds if c in part.columns]], kinds,
                                 tests=settings.tests or None, thresholds=settings.thresholds or None,
                                 drift_share=settings.drift_share)
            out["row"].update(features_tested=len(drift.tested_columns), drifted_features=len(drift.drifted_columns),
                              drift_share=drift.share, dataset_drift=drift.dataset_drift)
            out["drift"] = {"columns": [asdict(c) for c in drift.columns], "threshold": drift.drift_share_threshold,
                            "missing": drift.missing_columns}
        if holdout is not None and len(part):
            res = _prediction_drift(holdout[st.PREDICTION], part[st.PREDICTION], regression, settings)
            if res is not None:
                out["row"].update(prediction_test=res.test, prediction_drift_score=res.score,
                                  prediction_drifted=bool(res.drifted))
        out["shares"] = _prediction_summary(b.id, part[st.PREDICTION] if len(part) else pd.Series(dtype=object),
                                            regression)
        return out

    if todo:
        with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as pool:
            computed = {b.id: _plain(r) for b, r in zip(todo, pool.map(health, todo))}
        if use_cache:
            store.cache_results(version, key, computed)
        cached.update(computed)

    batch_rows, drift_rows, share_rows, drift_by_batch = [], [], [], {}
    for b in records:
        found = cached[b.id]
        row = {"batch": b.id, "scored_at": b.scored_at, "source": b.source_name, "rows": b.rows,
               "flagged_rows": b.flagged_rows, "features_tested": 0, "drifted_features": 0, "drift_share": None,
               "dataset_drift": False, "prediction_test": None, "prediction_drift_score": None,
               "prediction_drifted": False, **found["row"]}
        batch_rows.append(row)
        share_rows.extend(found["shares"])
        if found["drift"] is not None:
            d = found["drift"]
            drift = DriftResult([ColumnDrift(**c) for c in d["columns"]], d["threshold"], list(d["missing"]))
            drift_by_batch[b.id] = drift
            table = drift.to_df()
            table.insert(0, "batch", b.id)
            drift_rows.append(table)
    if holdout is not None:
        share_rows = _prediction_summary("holdout", holdout[st.PREDICTION], regression) + share_rows

    metric = main_metric(meta)
    perf = _performance(store, version, records, [st.PREDICTION_ID, st.PREDICTION, *proba_cols], use_cache)
    labelled = perf.drop_duplicates("batch").set_index("batch")["labelled_rows"] if len(perf) else pd.Series(dtype=int)
    main = perf[perf["metric"] == metric].set_index("batch")["value"] if len(perf) else pd.Series(dtype=float)
    for r in batch_rows:
        r["labelled_rows"] = int(labelled.get(r["batch"], 0))
        r[metric] = main.get(r["batch"])
    batches_df = pd.DataFrame(batch_rows, columns=[
        "batch", "scored_at", "source", "rows", "flagged_rows", "features_tested", "drifted_features", "drift_share",
        "dataset_drift", "prediction_test", "prediction_drift_score", "prediction_drifted", "labelled_rows", metric])
    chosen = settings.tests.get("*")
    if chosen and drift_rows:
        kept = sorted(set(pd.concat(drift_rows).query("test != @chosen")["column"]))
        if kept:
            notes.append(f"The {get_test(chosen).label} test does not fit {', '.join(kept)} (a measurement, or "
                         "another kind of column); those keep their default test.")
    quality = quality_table(records, features)
    feature_drift = pd.concat(drift_rows, ignore_index=True) if drift_rows else pd.DataFrame(
        columns=["batch", "column", "kind", "test", "score", "threshold", "drifted"])
    found = find_alerts(batches_df, feature_drift, quality, perf, meta, metric, settings)
    record = settings.is_default() if record_alerts is None else record_alerts
    if record:
        store.record_alerts(version, found)
    return Overview(version, settings, batches_df, feature_drift, pd.DataFrame(share_rows), quality, perf, found,
                    metric, drift_by_batch, notes)


def _performance(store: st.Store, version: st.ModelVersion, records: list, columns: list[str],
                 use_cache: bool) -> pd.DataFrame:
    """Performance of every labelled batch among ``records``; only batches whose results are not
    kept under the current label state are read (their ids, predictions and probabilities)."""
    state, labelled = store.label_state(version)
    if state is None:
        return pd.DataFrame(columns=PERFORMANCE_COLUMNS)
    wanted = [b for b in records if labelled is None or b.id in labelled]
    key = performance_key(state)
    cached = store.cached_results(version, key, [b.id for b in wanted]) if use_cache else {}
    todo = [b for b in wanted if b.id not in cached]
    if todo:
        rows = store.read_batches(todo, columns=columns)
        perf = batch_performance(rows, store.labels(version), version.metadata)
        computed = {b.id: _plain(perf[perf["batch"] == b.id].to_dict(orient="records")) for b in todo}
        if use_cache:
            store.cache_results(version, key, computed)
        cached.update(computed)
    out = [r for b in wanted for r in cached[b.id]]
    return pd.DataFrame(out, columns=PERFORMANCE_COLUMNS)


CACHE_FORMAT = "1"


def _plain(result):
    """A result as the cache gives it back (JSON types), so a run that computes and a run that
    reads the cache build exactly the same tables."""
    return json.loads(json.dumps(result, default=st.json_default, allow_nan=True))


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """The source of everything that computes a cached result, and the libraries under it: a
    changed test or a new scipy invalidates what older code stored."""
    import scipy

    from core import evaluate, schema
    from core.monitoring import drift, performance, stattests

    h = hashlib.sha256(CACHE_FORMAT.encode())
    for module in (sys.modules[__name__], drift, stattests, performance, evaluate, schema):
        h.update(Path(module.__file__).read_bytes())
    for lib in (np, pd, scipy):
        h.update(lib.__version__.encode())
    return h.hexdigest()


def batch_key(settings: MonitorSettings) -> str:
    """The cache key of per-batch drift results: the settings that shape them, and the code."""
    shaping = {"tests": settings.tests, "thresholds": settings.thresholds, "drift_share": settings.drift_share,
               "prediction_test": settings.prediction_test}
    text = json.dumps(["batch", shaping, _code_digest()], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def performance_key(label_state: str) -> str:
    """The cache key of per-batch performance: the latest label upload (a new upload changes
    which label wins for a prediction id), and the code."""
    text = json.dumps(["performance", label_state, _code_digest()])
    return hashlib.sha256(text.encode()).hexdigest()


def _prediction_drift(reference: pd.Series, current: pd.Series, regression: bool, settings: MonitorSettings):
    kind = "numeric" if regression else "categorical"
    ref = reference.dropna()
    cur = current.dropna()
    if regression:
        ref, cur = ref.astype(float).to_numpy(), cur.astype(float).to_numpy()
    else:  # class names as pandas text: factorized by pyarrow, in the same order as Python objects
        ref, cur = ref.astype(str).astype("str"), cur.astype(str).astype("str")
    if not len(ref) or not len(cur):
        return None
    samples = prepare(ref, cur, kind)  # once, for choosing the test and for running it
    test = get_test(settings.prediction_test) if settings.prediction_test else choose_default(samples)
    return test.run(samples)


def _prediction_summary(batch: str, pred: pd.Series, regression: bool) -> list[dict]:
    pred = pred.dropna()
    if not len(pred):
        return []
    if regression:
        v = pred.astype(float)
        return [{"batch": batch, "statistic": name, "value": float(q)} for name, q in
                (("p10", v.quantile(0.1)), ("median", v.median()), ("p90", v.quantile(0.9)), ("mean", v.mean()))]
    shares = pred.astype(str).value_counts(normalize=True)
    return [{"batch": batch, "class": str(k), "share": float(v)} for k, v in shares.items()]


def find_alerts(batches: pd.DataFrame, feature_drift: pd.DataFrame, quality: pd.DataFrame, performance: pd.DataFrame,
                metadata: dict, metric: str, settings: MonitorSettings) -> list[dict]:
    """Every threshold crossing as a record: batch, metric, value, threshold, severity, message."""
    out: list[dict] = []

    def add(batch, name, value, threshold, severity, message):
        out.append({"batch_id": batch, "metric": name, "value": None if value is None else float(value),
                    "threshold": None if threshold is None else float(threshold), "severity": severity,
                    "message": message})

    for _, r in batches.iterrows():
        if r["dataset_drift"]:
            add(r["batch"], "dataset_drift", r["drift_share"], settings.drift_share, "critical",
                f"{r['drifted_features']} of {r['features_tested']} features drifted "
                f"({r['drift_share']:.0%} ≥ {settings.drift_share:.0%}).")
        if r["prediction_drifted"]:
            add(r["batch"], "prediction_drift", r["prediction_drift_score"], None, "warning",
                f"The distribution of predictions moved away from the holdout ({r['prediction_test']}: "
                f"{_score_words(r['prediction_test'])} {r['prediction_drift_score']:.4g}).")
    for _, r in feature_drift[feature_drift["drifted"].astype(bool)].iterrows() if len(feature_drift) else []:
        add(r["batch"], f"drift:{r['column']}", r["score"], r["threshold"], "warning",
            f"Feature '{r['column']}' drifted ({r['test']} {r['score']:.4g}, threshold {r['threshold']:g}).")
    for _, r in quality.iterrows():
        if r["problem"] == "missing" and r["share"] > r["training_share"] + settings.missing_increase:
            limit = r["training_share"] + settings.missing_increase
            add(r["batch"], f"missing:{r['column']}", r["share"], limit, "warning",
                f"Column '{r['column']}' is missing in {r['share']:.0%} of rows (training: {r['training_share']:.0%}).")
        elif r["problem"] == "unseen category" and r["share"] > settings.unseen_share:
            add(r["batch"], f"unseen:{r['column']}", r["share"], settings.unseen_share, "warning",
                f"Column '{r['column']}' has categories never seen in training in {r['share']:.0%} of rows "
                f"({r['examples']}).")
    holdout = (metadata.get("holdout") or {}).get(metric)
    if holdout is not None and len(performance):
        main = performance[performance["metric"] == metric]
        for _, r in main.iterrows():
            if r["value"] is None or r["labelled_rows"] < settings.min_labelled_rows:
                continue
            lower = metric in LOWER_IS_BETTER
            limit = holdout + settings.performance_drop if lower else holdout - settings.performance_drop
            worse = r["value"] > limit if lower else r["value"] < limit
            if worse:
                add(r["batch"], f"performance:{metric}", r["value"], limit, "critical",
                    f"{metric} on {r['labelled_rows']} labelled rows is {r['value']:.4f}; the holdout gave "
                    f"{holdout:.4f} (alert beyond {limit:.4f}).")
    return sorted(out, key=lambda a: (SEVERITY_ORDER[a["severity"]], a["batch_id"], a["metric"]))



def _score_words(test: str) -> str:
    """What a test's score is, for an alert: "p-value" or "distance"."""
    from core.monitoring.stattests import REGISTRY

    spec = REGISTRY.get(test)
    return "p-value" if spec is not None and spec.score_kind == "p_value" else "distance"
