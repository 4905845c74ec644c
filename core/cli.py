"""The ``modelops`` command: the whole training job and batch scoring, headless.

Exit codes: 0 success, 2 a problem the user can fix (one line on stderr, no traceback),
1 a bug (one line on stderr; the traceback goes to the store's log file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import traceback
import uuid
from pathlib import Path

from core.config import limits, modelops_home
from core.errors import ConfigError, ModelOpsError, UntrustedArtifactError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="modelops", description="ModelOps Studio: train, score and monitor models.")
    p.add_argument("--home", help="store folder (default: $MODELOPS_HOME or ./modelops_home)")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train and tune models on a CSV and save the best as an artifact")
    t.add_argument("data", help="training CSV")
    t.add_argument("--target", required=True, help="the column to predict")
    t.add_argument("--task", default="auto", choices=["auto", "classification", "regression"])
    t.add_argument("--models", help="comma-separated: logistic_regression, ridge, random_forest, "
                                    "hist_gradient_boosting, knn, svm (the dummy baseline always runs)")
    t.add_argument("--search", default="grid", choices=["grid", "random", "halving"])
    t.add_argument("--cv", type=int, default=5, help="cross-validation folds (default 5)")
    t.add_argument("--scoring", help="metric to pick the best model (default: balanced_accuracy / r2)")
    t.add_argument("--n-iter", type=int, default=10, help="candidates per model for random search")
    t.add_argument("--k-features", default=None, help="keep the N best features (or 'all')")
    t.add_argument("--selection", choices=["kbest", "rfe"], default="kbest",
                   help="how --k-features selects (default kbest)")
    t.add_argument("--score-func", default="auto", help="for kbest: auto, f_classif, chi2, mutual_info, f_regression")
    t.add_argument("--scaling", default="standard", choices=["standard", "minmax", "robust", "none"])
    t.add_argument("--missing", default="median", choices=["median", "mean", "most_frequent", "constant", "drop_rows"],
                   help="how to fill missing numbers (default median)")
    t.add_argument("--outliers", default="none", choices=["none", "iqr", "quantile"])
    t.add_argument("--encoding-style", default="onehot", choices=["onehot", "ordinal"], dest="cat_encoding")
    t.add_argument("--drop", default="", help="comma-separated columns to leave out")
    t.add_argument("--test-size", type=float, default=0.2)
    t.add_argument("--seed", type=int, default=42)
    t.add_argument("--n-jobs", type=int, default=None, help="parallel fits (default: all cores)")
    t.add_argument("--max-fits", type=int, default=None,
                   help="refuse searches with more fits than this (default MODELOPS_MAX_FITS, else 2000)")
    t.add_argument("--encoding", help="the file's text encoding, if detection gets it wrong")
    t.add_argument("--name", help="model name stored in the artifact")
    t.add_argument("--out", default="model.joblib", help="artifact path (default model.joblib)")
    t.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    pr = sub.add_parser("predict", help="score a CSV batch with a saved model")
    pr.add_argument("model", help="artifact (.joblib)")
    pr.add_argument("batch", help="CSV to score")
    pr.add_argument("--out", help="predictions CSV (default: <batch>_predictions.csv)")
    pr.add_argument("--trust", action="store_true",
                    help="load a model file not signed by this installation (it can run code)")
    pr.add_argument("--encoding", help="the batch's text encoding, if detection gets it wrong")
    pr.add_argument("--no-log", action="store_true",
                    help="do not log this batch in the store (it is logged by default, for monitoring)")
    pr.add_argument("--json", action="store_true")

    rg = sub.add_parser("register", help="register a saved model as a new version in the store")
    rg.add_argument("model", help="artifact (.joblib) saved by this installation")
    rg.add_argument("--name", help="model name (default: the name saved in the artifact)")
    rg.add_argument("--json", action="store_true")

    ml = sub.add_parser("models", help="list the registered model versions")
    ml.add_argument("--json", action="store_true")

    bl = sub.add_parser("batches", help="list the scored batches of a registered model")
    bl.add_argument("model", help="registered name, name:vN, or a version id")
    bl.add_argument("--json", action="store_true")

    lb = sub.add_parser("labels", help="attach ground truth to a scored batch")
    lb.add_argument("batch", help="batch id printed by `modelops predict` ('-' to match by prediction_id "
                                  "across all batches of --model)")
    lb.add_argument("labels", help="CSV with the true target and prediction_id or the batch's own id column(s)")
    lb.add_argument("--model", help="registered model, needed with batch '-'")
    lb.add_argument("--target", help="the column with the true values (default: the model's target)")
    lb.add_argument("--encoding")
    lb.add_argument("--json", action="store_true")

    mo = sub.add_parser("monitor", help="model health over the logged batches: drift, quality, performance, alerts")
    mo.add_argument("model", help="registered name, name:vN, a version id, or an artifact path")
    mo.add_argument("--drift-share", type=float, default=0.5,
                    help="dataset drift when this share of features drifts (default 0.5)")
    mo.add_argument("--test", action="append", default=[], metavar="[COLUMN=]TEST",
                    help="drift test for all columns or one (ks, chisquare, z, wasserstein, jensenshannon, psi)")
    mo.add_argument("--threshold", action="append", default=[], metavar="[COLUMN=]VALUE",
                    help="drift test threshold for all columns or one")
    mo.add_argument("--performance-drop", type=float, default=0.05,
                    help="alert when the main metric is this much worse than on the holdout (default 0.05)")
    mo.add_argument("--batch", help="the batch for --html (default: the latest)")
    mo.add_argument("--html", help="write a self-contained HTML report of one batch to this path")
    mo.add_argument("--json", action="store_true")

    sub.add_parser("demo", help="fill the store with two demo models and months of scored, labelled batches")

    pf = sub.add_parser("profile", help="show how a CSV is read and what each column looks like")
    pf.add_argument("data")
    pf.add_argument("--target")
    pf.add_argument("--encoding")
    pf.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        handler = {"train": cmd_train, "predict": cmd_predict, "profile": cmd_profile, "register": cmd_register,
                   "models": cmd_models, "batches": cmd_batches, "labels": cmd_labels,
                   "monitor": cmd_monitor, "demo": cmd_demo}[args.command]
        return handler(args) or 0
    except ModelOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `modelops monitor ... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    except OSError as exc:  # permissions, a full disk, a path that is a folder: for the user to fix
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}. Check the path and its permissions.", file=sys.stderr)
        return 2
    except Exception:  # a bug: keep the traceback for us, show the user one line
        error_id = uuid.uuid4().hex[:8]
        log = _log_bug(args, error_id)
        print(f"internal error {error_id}: {sys.exc_info()[0].__name__}: {sys.exc_info()[1]} "
              f"(this is a bug; please report the id - details in {log})", file=sys.stderr)
        return 1


def _log_bug(args, error_id: str) -> Path:
    home = modelops_home(getattr(args, "home", None))
    path = home / "logs" / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat()} error {error_id} argv={sys.argv[1:]}\n")
            fh.write(traceback.format_exc())
    except OSError:
        return Path("(log not writable)")
    return path


def _k_features(value: str | None):
    if value in (None, "", "all"):
        return "all"
    try:
        k = int(value)
    except ValueError:
        raise ConfigError(f"--k-features must be a whole number or 'all', got {value!r}.") from None
    return k


def cmd_train(args) -> int:
    from core.artifact import read_metadata, save_trained_model
    from core.evaluate import evaluate_training
    from core.io import load_csv
    from core.prep import PrepConfig
    from core.train import SearchConfig, train

    from core.export import writable_file

    writable_file(args.out, "model.joblib", inputs=[args.data])  # refuse a bad output path before training
    loaded = load_csv(args.data, encoding=args.encoding)
    k = _k_features(args.k_features)
    prep = PrepConfig(
        numeric_missing=args.missing, outliers=args.outliers, encoding=args.cat_encoding,
        scaling=args.scaling, selection="none" if k == "all" else args.selection, k_features=k,
        score_func=args.score_func, drop_columns=[c.strip() for c in args.drop.split(",") if c.strip()],
    )
    search = SearchConfig(
        models=[m for m in args.models.split(",")] if args.models else None, strategy=args.search,
        cv=args.cv, scoring=args.scoring, n_iter=args.n_iter, test_size=args.test_size, seed=args.seed,
        n_jobs=args.n_jobs, max_fits=args.max_fits or limits().max_fits,
    )
    progress = None if args.json else _progress_printer()
    if not args.json:
        _print_load_report(loaded.report.to_dict())
        from core.estimate import describe, estimate_search

        print(describe(estimate_search(loaded.frame, args.target, task=args.task, prep=prep, search=search)))
    result = train(loaded.frame, args.target, task=args.task, prep=prep, search=search, progress=progress)
    evaluation = evaluate_training(result)
    out = save_trained_model(args.out, result, evaluation, model_name=args.name,
                             load_report=loaded.report.to_dict(), home=args.home)
    meta = read_metadata(out)
    summary = {
        "task": result.task,
        "task_reason": result.task_reason,
        "target": result.target,
        "rows_used": result.clean.rows_out,
        "rows_dropped": result.clean.dropped,
        "features": result.plan.columns,
        "dropped_columns": result.plan.dropped,
        "selected_features": result.selected_features,
        "best_model": result.best_model,
        "best_params": result.best.best.params,
        "scoring": result.scoring,
        "cv_score": result.best.best.mean,
        "holdout": evaluation.best.metrics,
        "baseline_holdout": meta["baseline_holdout"],
        "leaderboard": meta["leaderboard"],
        "notes": result.notes + loaded.report.warnings,
        "load_report": loaded.report.to_dict(),
        "artifact": str(out),
        "duration_s": round(result.duration_s, 2),
    }
    if args.json:
        from core.artifact import to_jsonable
        print(json.dumps(to_jsonable(summary), ensure_ascii=False))
        return 0
    print()
    print(f"Task: {result.task} ({result.task_reason})")
    print(f"Rows used: {result.clean.rows_out} of {result.clean.rows_in}"
          + (f" (dropped: {', '.join(f'{v} {k}' for k, v in result.clean.dropped.items())})" if result.clean.dropped else ""))
    if result.plan.dropped:
        print("Columns left out: " + "; ".join(f"{k} ({v})" for k, v in result.plan.dropped.items()))
    for n in result.notes:
        print(f"note: {n}")
    print(f"\nLeaderboard (CV {result.cv_folds} folds, {result.scoring}):")
    board = result.leaderboard()
    for _, r in board.iterrows():
        score = "failed" if r["cv_mean"] != r["cv_mean"] else f"{r['cv_mean']:.4f} ± {r['cv_std']:.4f}"
        extra = f"  [{r['failed']} of {r['candidates']} candidates failed]" if r["failed"] else ""
        print(f"  {r['model']:<24} {score:<20} {r['fit_time_s']:.2f}s/fit  {r['best_params']}{extra}")
    print(f"\nBest model: {result.best_model}")
    print("Holdout metrics (best vs baseline):")
    base = meta["baseline_holdout"]
    for k_, v in evaluation.best.metrics.items():
        b = base.get(k_)
        print(f"  {k_:<20} {v:.4f}" + (f"   baseline {b:.4f}" if b is not None else ""))
    if result.selected_features:
        print(f"Features the model uses ({len(result.selected_features)}): {', '.join(result.selected_features[:30])}")
    print(f"\nSaved artifact: {out}")
    return 0


def _progress_printer():
    state = {"last": -1}

    def report(done: int, total: int, message: str) -> None:
        pct = int(100 * done / max(total, 1))
        if pct // 10 != state["last"] // 10 or done == total:
            state["last"] = pct
            print(f"  training: {done}/{total} fits ({pct}%)", file=sys.stderr, flush=True)

    return report


def _print_load_report(rep: dict) -> None:
    print(f"Loaded {rep['source']}: {rep['rows']} rows x {rep['columns']} columns "
          f"(encoding {rep['encoding']}, delimiter '{rep['delimiter']}', decimal '{rep['decimal']}')")
    for w in rep["warnings"]:
        print(f"warning: {w}")


def cmd_predict(args) -> int:
    from core.artifact import load_artifact, to_jsonable
    from core.export import write_csv
    from core.io import load_csv
    from core.scoring import score_and_log, score_batch
    from core.store import Store, sha256_file

    from core.export import writable_file

    out = Path(args.out) if args.out else Path(args.batch).with_name(Path(args.batch).stem + "_predictions.csv")
    writable_file(out, "predictions.csv", inputs=[args.batch, args.model])
    artifact = load_artifact(args.model, trust=args.trust, home=args.home)
    for w in artifact.warnings:
        print(f"warning: {w}", file=sys.stderr)
    loaded = load_csv(args.batch, encoding=args.encoding)
    notes, version = [], None
    if not args.no_log and artifact.signed:
        store = Store(args.home)
        version = store.register_model(args.model)
        digest = sha256_file(args.batch)
        earlier = store.find_batches(version, digest)
        if earlier:
            notes.append(f"This same file was scored with {version.label} before (batch {earlier[-1].id}); it is "
                         "logged again as a new batch. Use --no-log to score without logging.")
        scored = score_and_log(store, version, loaded.frame, name=loaded.report.source, source_sha256=digest)
    else:
        if not args.no_log:
            notes.append("This batch is not logged for monitoring: only models signed by this installation "
                         "are registered.")
        scored = score_batch(artifact, loaded.frame, name=loaded.report.source)
    write_csv(scored.frame, out)
    summary = {"rows": len(scored.frame), "output": str(out), "flagged_rows": scored.check.flagged_rows,
               "issues": scored.check.issues, "ignored_columns": scored.check.extra_columns,
               "batch_id": scored.batch_id, "model": version.label if version else None,
               "warnings": artifact.warnings + loaded.report.warnings + notes}
    if args.json:
        print(json.dumps(to_jsonable(summary), ensure_ascii=False))
        return 0
    _print_load_report(loaded.report.to_dict())
    for m in scored.check.messages() + notes:
        print(f"note: {m}")
    print(f"Scored {len(scored.frame)} rows ({scored.check.flagged_rows} flagged); predictions written to {out}")
    if scored.batch_id:
        print(f"Logged as batch {scored.batch_id} of {version.label}")
    return 0


def _store_and_version(args, ref: str):
    """A registered version by name/id, or an artifact path (registered on the way)."""
    from core.store import Store

    store = Store(args.home)
    if ref.endswith((".joblib", ".pkl")) or Path(ref).is_file():
        return store, store.register_model(ref)
    return store, store.get_version(ref)


def cmd_register(args) -> int:
    from core.store import Store

    store = Store(args.home)
    try:
        v = store.register_model(args.model, name=args.name)
    except UntrustedArtifactError as exc:
        raise UntrustedArtifactError(
            f"{str(exc).split(':')[0]}: only models signed by this installation can be registered, "
            "because monitoring must trust what it loads. Retrain it here, or score a batch with it "
            "without logging: modelops predict MODEL BATCH --trust."
        ) from None
    if args.json:
        print(json.dumps({"id": v.id, "name": v.name, "version": v.version, "artifact": v.artifact_path}))
    else:
        print(f"Registered {v.label} (id {v.id}, {v.task}, target '{v.target}')")
    return 0


def cmd_models(args) -> int:
    from core.store import Store

    versions = Store(args.home).list_versions()
    rows = [{"id": v.id, "name": v.name, "version": v.version, "task": v.task, "target": v.target,
             "registered_at": v.registered_at} for v in versions]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    elif not rows:
        print("No registered models yet: `modelops register MODEL.joblib` or `modelops predict` registers one.")
    else:
        for r in rows:
            print(f"  {r['id']:>4}  {r['name']} v{r['version']}  {r['task']}  target={r['target']}  {r['registered_at']}")
    return 0


def cmd_batches(args) -> int:
    store, version = _store_and_version(args, args.model)
    rows = [{"batch": b.id, "scored_at": b.scored_at, "rows": b.rows, "flagged_rows": b.flagged_rows,
             "source": b.source_name} for b in store.list_batches(version)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"{version.label}: {len(rows)} batches")
    for r in rows:
        print(f"  {r['batch']}  {r['scored_at']}  {r['rows']} rows ({r['flagged_rows']} flagged)  {r['source']}")
    return 0


def cmd_labels(args) -> int:
    from core.errors import LabelError
    from core.io import load_csv
    from core.labels import attach_labels
    from core.store import Store, sha256_file

    store = Store(args.home)
    if args.batch == "-":
        if not args.model:
            raise LabelError("With batch '-' name the model: --model NAME.")
        _, version = _store_and_version(args, args.model)
        batch_id = None
    else:
        batch = store.get_batch(args.batch)
        version = store.get_version(batch.model_version_id)
        batch_id = batch.id
    loaded = load_csv(args.labels, encoding=args.encoding)
    report = attach_labels(store, version, loaded.frame, batch_id=batch_id, target=args.target,
                           source_name=loaded.report.source, source_sha256=sha256_file(args.labels))
    if args.json:
        from dataclasses import asdict
        print(json.dumps(asdict(report), ensure_ascii=False))
        return 0
    for m in report.messages():
        print(m)
    return 0


def _pairs(values: list[str], what: str, cast) -> dict:
    out = {}
    for v in values:
        col, sep, val = v.rpartition("=")
        try:
            out[col if sep else "*"] = cast(val)
        except ValueError:
            raise ConfigError(f"--{what} {v!r}: expected [COLUMN=]VALUE.") from None
    return out


def cmd_monitor(args) -> int:
    from core.monitoring.overview import MonitorSettings, monitor

    store, version = _store_and_version(args, args.model)
    settings = MonitorSettings(drift_share=args.drift_share, tests=_pairs(args.test, "test", str),
                               thresholds=_pairs(args.threshold, "threshold", float),
                               performance_drop=args.performance_drop)
    if args.batch and args.batch not in {b.id for b in store.list_batches(version)}:
        raise ConfigError(f"'{args.batch}' is not a batch of {version.label}; `modelops batches {version.name}` "
                          "lists them.")
    overview = monitor(store, version, settings)
    if args.html:
        from core.monitoring.report import write_report

        batch = args.batch or (overview.batches["batch"].iloc[-1] if len(overview.batches) else None)
        if batch is not None and batch not in set(overview.batches["batch"]):
            raise ConfigError(f"'{batch}' is not a batch of {version.label}; `modelops batches {version.name}` "
                              "lists them.")
        if batch is None:
            raise ConfigError(f"{version.label} has no scored batch yet: nothing to report.")
        path = write_report(store, overview, batch, args.html)
        if not args.json:
            print(f"HTML report of batch {batch}: {path}")
    if args.json:
        print(json.dumps(overview.to_dict(), ensure_ascii=False))
        return 0
    h = overview.headline()
    print(f"{version.label} ({version.task}, target '{version.target}')")
    print(f"  batches: {h['batches']}, rows scored: {h['rows_scored']}, alerts: {h['alerts']} "
          f"({h['critical_alerts']} critical)")
    if h["latest_performance"] is not None:
        print(f"  latest {h['main_metric']}: {h['latest_performance']:.4f} (holdout {h['holdout_performance']:.4f})")
    for _, r in overview.batches.iterrows():
        share = "-" if r["drift_share"] is None else f"{r['drift_share']:.0%}"
        print(f"  {r['batch']}  {str(r['scored_at'])[:10]}  {str(r['source'] or '')[:28]:<28} {r['rows']:>7} rows  drifted features {r['drifted_features']}/{r['features_tested']}"
              f" ({share}){'  DATASET DRIFT' if r['dataset_drift'] else ''}"
              f"{'  prediction drift' if r['prediction_drifted'] else ''}")
    for a in overview.alerts:
        print(f"  [{a['severity']}] {a['batch_id']}: {a['message']}")
    for n in overview.notes:
        print(f"note: {n}")
    return 0


def cmd_demo(args) -> int:
    from core.demo import seed_demo
    from core.store import Store

    versions = seed_demo(Store(args.home))
    names = ", ".join(v.label for v in versions)
    print(f"Demo ready: {names}. Try `modelops monitor {versions[0].name}` or the Monitor page.")
    return 0


def cmd_profile(args) -> int:
    from core.artifact import to_jsonable
    from core.io import load_csv
    from core.profile import profile_frame

    loaded = load_csv(args.data, encoding=args.encoding)
    prof = profile_frame(loaded.frame, args.target)
    if args.json:
        print(json.dumps(to_jsonable({"load_report": loaded.report.to_dict(),
                                      "columns": prof.to_frame().to_dict(orient="records"),
                                      "task": prof.task.__dict__ if prof.task else None,
                                      "warnings": prof.warnings}), ensure_ascii=False))
        return 0
    _print_load_report(loaded.report.to_dict())
    print(prof.to_frame()[["name", "kind", "missing", "distinct", "role", "reason"]].to_string(index=False))
    if prof.task:
        print(f"Task: {prof.task.task} ({prof.task.reason})")
    for w in prof.warnings:
        print(f"warning: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
