import os
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from core import execution
from core.execution import LocalExecutor
from core.search import Search, SearchSpace, halving_schedule, planned_candidates


@pytest.fixture
def table():
    rng = np.random.default_rng(3)
    n = 300
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(list("xyz"), n)})
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    y = np.where(X["b"].to_numpy() + rng.normal(size=n) > 0, "yes", "no").astype(object)
    return X, y


def _space(model=None, name="logistic_regression", grid=None):
    encode = ColumnTransformer([("num", SimpleImputer(strategy="median"), ["a", "b"]),
                                ("cat", OneHotEncoder(sparse_output=False), ["c"])])
    pipe = Pipeline([("encode", encode), ("scale", StandardScaler()),
                     ("model", model if model is not None else LogisticRegression(random_state=0))])
    return SearchSpace(name, pipe, grid if grid is not None else {"C": [0.01, 1.0, 100.0]}, width=5)


def _search(executor=None, refit_on=None, **kw):
    return Search(executor or LocalExecutor(1), StratifiedKFold(3, shuffle=True, random_state=0),
                  "balanced_accuracy", "classification", 0, 100, refit_on=refit_on, **kw)


def _outcome(cands):
    return [(c.params, c.scores, c.errors) for c in cands]


def test_shared_preparation_scores_like_a_full_fit_per_candidate(table):
    X, y = table
    space = _space()
    cands = planned_candidates(space, "grid", 10, 0)
    shared = _search()
    per_fit = _search()
    per_fit.cache_bytes = 0  # nothing fits the budget: every fit refits the whole pipeline
    a, b = shared.evaluate(space, cands, X, y), per_fit.evaluate(space, cands, X, y)
    assert shared._prepared is not None and per_fit._prepared is None
    assert _outcome(a) == _outcome(b)


def test_a_second_model_reuses_the_prepared_folds(table, monkeypatch):
    X, y = table
    runner = _search()
    runner.evaluate(_space(), planned_candidates(_space(), "grid", 10, 0), X, y)
    calls = []
    monkeypatch.setattr("core.search._prepare_fold", lambda *a: calls.append(a))
    base = _space(DummyClassifier(), "dummy", {})
    out = runner.evaluate(base, planned_candidates(base, "grid", 10, 0), X, y)
    assert not calls and out[0].scores == [0.5, 0.5, 0.5]


def test_final_fit_on_the_shared_preparation_equals_a_plain_fit(table):
    X, y = table
    runner = _search(refit_on=(X, y))
    space = _space()
    runner.evaluate(space, planned_candidates(space, "grid", 10, 0), X, y)
    assert "full" in runner._prepared[2]
    pipe, caught = runner.fit_final(space, {"C": 1.0}, X, y)
    plain = clone(space.pipeline).set_params(model__C=1.0).fit(X, y)
    assert np.array_equal(pipe.predict_proba(X), plain.predict_proba(X))
    assert list(pipe[:-1].get_feature_names_out()) == list(plain[:-1].get_feature_names_out())
    other, _ = runner.fit_final(space, {"C": 0.01}, X, y)
    assert other.steps[0][1] is not pipe.steps[0][1]  # each final pipeline owns its steps
    assert caught == []


class _Noisy(TransformerMixin, BaseEstimator):
    """Warns on fit; fails on fit when the fold holds a row with b above ``fail_above``."""

    def __init__(self, fail_above=np.inf):
        self.fail_above = fail_above

    def fit(self, X, y=None):
        warnings.warn("noisy step fitted", UserWarning)
        if np.nanmax(np.asarray(X, dtype=float)[:, 1]) > self.fail_above:
            raise ValueError("value too large for this step")
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float)


def _noisy_space(fail_above=np.inf):
    pipe = Pipeline([("impute", SimpleImputer()), ("noisy", _Noisy(fail_above)),
                     ("model", LogisticRegression(random_state=0))])
    return SearchSpace("lr", pipe, {"C": [0.1, 1.0]}, width=2)


def test_a_preparation_warning_reaches_every_candidate_and_the_final_fit(table):
    X, y = table
    X = X[["a", "b"]]
    runner = _search(refit_on=(X, y))
    space = _noisy_space()
    cands = runner.evaluate(space, planned_candidates(space, "grid", 10, 0), X, y)
    assert all(c.warnings == ["UserWarning: noisy step fitted"] for c in cands)
    _, caught = runner.fit_final(space, {"C": 1.0}, X, y)
    assert caught == ["UserWarning: noisy step fitted"]


