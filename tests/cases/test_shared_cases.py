"""Every real-world case in ../shared/cases, checked as its case.md says, through CLI and core."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from core.artifact import load_artifact, read_metadata
from core.errors import EmptyFileError, EncodingError
from core.io import load_csv
from core.profile import profile_frame
from core.scoring import score_batch
from tests.conftest import ROOT


def cli(*args, home):
    env = {**os.environ, "MODELOPS_HOME": str(home), "MODELOPS_N_JOBS": "2"}
    p = subprocess.run([sys.executable, "-m", "core", *map(str, args)], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=600)
    assert "Traceback" not in p.stdout + p.stderr
    return p


def train_json(path, target, model, home, *extra):
    p = cli("train", path, "--target", target, "--task", "classification", "--out", model, "--json", *extra, home=home)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_01_gbk_chinese_csv(cases_dir, tmp_path, isolated_home):
    d = cases_dir / "01-gbk-chinese-csv"
    t = load_csv(d / "train.csv")
    assert t.report.encoding == "gb18030" and any("gb18030" in w for w in t.report.warnings)
    assert list(t.frame.columns) == ["客户编号", "城市", "性别", "年龄", "月消费", "合约类型", "是否流失"]
    assert t.frame["城市"].value_counts().to_dict() == {"广州": 15, "上海": 13, "北京": 11, "成都": 11, "深圳": 10}
    assert t.frame["是否流失"].value_counts().to_dict() == {"否": 44, "是": 16}
    assert t.frame.iloc[0].tolist() == ["K00001", "广州", "女", 25, 217.0, "两年", "否"]
    prof = profile_frame(t.frame, "是否流失")
    assert prof.column("客户编号").kind == "id" and prof.column("客户编号").role == "drop"
    model = tmp_path / "m.joblib"
    s = train_json(d / "train.csv", "是否流失", model, isolated_home)
    assert "客户编号" not in s["features"] and s["load_report"]["encoding"] == "gb18030"
    out = tmp_path / "p.csv"
    p = cli("predict", model, d / "batch.csv", "--out", out, home=isolated_home)
    assert p.returncode == 0, p.stderr
    preds = pd.read_csv(out, encoding="utf-8-sig")
    assert preds["客户编号"].tolist() == [f"K{i:05d}" for i in range(901, 909)]
    assert set(preds["prediction"]) <= {"是", "否"} and "城市" in preds.columns
    with pytest.raises(EncodingError, match="gb.csv.*tried"):
        load_csv(b"a,b\n" + bytes([0x81, 0x30, 0xFF, 0xFE]) * 30, name="gb.csv")


def test_03_excel_bom_multiline(cases_dir, tmp_path, isolated_home):
    d = cases_dir / "03-excel-bom-multiline"
    t = load_csv(d / "train.csv")
    assert t.frame.columns[0] == "Churn" and len(t.frame) == 40
    note = t.frame.set_index("account").loc["A0001", "support_notes"]
    assert "Called twice about billing." in note and "\n" in note
    prof = profile_frame(t.frame, "Churn")
    assert prof.column("support_notes").kind == "text" and prof.column("support_notes").role == "drop"
    s = train_json(d / "train.csv", "Churn", tmp_path / "m.joblib", isolated_home)
    assert s["rows_used"] == 40 and "support_notes" in s["dropped_columns"]
    assert "free text" in s["dropped_columns"]["support_notes"]
    assert not any(f.startswith("support_notes") for f in s["selected_features"])


def test_05_duplicate_headers_and_empty_files(cases_dir, tmp_path, isolated_home):
    d = cases_dir / "05-duplicate-headers-empty-files"
    t = load_csv(d / "train_duplicate_headers.csv")
    assert list(t.frame.columns) == ["order_id", "region", "amount", "discount", "amount_2", "returned"]
    assert any("'amount'" in w and "3, 5" in w for w in t.report.warnings)
    model = tmp_path / "m.joblib"
    s = train_json(d / "train_duplicate_headers.csv", "returned", model, isolated_home)
    assert {"amount", "amount_2"} <= set(s["features"])
    meta = read_metadata(model)
    assert {"amount", "amount_2"} <= {f["name"] for f in meta["features"]}
    p = cli("predict", model, d / "train_duplicate_headers.csv", "--out", tmp_path / "p.csv", home=isolated_home)
    assert p.returncode == 0, p.stderr
    for name, message in (("empty.csv", "empty.csv is empty"), ("header_only.csv", "6 columns but 0 data rows")):
        with pytest.raises(EmptyFileError, match=message):
            load_csv(d / name)
        out = tmp_path / f"{name}.joblib"
        p = cli("train", d / name, "--target", "returned", "--out", out, home=isolated_home)
        assert p.returncode == 2 and message in p.stderr and len(p.stderr.strip().splitlines()) == 1
        assert not out.exists()


def test_07_target_missing_leaves_single_class(cases_dir, tmp_path, isolated_home):
    d = cases_dir / "07-target-nan-single-class"
    out = tmp_path / "m.joblib"
    p = cli("train", d / "train.csv", "--target", "approved", "--task", "classification", "--out", out, home=isolated_home)
    assert p.returncode == 2
    assert "missing in 12 of 36 rows" in p.stderr and "24 remaining rows" in p.stderr
    assert "one value ('yes')" in p.stderr and "choose another target" in p.stderr
    assert "nan" not in p.stderr.lower().replace("cannot", "")
    assert not out.exists()


def test_09_infinite_values(cases_dir, tmp_path, isolated_home):
    d = cases_dir / "09-infinite-values"
    frame = load_csv(d / "train.csv").frame
    prof = profile_frame(frame, "label")
    assert prof.column("bytes_per_s").infinite == 6 and prof.column("packets_per_s").infinite == 6
    text = " ".join(prof.warnings)
    assert all(f in text for f in ("F005", "F014", "F023", "F032", "F041", "F050"))
    model = tmp_path / "m.joblib"
    s = train_json(d / "train.csv", "label", model, isolated_home)
    assert s["rows_used"] == 50 and any("infinite" in n for n in s["notes"])
    batch = frame.drop(columns="label").head(3).copy()
    batch.loc[0, "bytes_per_s"] = np.inf
    batch.loc[1, "bytes_per_s"] = np.nan
    scored = score_batch(load_artifact(model), batch)
    assert len(scored.frame) == 3 and "bytes_per_s=inf" in scored.frame["scoring_flags"].iloc[0]
    problems = {i["problem"]: i["rows"] for i in scored.check.issues if i["column"] == "bytes_per_s"}
    assert problems == {"infinite": 1, "missing": 1}


def test_11_chi2_negative_values(cases_dir, tmp_path, isolated_home):
    d = cases_dir / "11-chi2-negative-values"
    s = train_json(d / "train.csv", "defaulted", tmp_path / "a.joblib", isolated_home,
                   "--k-features", "3", "--score-func", "chi2")
    assert len(s["selected_features"]) == 3
    chi = [n for n in s["notes"] if "chi²" in n]
    assert chi and "balance_change" in chi[0] and "score_delta" in chi[0]
    model = tmp_path / "b.joblib"
    s = train_json(d / "train_nonnegative.csv", "defaulted", model, isolated_home, "--k-features", "2",
                   "--score-func", "chi2")
    assert sorted(s["selected_features"]) == ["late_payments", "months_since_review"]
    assert sorted(read_metadata(model)["selected_features"]) == ["late_payments", "months_since_review"]


def test_13_unseen_categories(cases_dir, tmp_path, isolated_home):
    d = cases_dir / "13-unseen-categories"
    model = tmp_path / "m.joblib"
    s = train_json(d / "train.csv", "defaulted", model, isolated_home, "--search", "grid", "--cv", "5")
    for row in s["leaderboard"]:
        assert row["failed"] == 0 and row["cv_mean"] is not None
    out = tmp_path / "p.csv"
    p = cli("predict", model, d / "batch.csv", "--out", out, home=isolated_home)
    assert p.returncode == 0, p.stderr
    assert "wedding (2 rows)" in p.stdout and "OTHER (1 row" in p.stdout
    preds = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert preds["loan_id"].tolist() == [f"N500{i}" for i in range(1, 8)]
    flags = dict(zip(preds["loan_id"], preds["scoring_flags"]))
    assert "purpose=wedding" in flags["N5002"] and "purpose=wedding" in flags["N5005"]
    assert "home_ownership=OTHER" in flags["N5004"] and "purpose missing" in flags["N5007"]


def test_15_model_version_mismatch(cases_dir, tmp_path, isolated_home):
    d = cases_dir / "15-model-version-mismatch"
    p = cli("predict", d / "model_saved_with_sklearn_1.0.2.joblib", d / "batch.csv", "--out", tmp_path / "a.csv",
            home=isolated_home)
    assert p.returncode == 2 and "1.0.2" in p.stderr and "not a ModelOps Studio artifact" in p.stderr
    p = cli("predict", d / "model_saved_with_sklearn_1.0.2.joblib", d / "batch.csv", "--out", tmp_path / "a.csv",
            "--trust", home=isolated_home)
    assert p.returncode == 0 and "1.0.2" in p.stderr and "Retrain" in p.stderr
    for trust in ([], ["--trust"]):
        p = cli("predict", d / "model_saved_with_sklearn_externals_joblib.joblib", d / "batch.csv", *trust,
                home=isolated_home)
        assert p.returncode == 2 and "externals" in p.stderr and "Retrain" in p.stderr
    model = tmp_path / "own.joblib"
    train_json(d / "train.csv", "result", model, isolated_home)
    meta = read_metadata(model)
    assert {"python", "scikit-learn", "modelops-studio"} <= set(meta["versions"])
    assert meta["classes"] == ["fail", "pass"]
    assert {f["name"]: f["dtype"] for f in meta["features"]} == {"load_kg": "float64", "cycle_hours": "float64",
                                                                 "batch_code": "str"}
