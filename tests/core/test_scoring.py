import warnings

import numpy as np
import pandas as pd
import pytest

from core.artifact import build_metadata, load_artifact, save_artifact
from core.errors import ArtifactError, SchemaMismatchError
from core.evaluate import evaluate_training
from core.export import csv_bytes, neutralise_formulas
from core.scoring import score_batch
from core.train import SearchConfig, train


@pytest.fixture
def artifact(loans, tmp_path):
    r = train(loans, "default", search=SearchConfig(models=["logistic_regression"], cv=3, n_jobs=1))
    path = save_artifact(tmp_path / "m.joblib", r.best.pipeline, build_metadata(r, evaluate_training(r)))
    return load_artifact(path)


def test_batch_keeps_rows_order_and_ids_and_flags_surprises(artifact, loans):
    batch = loans.drop(columns="default").head(6).copy()
    batch.loc[1, "purpose"] = "wedding"
    batch.loc[2, "income"] = np.inf
    batch.loc[3, "amount"] = 10 ** 9
    batch.loc[4, "region"] = None
    batch["extra"] = 1
    scored = score_batch(artifact, batch)
    out = scored.frame
    assert list(out["loan_id"]) == list(batch["loan_id"])
    assert {"prediction", "probability_no", "probability_yes", "scoring_flags"} <= set(out.columns)
    flags = out["scoring_flags"].tolist()
    assert "purpose=wedding (unseen)" in flags[1]
    assert "income=inf" in flags[2] and "amount out of training range" in flags[3]
    assert "region missing" in flags[4] and flags[0] == ""
    problems = {(i["column"], i["problem"]) for i in scored.check.issues}
    assert ("purpose", "unseen category") in problems and ("income", "infinite") in problems
    assert scored.check.extra_columns == ["loan_id", "extra"]


def test_missing_columns_stop_the_batch_naming_them(artifact, loans):
    with pytest.raises(SchemaMismatchError, match="income, amount"):
        score_batch(artifact, loans.drop(columns=["income", "amount"]))


def test_formula_cells_are_neutralised_but_numbers_kept():
    df = pd.DataFrame({"t": ["=cmd()", "+1", "ok", "@x"], "n": [-1, 2, 3, 4]})
    out = neutralise_formulas(df)
    assert out["t"].tolist() == ["'=cmd()", "'+1", "ok", "'@x"] and out["n"].tolist() == [-1, 2, 3, 4]
    assert csv_bytes(df).startswith(b"\xef\xbb\xbf")


def test_repeated_ids_in_a_batch_are_reported_and_flagged(artifact, loans):
    batch = loans.drop(columns="default").head(5).copy()
    batch.loc[3, "loan_id"] = batch.loc[1, "loan_id"]
    scored = score_batch(artifact, batch)
    issue = next(i for i in scored.check.issues if i["problem"] == "duplicate id")
    assert issue["column"] == "loan_id" and issue["rows"] == 2 and issue["examples"] == ["L0001"]
    assert "loan_id duplicated" in scored.frame.loc[3, "scoring_flags"]
    assert scored.frame.loc[0, "scoring_flags"] == ""


@pytest.mark.parametrize("model", ["logistic_regression", "random_forest"])
def test_one_pass_through_the_pipeline_gives_its_own_predict_and_predict_proba(loans, tmp_path, model):
    r = train(loans, "default", search=SearchConfig(models=[model], cv=3, n_jobs=1))
    path = save_artifact(tmp_path / "m.joblib", r.best.pipeline, build_metadata(r, evaluate_training(r)))
    art = load_artifact(path)
    batch = loans.drop(columns="default")
    batch.loc[3, "purpose"] = "wedding"
    scored = score_batch(art, batch)
    X = batch[[f["name"] for f in art.metadata["features"]]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unseen purpose
        pred, proba = art.pipeline.predict(X), art.pipeline.predict_proba(X)
    assert scored.frame["prediction"].tolist() == pred.tolist()
    assert np.array_equal(scored.frame[scored.probability_columns].to_numpy(), proba)


def test_text_columns_are_checked_alike_whatever_their_dtype(artifact, loans):
    batch = loans.drop(columns="default").head(12).copy()
    batch["purpose"] = ["car", " car ", "", "  ", None, "wedding", "wedding", "home", "medical", "car", "x", "home"]
    as_str = batch.assign(purpose=batch["purpose"].astype("str"))
    as_objects = batch.assign(purpose=batch["purpose"].astype(object))
    mixed = batch.assign(purpose=pd.Series([*batch["purpose"][:11], 7], index=batch.index, dtype=object))
    a, b, c = (score_batch(artifact, f).check for f in (as_str, as_objects, mixed))
    assert a.issues == b.issues and a.row_flags.tolist() == b.row_flags.tolist()
    assert a.row_flags[5] == "purpose=wedding (unseen)" and "purpose missing" in a.row_flags[2]
    assert " car " not in str(a.issues)  # stripped before comparing, as in training
    assert c.row_flags.tolist()[:11] == a.row_flags.tolist()[:11] and c.row_flags[11] == "purpose=7 (unseen)"


def test_a_registered_model_is_unpickled_once_until_its_file_changes(isolated_home, loan_model, monkeypatch):
    import core.scoring as scoring
    from core import store as st

    store = st.Store(isolated_home)
    version = store.register_model(loan_model)
    loads = []
    real = scoring.load_artifact
    monkeypatch.setattr(scoring, "load_artifact", lambda *a, **k: loads.append(1) or real(*a, **k))
    first = scoring.registered_artifact(store, version)
    assert scoring.registered_artifact(store, version) is first and len(loads) == 1
    raw = bytearray(open(version.artifact_path, "rb").read())
    raw[100] ^= 0xFF
    with open(version.artifact_path, "wb") as fh:  # tampered in place: checked again, and refused
        fh.write(bytes(raw + b" "))
    with pytest.raises(ArtifactError, match="damaged"):
        scoring.registered_artifact(store, version)
    store.close()


def test_values_that_are_not_dates_are_flagged_in_a_date_column(tmp_path):
    import numpy as np

    from core.artifact import build_metadata, load_artifact, save_artifact
    from core.evaluate import evaluate_training
    from core.scoring import score_batch
    from core.train import SearchConfig, train

    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"signup": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                          "amount": rng.normal(size=n)})
    frame["churn"] = np.where(frame["amount"] + rng.normal(0, 0.5, n) > 0, "yes", "no")
    result = train(frame, "churn", search=SearchConfig(models=["logistic_regression"], cv=3, n_jobs=1))
    assert "signup" in result.plan.datetime
    art = load_artifact(save_artifact(tmp_path / "m.joblib", result.best.pipeline,
                                      build_metadata(result, evaluate_training(result))))
    batch = pd.DataFrame({"signup": ["2021-03-01", "not a date", "2021-13-01", ""], "amount": [0.1, 0.2, 0.3, 0.4]})
    scored = score_batch(art, batch)
    flags = scored.frame[scored.flags_column].tolist()
    assert flags[0] == "" and "signup not a date" in flags[1] and "signup not a date" in flags[2]
    assert "signup missing" in flags[3] and "not a date" not in flags[3]
    assert any(i["problem"] == "not a date" and i["rows"] == 2 for i in scored.check.issues)
