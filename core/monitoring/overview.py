"""Model health over time: one calculation over every logged batch of a model version.

``monitor(store, version)`` reads the reference sample and the holdout predictions once, then
for each batch only the columns it needs (features, prediction, probabilities), and returns
an :class:`Overview` of plain tables: per batch (volume, drift share, prediction drift,
performance), per batch and feature (drift test and score), data quality, and the alerts the
thresholds raised. Pages and the CLI render these tables; nothing here draws.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from core import store as st
from core.errors import ConfigError
from core.monitoring.drift import DriftResult, column_drift
from core.monitoring.performance import LOWER_IS_BETTER, batch_performance, main_metric
from core.monitoring.quality import quality_table
from core.monitoring.stattests import default_test, get_test
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
            batch_ids: list[str] | None = None, record_alerts: bool | None = None) -> Overview:
    """Compute model health for ``version`` over its logged batches (or only ``batch_ids``).

    Alerts are stored in the catalog only for the thresholds the model is monitored with (the
    defaults, unless ``record_alerts`` says otherwise): a what-if run with other tests or
    thresholds shows its alerts without writing them into the model's history.
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
    reference = store.reference(version, columns=list(kinds))
    if reference is not None:
        # Every test here compares marginal distributions, so each numeric column can be sorted on
        # its own once; the tests then skip sorting the reference again for every batch.
        reference = reference.assign(**{c: np.sort(pd.to_numeric(reference[c], errors="coerce").to_numpy(float))
                                        for c, k in kinds.items() if k == "numeric" and c in reference.columns})
    holdout = store.holdout(version)
    notes = [f"The scored rows of batch {b.id} ({b.path}) are missing from the store folder; it is left out. "
             "Restore the file from a backup." for b in lost]
    if reference is None:
        notes.append("This model version has no reference sample: feature drift is not computed.")
    regression = version.task == "regression"
    classes = st.outcome_column(meta.get("classes", []), False).tolist()
    proba_cols = [st.PROBA_PREFIX + str(c) for c in classes]
    rows = store.read_batches(records, columns=[st.PREDICTION_ID, st.PREDICTION, *proba_cols, *kinds])

    groups = dict(tuple(rows.groupby("__batch", sort=False))) if len(rows) else {}

    def health(b: st.BatchRecord):
        """Drift and prediction drift of one batch: independent of the others."""
        part = groups.get(b.id, rows.iloc[0:0])
        row = {"batch": b.id, "scored_at": b.scored_at, "source": b.source_name, "rows": b.rows,
               "flagged_rows": b.flagged_rows, "features_tested": 0, "drifted_features": 0, "drift_share": None,
               "dataset_drift": False, "prediction_test": None, "prediction_drift_score": None,
               "prediction_drifted": False}
        drift = None
        if reference is not None and len(part):
            drift = column_drift(reference, part[[c for c in kinds if c in part.columns]], kinds,
                                 tests=settings.tests or None, thresholds=settings.thresholds or None,
                                 drift_share=settings.drift_share)
            row.update(features_tested=len(drift.tested_columns), drifted_features=len(drift.drifted_columns),
                       drift_share=drift.share, dataset_drift=drift.dataset_drift)
        if holdout is not None and len(part):
            res = _prediction_drift(holdout[st.PREDICTION], part[st.PREDICTION], regression, settings)
            if res is not None:
                row.update(prediction_test=res.test, prediction_drift_score=res.score,
                           prediction_drifted=bool(res.drifted))
        shares = _prediction_summary(b.id, part[st.PREDICTION] if len(part) else pd.Series(dtype=object), regression)
        return row, drift, shares

    # Batches are independent and the tests spend their time in numpy sorts, which release the
    # GIL: threads use both cores without copying the frames to other processes.
    with ThreadPoolExecutor(max_workers=min(len(records), os.cpu_count() or 1) or 1) as pool:
        done = list(pool.map(health, records))
    batch_rows, drift_rows, share_rows, drift_by_batch = [], [], [], {}
    for b, (row, drift, shares) in zip(records, done):
        batch_rows.append(row)
        share_rows.extend(shares)
        if drift is not None:
            drift_by_batch[b.id] = drift
            table = drift.to_df()
            table.insert(0, "batch", b.id)
            drift_rows.append(table)
    if holdout is not None:
        share_rows = _prediction_summary("holdout", holdout[st.PREDICTION], regression) + share_rows

    metric = main_metric(meta)
    perf = batch_performance(rows[[c for c in rows.columns if c not in kinds]] if len(rows) else rows,
                             store.labels(version), meta)
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


def _prediction_drift(reference: pd.Series, current: pd.Series, regression: bool, settings: MonitorSettings):
    kind = "numeric" if regression else "categorical"
    ref = reference.dropna()
    cur = current.dropna()
    if regression:
        ref, cur = ref.astype(float).to_numpy(), cur.astype(float).to_numpy()
    else:
        ref, cur = ref.astype(str).to_numpy(dtype=object), cur.astype(str).to_numpy(dtype=object)
    if not len(ref) or not len(cur):
        return None
    test = get_test(settings.prediction_test) if settings.prediction_test else default_test(kind, ref, cur)
    return test(ref, cur)


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
                f"The distribution of predictions moved away from the holdout ({r['prediction_test']} "
                f"score {r['prediction_drift_score']:.4g}).")
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