def test_a_preparation_failing_on_one_fold_fails_every_candidate_there_not_the_search(table):
    X, y = table
    X = X[["a", "b"]]
    top = X["b"].idxmax()
    space = _noisy_space(fail_above=X["b"].drop(top).max())  # only folds training on that row fail
    cands = _search().evaluate(space, planned_candidates(space, "grid", 10, 0), X, y)
    for c in cands:
        assert len(c.scores) == 3 and c.failed
        assert len(c.errors) == 2 and "value too large for this step" in c.errors[0]
        assert sum(np.isfinite(c.scores)) == 1


class _Reversed(LocalExecutor):
    """Finishes tasks in the reverse order, as parallel workers may."""

    def map_unordered(self, fn, tasks):
        yield from reversed([fn(*args) for args in tasks])


def test_scores_are_kept_in_fold_order_whatever_order_fits_finish_in(table):
    X, y = table
    space = _space()
    cands = planned_candidates(space, "grid", 10, 0)
    assert _outcome(_search(_Reversed(1)).evaluate(space, cands, X, y)) == _outcome(_search().evaluate(space, cands, X, y))


def test_worker_processes_read_shared_folds_and_score_the_same(table, monkeypatch):
    X, y = table
    monkeypatch.setattr(execution, "SHARE_MIN_BYTES", 0)  # share even these small folds
    space = _space()
    cands = planned_candidates(space, "grid", 10, 0)
    executor = LocalExecutor(2)
    runner = _search(executor, refit_on=(X, y))
    parallel = runner.evaluate(space, cands, X, y)
    assert isinstance(runner._prepared[2][0]["train"], np.memmap)
    folder = executor._folder
    pipe, _ = runner.fit_final(space, {"C": 1.0}, X, y)
    runner.release()
    assert not os.path.exists(folder) and runner._prepared is None
    assert _outcome(parallel) == _outcome(_search().evaluate(space, cands, X, y))
    assert np.array_equal(pipe.predict(X), clone(space.pipeline).set_params(model__C=1.0).fit(X, y).predict(X))


def test_share_is_a_no_op_in_process():
    a = np.zeros((1000, 200))
    assert LocalExecutor(1).share(a) is a


@pytest.mark.parametrize("n_candidates, n_rows", [(8, 1000), (27, 3000), (30, 10_000), (81, 2000)])
def test_halving_schedule_matches_scikit_learns_halving_grid_search(n_candidates, n_rows):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n_rows, 2)), rng.integers(0, 2, n_rows)
    min_rows = 2 * 3 * 2  # what train passes: 2 x folds x classes
    search = HalvingGridSearchCV(DummyClassifier(), {"constant": list(range(n_candidates)), "strategy": ["prior"]},
                                 factor=3, cv=3, min_resources="exhaust").fit(X, y)
    ours = halving_schedule(n_candidates, n_rows, min_rows)
    assert [c for c, _ in ours] == list(search.n_candidates_)
    # the same rows per round, except that our last round always uses every row (scikit-learn's
    # uses min_resources x 3^k, which can leave up to 3% out) and earlier ones round the same way
    assert ours[-1][1] == n_rows
    assert [r for _, r in ours] == pytest.approx(list(search.n_resources_), rel=0.03)
    assert all(r >= theirs for (_, r), theirs in zip(ours, search.n_resources_))


def test_halving_eliminates_aggressively_when_rows_run_out_as_scikit_learn_does():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 2)), rng.integers(0, 2, 300)
    search = HalvingGridSearchCV(DummyClassifier(), {"constant": list(range(81)), "strategy": ["prior"]},
                                 factor=3, cv=3, min_resources="exhaust", aggressive_elimination=True).fit(X, y)
    ours = halving_schedule(81, 300, 12)
    assert [c for c, _ in ours] == list(search.n_candidates_) == [81, 27, 9, 3, 1]
    assert [r for _, r in ours] == [33, 33, 33, 100, 300]  # the smallest size repeats, then every row


def test_halving_on_too_few_rows_is_one_round_of_every_candidate():
    assert halving_schedule(27, 30, 12) == [(27, 30)]
