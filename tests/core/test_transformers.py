import numpy as np
import pandas as pd
from sklearn.utils.estimator_checks import parametrize_with_checks

from core.transformers import ColumnCaster, DatetimeParts, OutlierClipper, category_strings


@parametrize_with_checks([OutlierClipper(), OutlierClipper(method="quantile")])
def test_outlier_clipper_follows_sklearn_conventions(estimator, check):
    check(estimator)


def test_clipper_learns_bounds_on_fit_data_only():
    train = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    clip = OutlierClipper().fit(train)
    q1, q3 = 2.0, 4.0
    assert clip.upper_[0] == q3 + 1.5 * (q3 - q1)
    assert clip.transform(np.array([[1000.0]]))[0, 0] == clip.upper_[0]


def test_caster_turns_inf_and_junk_into_missing_and_normalises_categories():
    X = pd.DataFrame({"n": ["1", "inf", "x", "-Infinity"], "c": [1.0, 2.0, np.nan, 1.0]})
    out = ColumnCaster(numeric=("n",), categorical=("c",)).fit(X).transform(X)
    assert out["n"].iloc[0] == 1.0 and out["n"].iloc[1:].isna().all()
    assert out["c"].tolist()[:2] == ["1", "2"] and pd.isna(out["c"].iloc[2])


def test_category_strings_agree_across_int_float_and_text():
    assert category_strings(pd.Series([1, 2])).tolist() == category_strings(pd.Series(["1", " 2 "])).tolist()


def test_datetime_parts_names_and_values():
    X = pd.DataFrame({"d": pd.to_datetime(["2024-01-31 10:00", "2024-02-01 00:00"])})
    t = DatetimeParts().fit(X)
    assert list(t.get_feature_names_out()) == ["d_year", "d_month", "d_day", "d_weekday", "d_hour"]
    assert t.transform(X)[0].tolist() == [2024, 1, 31, 2, 10]
