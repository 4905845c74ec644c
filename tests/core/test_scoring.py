import numpy as np
import pandas as pd
import pytest

from core.artifact import build_metadata, load_artifact, save_artifact
from core.errors import SchemaMismatchError
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
