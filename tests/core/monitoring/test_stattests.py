"""Every drift statistic equals scipy (or the textbook formula) computed directly on the same data."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from core.errors import ConfigError
from core.monitoring.stattests import REGISTRY, binned_shares, default_test, get_test, prepare

rng = np.random.default_rng(7)
REF = rng.normal(0, 1, 800)
CUR = rng.normal(0.3, 1.2, 600)
CAT_KEYS = ["a", "b", "c", "d", "e"]
CAT_REF = rng.choice(["a", "b", "c", "d"], 900, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
CAT_CUR = rng.choice(["a", "b", "c", "e"], 700, p=[0.3, 0.3, 0.3, 0.1]).astype(object)


def value_shares(sample, keys):
    return np.array([np.sum(sample == k) for k in keys]) / len(sample)


def sturges_shares(ref, cur):
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    return np.histogram(ref, edges)[0] / len(ref), np.histogram(cur, edges)[0] / len(cur)


def evidently_fill(p):
    low = p[p != 0].min()
    return np.where(p == 0, low / 1e6 if low <= 0.0001 else 0.0001, p)


def test_registry_holds_six_tests_with_evidentlys_thresholds():
    assert list(REGISTRY) == ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"]
    assert {n: (t.score_kind, t.default_threshold) for n, t in REGISTRY.items()} == {
        "ks": ("p_value", 0.05), "chisquare": ("p_value", 0.05), "z": ("p_value", 0.05),
        "wasserstein": ("distance", 0.1), "jensenshannon": ("distance", 0.1), "psi": ("distance", 0.1)}
    assert REGISTRY["ks"].kinds == REGISTRY["wasserstein"].kinds == frozenset({"numeric"})


def test_ks_is_scipys_two_sample_p_value():
    res = get_test("ks")(REF, CUR)
    assert res.score == pytest.approx(stats.ks_2samp(REF, CUR).pvalue, rel=1e-12)
    assert res.drifted and res.test == "ks" and res.score_kind == "p_value" and res.threshold == 0.05


def test_chisquare_compares_current_counts_with_reference_counts_scaled_to_the_current_size():
    ref, cur = CAT_REF[CAT_REF != "d"], CAT_CUR[CAT_CUR != "e"]  # both hold a, b, c only
    obs = [np.sum(cur == k) for k in "abc"]
    exp = [np.sum(ref == k) * len(cur) / len(ref) for k in "abc"]
    assert get_test("chisquare")(ref, cur).score == pytest.approx(stats.chisquare(obs, exp).pvalue, rel=1e-12)


def test_chisquare_on_numbers_counts_each_value():
    ref, cur = np.array([1.0, 1, 2, 2, 2, 3]), np.array([1.0, 2, 3, 3, 3, 3, 3, 2])
    exp = np.array([2, 3, 1]) * len(cur) / len(ref)
    assert get_test("chisquare")(ref, cur).score == pytest.approx(stats.chisquare([1, 2, 5], exp).pvalue, rel=1e-12)


def test_chisquare_with_a_value_only_in_current_is_certain_drift():
    res = get_test("chisquare")(CAT_REF, CAT_CUR)  # "e" never occurs in the reference
    assert res.score == 0.0 and res.drifted


def test_chisquare_on_one_value_in_both_samples_has_no_score():
    res = get_test("chisquare")(np.array(["x"] * 4, dtype=object), np.array(["x"] * 3, dtype=object))
    assert math.isnan(res.score) and not res.drifted


def test_z_test_of_two_proportions_codes_the_first_sorted_value_as_zero():
    ref = rng.choice(["yes", "no"], 500, p=[0.3, 0.7]).astype(object)
    cur = rng.choice(["yes", "no"], 400, p=[0.4, 0.6]).astype(object)
    p1, p2 = np.mean(ref != "no"), np.mean(cur != "no")
    pooled = (p1 * 500 + p2 * 400) / 900
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / 500 + 1 / 400))
    assert get_test("z")(ref, cur).score == pytest.approx(2 * (1 - stats.norm.cdf(abs(z))), rel=1e-12)


def test_z_test_of_one_shared_value_is_p_one():
    assert get_test("z")(np.zeros(5), np.zeros(3)).score == 1.0


def test_wasserstein_is_normed_by_the_reference_population_std():
    res = get_test("wasserstein")(REF, CUR)
    assert res.score == pytest.approx(stats.wasserstein_distance(REF, CUR) / np.std(REF), rel=1e-12)
    assert res.drifted and res.score_kind == "distance" and res.threshold == 0.1


def test_wasserstein_with_many_ties_equals_scipy():
    ref, cur = np.round(REF, 1), np.round(CUR, 1)
    expected = stats.wasserstein_distance(ref, cur) / np.std(ref)
    assert get_test("wasserstein")(ref, cur).score == pytest.approx(expected, rel=1e-12)


def test_wasserstein_of_large_samples_of_different_sizes_with_ties_equals_scipy():
    big = np.random.default_rng(3)
    ref, cur = np.round(big.normal(0, 1, 40_000), 2), np.round(big.normal(0.2, 1.3, 23_457), 2)
    expected = stats.wasserstein_distance(ref, cur) / np.std(ref)
    assert get_test("wasserstein")(ref, cur).score == pytest.approx(expected, rel=1e-12)


def test_wasserstein_of_a_constant_reference_divides_by_the_floor():
    assert get_test("wasserstein")(np.zeros(50), np.ones(20)).score == pytest.approx(1 / 0.001, rel=1e-12)


def test_jensenshannon_on_sturges_bins_of_both_samples():
    r, c = sturges_shares(REF, CUR)
    assert get_test("jensenshannon")(REF, CUR).score == pytest.approx(distance.jensenshannon(r, c), rel=1e-12)


def test_jensenshannon_on_categories_uses_the_share_of_every_value():
    r, c = value_shares(CAT_REF, CAT_KEYS), value_shares(CAT_CUR, CAT_KEYS)
    got = get_test("jensenshannon")(CAT_REF, CAT_CUR).score
    assert got == pytest.approx(distance.jensenshannon(r, c), rel=1e-12)


def test_jensenshannon_on_numbers_with_at_most_20_reference_values_uses_values_not_bins():
    ref, cur = rng.integers(0, 20, 3000).astype(float), rng.integers(0, 25, 2000).astype(float)
    keys = np.arange(25.0)
    r, c = value_shares(ref, keys), value_shares(cur, keys)
    assert get_test("jensenshannon")(ref, cur).score == pytest.approx(distance.jensenshannon(r, c), rel=1e-12)


def test_psi_on_numbers_fills_empty_bins_then_sums_the_textbook_formula():
    cur = np.concatenate([CUR, [9.0]])  # far out: bins between hold no reference and no current value
    r, c = sturges_shares(REF, cur)
    assert (r == 0).any() and (c == 0).any()
    r, c = evidently_fill(r), evidently_fill(c)
    assert get_test("psi")(REF, cur).score == pytest.approx(np.sum((r - c) * np.log(r / c)), rel=1e-12)


def test_psi_on_categories_fills_a_value_only_in_one_sample_with_0_0001():
    r, c = value_shares(CAT_REF, CAT_KEYS), value_shares(CAT_CUR, CAT_KEYS)
    r[r == 0], c[c == 0] = 0.0001, 0.0001
    res = get_test("psi")(CAT_REF, CAT_CUR)
    assert res.score == pytest.approx(np.sum((r - c) * np.log(r / c)), rel=1e-12) and res.drifted


def test_psi_fill_for_a_tiny_smallest_share_is_a_millionth_of_it():
    ref = np.array(["a"] * 19999 + ["b"], dtype=object)  # smallest share 5e-5 <= 0.0001
    cur = np.array(["a"] * 10 + ["c"], dtype=object)
    r = np.array([19999 / 20000, 1 / 20000, 5e-5 / 1e6])
    c = np.array([10 / 11, 0.0001, 1 / 11])  # smallest current share 1/11 > 0.0001
    assert get_test("psi")(ref, cur).score == pytest.approx(np.sum((r - c) * np.log(r / c)), rel=1e-12)


def test_binned_shares_use_values_for_few_distinct_numbers():
    r, c = binned_shares(np.array([1.0, 1, 2, 3, 3, 3]), np.array([1.0, 2, 2, 4]), "numeric")
    assert r.tolist() == [2 / 6, 1 / 6, 3 / 6, 0] and c.tolist() == [1 / 4, 2 / 4, 0, 1 / 4]


@pytest.mark.parametrize("name,drifted", [("ks", True), ("chisquare", False), ("z", False)])
def test_a_p_value_equal_to_the_threshold_is_drift_only_for_ks(name, drifted):
    ref = np.array([0.0, 0, 1, 1, 1, 2]) if name != "ks" else REF
    cur = np.array([0.0, 1, 1, 2, 2, 2]) if name != "ks" else CUR
    p = get_test(name)(ref, cur).score
    assert get_test(name)(ref, cur, threshold=p).drifted is drifted


def test_a_distance_equal_to_the_threshold_is_drift():
    d = get_test("jensenshannon")(REF, CUR).score
    assert get_test("jensenshannon")(REF, CUR, threshold=d).drifted
    assert not get_test("jensenshannon")(REF, CUR, threshold=d * 1.001).drifted


@pytest.mark.parametrize("name", list(REGISTRY))
@pytest.mark.parametrize("empty", ["reference", "current"])
def test_an_empty_sample_gives_no_score_and_no_drift(name, empty):
    full = np.array([1.0, 2.0, 3.0])
    ref, cur = (np.array([]), full) if empty == "reference" else (full, np.array([]))
    res = get_test(name)(ref, cur, kind="numeric")
    assert math.isnan(res.score) and res.drifted is False


@pytest.mark.parametrize("name", ["ks", "wasserstein", "jensenshannon", "psi", "z"])
def test_a_constant_column_equal_in_both_samples_does_not_drift(name):
    res = get_test(name)(np.full(40, 3.0), np.full(30, 3.0))
    assert not res.drifted and not math.isnan(res.score)


def test_missing_and_infinite_numbers_are_dropped():
    dirty = np.concatenate([CUR, [np.nan, np.inf, -np.inf]])
    assert get_test("ks")(REF, dirty).score == get_test("ks")(REF, CUR).score
    assert prepare(REF, dirty).n_cur == len(CUR)


def test_series_and_arrays_give_the_same_score():
    assert get_test("psi")(pd.Series(REF), pd.Series(CUR)).score == get_test("psi")(REF, CUR).score
    assert get_test("psi")(pd.Series(CAT_REF), pd.Series(CAT_CUR)).score == get_test("psi")(CAT_REF, CAT_CUR).score


def test_the_kind_is_read_from_the_data_when_not_given():
    assert prepare(REF, CUR).kind == "numeric"
    assert prepare(CAT_REF, CAT_CUR).kind == "categorical"
    assert prepare(np.array([1, 2]), np.array([2, 3]), "categorical").kind == "categorical"


@pytest.mark.parametrize("kind,n_ref,values,expected", [
    ("numeric", 1000, 6, "ks"), ("numeric", 1001, 6, "wasserstein"),
    ("numeric", 1000, 5, "chisquare"), ("numeric", 1001, 5, "jensenshannon"),
    ("numeric", 1000, 3, "chisquare"), ("numeric", 1000, 2, "z"),
    ("categorical", 1000, 3, "chisquare"), ("categorical", 1000, 2, "z"),
    ("categorical", 1000, 40, "chisquare"),
    ("categorical", 1001, 2, "jensenshannon"), ("categorical", 5000, 40, "jensenshannon"),
])
def test_default_test_follows_reference_rows_and_distinct_values(kind, n_ref, values, expected):
    ref = np.arange(n_ref) % values
    ref = ref.astype(float) if kind == "numeric" else ref.astype(str).astype(object)
    assert default_test(kind, ref, ref[:100]).name == expected


def test_default_test_counts_distinct_values_of_both_samples_together():
    ref, cur = np.arange(300) % 3 * 1.0, np.arange(300) % 3 + 3.0  # 3 + 3 values
    assert default_test("numeric", ref, ref).name == "chisquare"
    assert default_test("numeric", ref, cur).name == "ks"


def test_unknown_test_names_the_allowed_ones():
    with pytest.raises(ConfigError, match="Unknown drift test 'kl'; choose one of: ks, chisquare, z, wasserstein"):
        get_test("kl")


def test_unknown_kind_is_refused():
    with pytest.raises(ConfigError, match="Unknown column kind 'datetime'"):
        default_test("datetime", REF, CUR)


def test_a_numeric_test_on_categories_names_the_tests_that_fit():
    with pytest.raises(ConfigError, match="'ks' cannot test a categorical column.*chisquare, z, jensenshannon, psi"):
        get_test("ks")(CAT_REF, CAT_CUR)


def test_text_passed_as_numbers_is_refused():
    with pytest.raises(ConfigError, match="reference sample is not numeric"):
        get_test("ks")(CAT_REF, CAT_CUR, kind="numeric")


@pytest.mark.parametrize("name,threshold", [("ks", 1.5), ("ks", -0.1), ("psi", float("nan")), ("psi", "high")])
def test_a_bad_threshold_is_refused(name, threshold):
    with pytest.raises(ConfigError, match=f"threshold of drift test '{name}' must be"):
        get_test(name)(REF, CUR, threshold=threshold)
