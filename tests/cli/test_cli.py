"""The modelops command, run as a user runs it: in a subprocess, reading exit codes and output."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLE_DATA


def run(*args, home):
    env = {**os.environ, "MODELOPS_HOME": str(home), "MODELOPS_N_JOBS": "2"}
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


@pytest.mark.slow
def test_train_credit_sample_with_defaults_beats_baseline_then_predict(tmp_path, isolated_home):
    model = tmp_path / "credit.joblib"
    p = run("train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--out", model, "--json",
            home=isolated_home)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["task"] == "classification" and s["rows_used"] == 7000 and s["rows_dropped"] == {}
    assert s["holdout"]["balanced_accuracy"] > s["baseline_holdout"]["balanced_accuracy"] + 0.2
    assert "customer_id" in s["dropped_columns"] and s["artifact"] == str(model)
    assert {"task", "rows_used", "rows_dropped", "best_model", "best_params", "cv_score", "holdout", "artifact"} <= set(s)
    out = tmp_path / "preds.csv"
    p = run("predict", model, SAMPLE_DATA / "credit_batch_drift.csv", "--out", out, home=isolated_home)
    assert p.returncode == 0, p.stderr
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1001
    assert lines[0].startswith("prediction_id,customer_id,student,balance,income,prediction,probability_No")
    assert "Logged as batch" in p.stdout


def test_text_output_shows_load_report_leaderboard_and_holdout(tmp_path, isolated_home):
    p = run("train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--models", "logreg",
            "--cv", "3", "--out", tmp_path / "m.joblib", home=isolated_home)
    assert p.returncode == 0, p.stderr
    for text in ("encoding utf-8", "Planned: 53 fits, estimated", "Leaderboard", "logistic_regression", "dummy", "Holdout metrics", "Saved artifact"):
        assert text in p.stdout


def test_regression_sample_flags_leaks(tmp_path, isolated_home):
    p = run("train", SAMPLE_DATA / "bikeshare.csv", "--target", "bikers", "--models", "ridge", "--cv", "3",
            "--out", tmp_path / "b.joblib", "--json", home=isolated_home)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["task"] == "regression" and {"casual", "registered"} <= set(s["dropped_columns"])


@pytest.mark.parametrize("args,message", [
    (["train", "nope.csv", "--target", "y"], "does not exist"),
    (["train", SAMPLE_DATA / "credit_default.csv", "--target", "Default"], "Did you mean 'default'"),
    (["train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--models", "xgb"], "Unknown model 'xgb'"),
    (["train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--k-features", "many"], "whole number"),
    (["train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--test-size", "1.5"], "Test size"),
    (["predict", "missing.joblib", SAMPLE_DATA / "credit_batch.csv"], "does not exist"),
])
def test_user_errors_exit_2_with_one_line_and_no_traceback(args, message, isolated_home):
    p = run(*args, home=isolated_home)
    assert p.returncode == 2
    assert message in p.stderr and "Traceback" not in p.stderr + p.stdout
    assert len(p.stderr.strip().splitlines()) == 1


def test_predict_with_missing_column_exits_2_naming_it(tmp_path, isolated_home):
    model = tmp_path / "m.joblib"
    assert run("train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--models", "logreg", "--cv", "3",
               "--out", model, home=isolated_home).returncode == 0
    batch = tmp_path / "b.csv"
    batch.write_text("customer_id,student,income\nX1,No,100\n")
    p = run("predict", model, batch, home=isolated_home)
    assert p.returncode == 2 and "balance" in p.stderr


def test_python_m_core_and_console_script_agree():
    import shutil

    exe = shutil.which("modelops")
    if exe is None:
        pytest.skip("modelops console script not installed")
    p = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "train" in p.stdout


def test_score_label_and_monitor_a_model_through_the_cli(tmp_path, isolated_home):
    """The weekly loop: two batches scored and logged, labels for one, then model health."""
    model = tmp_path / "m.joblib"
    assert run("train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--models", "logreg", "--cv", "3",
               "--name", "credit", "--out", model, home=isolated_home).returncode == 0
    ids = []
    for batch in ("credit_batch.csv", "credit_batch_drift.csv"):
        p = run("predict", model, SAMPLE_DATA / batch, "--out", tmp_path / f"p-{batch}", "--json", home=isolated_home)
        assert p.returncode == 0, p.stderr
        s = json.loads(p.stdout)
        assert s["model"] == "credit v1" and s["batch_id"]
        ids.append(s["batch_id"])
    p = run("labels", ids[1], SAMPLE_DATA / "credit_batch_drift_labels.csv", "--json", home=isolated_home)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["matched"] == 1000
    report = tmp_path / "health.html"
    p = run("monitor", "credit", "--json", "--html", report, home=isolated_home)
    assert p.returncode == 0, p.stderr
    m = json.loads(p.stdout)
    assert [b["batch"] for b in m["batches"]] == ids and m["headline"]["rows_scored"] == 2000
    drifted = {(r["batch"], r["column"]) for r in m["feature_drift"] if r["drifted"]}
    assert (ids[1], "student") in drifted and (ids[0], "student") not in drifted  # the drift batch has 51 % students
    perf = [r for r in m["performance"] if r["metric"] == "balanced_accuracy"]
    assert [r["batch"] for r in perf] == [ids[1]] and 0.5 < perf[0]["value"] <= 1
    text = report.read_text(encoding="utf-8")
    assert "<html>" in text and "plotly" in text and ids[1] in text and "<script src=" not in text
    p = run("monitor", "credit", "--test", "wasserstein", "--test", "student=nope", home=isolated_home)
    assert p.returncode == 2 and "nope" in p.stderr


def test_labels_for_an_unknown_batch_exit_2(tmp_path, isolated_home):
    p = run("labels", "b-missing", SAMPLE_DATA / "credit_batch_labels.csv", home=isolated_home)
    assert p.returncode == 2 and "No scored batch with id 'b-missing'" in p.stderr


def test_an_output_folder_is_refused_before_training(tmp_path, isolated_home):
    p = run("train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--out", tmp_path, home=isolated_home)
    assert p.returncode == 2 and "is a folder" in p.stderr and "training" not in p.stderr


def test_a_trusted_foreign_model_that_cannot_score_a_batch_exits_2(tmp_path, isolated_home):
    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [1.0, 0, 1, 0]})
    model = tmp_path / "plain.joblib"
    joblib.dump(LogisticRegression().fit(X, [0, 1, 0, 1]), model)
    batch = tmp_path / "b.csv"
    batch.write_text("a,b\n1,inf\n2,lots\n")
    p = run("predict", model, batch, "--trust", home=isolated_home)
    assert p.returncode == 2 and "could not score b.csv" in p.stderr and "Traceback" not in p.stderr


def test_a_model_trained_in_one_folder_predicts_from_another(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MODELOPS_HOME"}
    env.update(HOME=str(tmp_path / "user"), MODELOPS_N_JOBS="2")
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()

    def go(cwd, *args):
        return subprocess.run([sys.executable, "-m", "core", *map(str, args)], capture_output=True, text=True,
                              env={**env, "PYTHONPATH": str(ROOT)}, cwd=cwd, timeout=600)

    assert go(a, "train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--models", "logreg", "--cv", "3",
              "--out", "m.joblib").returncode == 0
    p = go(b, "predict", a / "m.joblib", SAMPLE_DATA / "credit_batch.csv", "--out", "p.csv")
    assert p.returncode == 0, p.stderr


def test_a_store_folder_that_is_a_file_exits_2(tmp_path):
    home = tmp_path / "not-a-folder"
    home.write_text("x")
    for args in (["models"], ["batches", "credit"], ["monitor", "credit"]):
        p = run(*args, home=home)
        assert p.returncode == 2 and "is a file" in p.stderr, (args, p.stderr)


def test_monitor_names_an_unknown_batch_and_an_html_folder(tmp_path, isolated_home):
    assert run("demo", home=isolated_home).returncode == 0
    p = run("monitor", "credit-demo", "--batch", "b-nope", home=isolated_home)
    assert p.returncode == 2 and "'b-nope' is not a batch of credit-demo v1" in p.stderr
    p = run("monitor", "credit-demo", "--html", tmp_path, home=isolated_home)
    assert p.returncode == 2 and "is a folder" in p.stderr
    p = run("monitor", "credit-demo", "--test", "balance=chisquare", home=isolated_home)
    assert p.returncode == 2 and "'balance' is a measurement" in p.stderr


def test_a_bug_exits_1_with_one_line_and_an_id_and_logs_the_traceback(monkeypatch, capsys, isolated_home):
    import core.profile
    from core.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("profile exploded")

    monkeypatch.setattr(core.profile, "profile_frame", broken)
    code = main(["profile", str(SAMPLE_DATA / "credit_default.csv")])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    error_id = err.split("internal error ")[1][:8]
    log = (isolated_home / "logs" / "errors.log").read_text()
    assert f"error {error_id}" in log and "RuntimeError: profile exploded" in log and "Traceback" in log


def test_predict_refuses_to_write_over_its_input_file(tmp_path, isolated_home):
    model = tmp_path / "m.joblib"
    assert run("train", SAMPLE_DATA / "credit_default.csv", "--target", "default", "--models", "logreg", "--cv", "3",
               "--out", model, home=isolated_home).returncode == 0
    batch = tmp_path / "b.csv"
    batch.write_bytes((SAMPLE_DATA / "credit_default.csv").read_bytes())
    before = batch.read_bytes()
    for out in (batch, tmp_path / "." / "b.csv", model):
        p = run("predict", model, batch, "--out", out, home=isolated_home)
        assert p.returncode == 2 and "is the input file" in p.stderr, p.stderr
    assert batch.read_bytes() == before


def test_train_refuses_an_output_that_is_its_data_file(tmp_path, isolated_home):
    data = tmp_path / "d.csv"
    data.write_bytes((SAMPLE_DATA / "credit_default.csv").read_bytes())
    p = run("train", data, "--target", "default", "--out", data, home=isolated_home)
    assert p.returncode == 2 and "is the input file" in p.stderr


def test_register_refuses_a_foreign_model_without_offering_a_flag_it_lacks(tmp_path, isolated_home):
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "bare.joblib"
    joblib.dump(LogisticRegression().fit(np.eye(4), [0, 1, 0, 1]), path)
    p = run("register", path, home=isolated_home)
    assert p.returncode == 2 and "only models signed by this installation" in p.stderr
    assert "predict MODEL BATCH --trust" in p.stderr
