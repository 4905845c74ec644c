import numpy as np
import pandas as pd
import pytest

from core.errors import TargetError
from core.profile import find_column, infer_task, profile_frame


def test_kinds_and_roles(loans):
    loans["const"] = 1
    loans["empty"] = np.nan
    loans["notes"] = [f"customer called about item {i} twice" for i in range(len(loans))]
    loans["flag"] = np.where(loans.index % 2, "Yes", "No")
    p = profile_frame(loans, "default")
    kinds = {c.name: c.kind for c in p.columns}
    assert kinds == {"loan_id": "id", "income": "numeric", "amount": "numeric", "purpose": "categorical",
                     "region": "categorical", "years_employed": "numeric", "default": "boolean",
                     "const": "constant", "empty": "empty", "notes": "text", "flag": "boolean"}
    drops = p.suggested_drops
    assert set(drops) == {"loan_id", "const", "empty", "notes"}
    assert "identifier" in drops["loan_id"] and "missing" in drops["empty"]
    assert p.column("years_employed").missing == 20
    assert p.column("default").role == "target"


def test_target_copy_and_sum_are_flagged_as_leaks(demand):
    demand["units_copy"] = demand["units"]
    demand["part_a"] = demand["units"] * 0.3
    p = profile_frame(demand, "units")
    assert p.column("units_copy").role == "drop" and "leak" in p.column("units_copy").reason
    assert p.column("part_a").role == "drop"
    assert p.column("temp").role == "feature"


def test_sum_of_features_leak():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 100, 300), rng.integers(0, 300, 300)
    df = pd.DataFrame({"casual": a, "registered": b, "temp": rng.random(300), "total": a + b})
    p = profile_frame(df, "total")
    assert {c.name for c in p.columns if "adds up" in c.reason} == {"casual", "registered"}


def test_mixed_numeric_column_counts_junk_and_infinities():
    s = [str(v) for v in np.random.default_rng(0).normal(size=50).round(2)] + ["n/a?", "inf"]
    p = profile_frame(pd.DataFrame({"x": s}))
    c = p.column("x")
    assert c.kind == "numeric" and c.non_numeric == 1 and c.infinite == 1
    assert any("not" in w and "'x'" in w for w in p.warnings)


def test_task_inference_with_reasons():
    assert infer_task(pd.Series(np.linspace(0, 1, 100), name="y")).task == "regression"
    g = infer_task(pd.Series([0, 1, 2] * 30, name="y"))
    assert g.task == "classification" and "3 distinct whole numbers" in g.reason
    assert infer_task(pd.Series(["a", "b"] * 5, name="y")).classes == ["a", "b"]


def test_unknown_target_suggests_case_fix():
    df = pd.DataFrame({"Default": [1, 2]})
    with pytest.raises(TargetError, match="Did you mean 'Default'"):
        find_column(df, "default")
