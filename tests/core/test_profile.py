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


def test_distinct_and_examples_count_values_as_written():
    # 0.0 and -0.0 are one number but two written values; examples keep the order of appearance
    # even when the third different value only comes after the first thousand rows.
    x = pd.Series([0.0] * 1500 + [-0.0, 2.5, 0.0])
    c = profile_frame(pd.DataFrame({"x": x})).column("x")
    assert c.distinct == 3 and c.examples == ["0.0", "-0.0", "2.5"]
    words = pd.Series(["a"] * 1500 + ["b"] * 10 + ["c"], dtype="str")
    w = profile_frame(pd.DataFrame({"w": words})).column("w")
    assert w.distinct == 3 and w.examples == ["a", "b", "c"]


def test_yes_no_column_beyond_the_first_rows_is_boolean():
    s = pd.Series(["Yes"] * 2000 + ["No"], dtype="str")
    assert profile_frame(pd.DataFrame({"flag": s})).column("flag").kind == "boolean"


def test_words_column_is_not_numeric_and_late_junk_in_numbers_is_counted():
    rng = np.random.default_rng(1)
    words = pd.Series(rng.choice(["red", "green", "blue"], 5000), dtype="str")
    numbers = pd.Series([str(v) for v in rng.normal(size=4999).round(3)] + ["n/a?"], dtype="str")
    p = profile_frame(pd.DataFrame({"w": words, "n": numbers}))
    assert p.column("w").kind == "categorical"
    assert p.column("n").kind == "numeric" and p.column("n").non_numeric == 1
    assert p.column("n").examples[-1] == "n/a?"


def test_text_is_told_by_whitespace_of_any_kind():
    # Ideographic and no-break spaces separate words as Python's \s does.
    sentences = pd.Series([f"第{i}号\u3000客户\u3000来电\u3000投诉" for i in range(50)], dtype="str")
    nbsp = pd.Series([f"item\xa0{i % 5}\xa0was\xa0late" for i in range(50)], dtype="str")
    p = profile_frame(pd.DataFrame({"s": sentences, "t": nbsp}))
    assert p.column("s").kind == "text"
    assert p.column("t").kind == "text" and "sentences" in p.column("t").reason


def test_leak_purity_matches_the_crosstab_it_replaces():
    from core.profile import _purity, _text_codes

    rng = np.random.default_rng(4)
    for x in (pd.Series(rng.choice([0.0, -0.0, 1.5, np.nan], 300)),
              pd.Series(rng.choice(["a", "b", None], 300), dtype="str"),
              pd.Series(rng.choice([1, "1", None, 2.0], 300), dtype=object)):
        y = pd.Series(rng.choice(["yes", "no"], 300), dtype="str")
        expected = pd.crosstab(x.astype(str), y.astype(str)).max(axis=1).sum() / len(y)
        assert _purity(_text_codes(x), _text_codes(y), len(y)) == expected


def test_a_column_that_differs_from_the_target_only_late_is_not_a_copy():
    y = np.array(["yes", "no"] * 1500)
    almost = y.copy()
    almost[2500] = "maybe"
    df = pd.DataFrame({"target": y, "almost": almost, "copy": y, "x": np.arange(3000) % 7})
    p = profile_frame(df, "target")
    assert "copy of the target" in p.column("copy").reason
    assert "copy of the target" not in p.column("almost").reason


def test_infinite_target_values_neither_hide_a_leak_nor_print_numpy_warnings(recwarn):
    rng = np.random.default_rng(5)
    income = rng.uniform(1e4, 9e4, 200)
    df = pd.DataFrame({"age": rng.integers(18, 80, 200), "income": income, "y": income * 0.1})
    df.loc[[3, 7, 10], "y"] = [np.inf, -np.inf, np.inf]
    p = profile_frame(df, "y")
    assert "leak" in p.column("income").reason and p.column("age").role == "feature"
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    note = next(w for w in p.warnings if "'y'" in w)
    assert "left out of training" in note and "filled" not in note


def test_infinite_feature_values_do_not_hide_a_leak():
    rng = np.random.default_rng(6)
    y = rng.normal(size=200)
    df = pd.DataFrame({"copy": y * 3 + 1, "noise": rng.normal(size=200), "y": y})
    df.loc[5, "copy"] = np.inf
    p = profile_frame(df, "y")
    assert "leak" in p.column("copy").reason
    assert any("'copy'" in w and "filled" in w for w in p.warnings)


def test_currency_numbers_kept_as_text_are_not_called_identifiers():
    df = pd.DataFrame({"spend": [f"${i * 37 + 1000:,}" for i in range(50)],
                       "rate": [f"{i}.5%" for i in range(50)], "y": ["a", "b"] * 25})
    p = profile_frame(df, "y")
    for column in ("spend", "rate"):
        assert "identifier" not in p.column(column).reason
        assert "currency or percent signs" in p.column(column).reason


def test_default_target_skips_a_trailing_empty_or_constant_column():
    import pandas as pd

    from core.profile import default_target

    frame = pd.DataFrame({"age": [1, 2, 3], "churn": ["yes", "no", "yes"], "const": ["x", "x", "x"],
                          "column_7": [None, None, None]})
    assert default_target(frame) == "churn"
    assert default_target(frame[["age", "churn"]]) == "churn"
