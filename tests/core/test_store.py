"""The store: a real SQLite catalog file and real Parquet files in a temporary folder."""

import multiprocessing as mp
import sqlite3

import pandas as pd
import pytest

from core import store as st
from core.errors import ArtifactError, StoreError, UntrustedArtifactError
from core.scoring import score_and_log


@pytest.fixture
def store(isolated_home):
    s = st.Store(isolated_home)
    yield s
    s.close()


def test_register_gives_versions_per_name_and_is_idempotent_per_file(store, loan_model, tmp_path):
    v1 = store.register_model(loan_model)
    assert (v1.name, v1.version) == ("loans", 1)
    assert store.register_model(loan_model).id == v1.id
    copy = tmp_path / "other.joblib"
    copy.write_bytes(loan_model.read_bytes())
    assert store.register_model(copy).id == v1.id  # same bytes: same version
    assert store.get_version("loans").id == v1.id and store.get_version("loans:v1").id == v1.id


def test_register_keeps_bounded_reference_and_holdout_baselines(store, loan_model):
    v = store.register_model(loan_model)
    ref = store.reference(v)
    hold = store.holdout(v)
    assert {"income", "amount", "purpose"} <= set(ref.columns) and "default" not in ref.columns
    assert ref["income"].dtype == "float64" and str(ref["purpose"].dtype) == "string"
    assert {st.PREDICTION, st.ACTUAL, st.PROBA_PREFIX + "yes"} <= set(hold.columns)
    assert set(hold[st.PREDICTION].dropna()) <= {"yes", "no"}


def test_register_refuses_a_tampered_artifact_before_writing_anything(store, loan_model):
    raw = bytearray(loan_model.read_bytes())
    raw[100] ^= 0xFF
    loan_model.write_bytes(bytes(raw))
    with pytest.raises(ArtifactError, match="damaged"):
        store.register_model(loan_model)
    assert store.list_versions() == []


def test_register_refuses_a_model_signed_elsewhere(store, loan_model, monkeypatch):
    monkeypatch.setenv("MODELOPS_SECRET_KEY", "another installation")
    with pytest.raises(UntrustedArtifactError):
        store.register_model(loan_model)


def test_unknown_model_and_batch_are_named(store):
    with pytest.raises(StoreError, match="No registered model 'nope'"):
        store.get_version("nope")
    with pytest.raises(StoreError, match="No scored batch with id 'b1'"):
        store.get_batch("b1")


def test_catalog_is_a_real_sqlite_file_in_wal_mode(store, loan_model):
    store.register_model(loan_model)
    con = sqlite3.connect(store.home / "catalog.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT name, version FROM model_versions").fetchall() == [("loans", 1)]


def test_logged_batch_round_trips_with_prediction_ids(store, loan_model, loans):
    v = store.register_model(loan_model)
    scored = score_and_log(store, v, loans.drop(columns="default").head(50), name="week1.csv")
    ids = scored.frame["prediction_id"]
    assert ids.is_unique and ids.iloc[0] == f"{scored.batch_id}-0"
    [batch] = store.list_batches(v)
    assert (batch.id, batch.rows, batch.source_name) == (scored.batch_id, 50, "week1.csv")
    rows = store.read_batches([batch], columns=[st.PREDICTION_ID, st.PREDICTION, "income"])
    assert list(rows.columns) == [st.PREDICTION_ID, st.PREDICTION, "income", "__batch"]  # only what was asked
    assert list(rows[st.PREDICTION_ID]) == list(ids)
    assert list(rows[st.PREDICTION]) == list(scored.frame["prediction"])
    # the user's own id column is kept, so labels can be matched by it
    assert list(store.read_batch(batch, ["loan_id"])["loan_id"]) == list(loans["loan_id"].head(50))


def test_a_crash_before_registration_leaves_no_batch_in_the_catalog(store, loan_model, loans, monkeypatch):
    v = store.register_model(loan_model)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(st.pq, "write_table", boom)
    with pytest.raises(OSError):
        score_and_log(store, v, loans.drop(columns="default").head(10))
    assert store.list_batches(v) == []
    assert not any(p.suffix == ".parquet" for p in (store.home / "batches").rglob("*"))


def _writer(home: str, version_id: int, n_batches: int, seed: int) -> None:
    import numpy as np

    from core.scoring import score_and_log
    from core.store import Store

    s = Store(home)
    v = s.get_version(version_id)
    rng = np.random.default_rng(seed)
    for i in range(n_batches):
        rows = int(rng.integers(5, 40))
        frame = pd.DataFrame({"loan_id": [f"w{seed}-{i}-{j}" for j in range(rows)],
                              "income": rng.normal(50_000, 9_000, rows), "amount": rng.normal(15_000, 4_000, rows),
                              "purpose": rng.choice(["car", "home"], rows), "region": "north",
                              "years_employed": 3.0})
        score_and_log(s, v, frame, name=f"writer{seed}-{i}.csv")


def test_parallel_writer_processes_lose_and_corrupt_nothing(store, loan_model):
    v = store.register_model(loan_model)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(store.home), v.id, 6, seed)) for seed in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    batches = store.list_batches(v)
    assert len(batches) == 24
    rows = store.read_batches(batches, columns=[st.PREDICTION_ID, "loan_id"])
    assert len(rows) == sum(b.rows for b in batches)
    assert rows[st.PREDICTION_ID].is_unique and rows["loan_id"].is_unique
    for seed in range(4):
        for i in range(6):
            assert rows["loan_id"].str.startswith(f"w{seed}-{i}-").any()


WRITER = """
import sys, numpy as np, pandas as pd
from core import store as st
s = st.Store(sys.argv[1]); v = s.get_version(int(sys.argv[2]))
rows = pd.DataFrame({st.PREDICTION_ID: [f"x{i}" for i in range(300_000)], st.PREDICTION: "no",
                     "income": np.random.default_rng(0).normal(size=300_000)})
print("ready", flush=True)
while True:
    s.log_batch(v, rows, source_name="big.csv")
"""


@pytest.mark.parametrize("delay", [0.05, 0.4, 0.9])
def test_a_writer_killed_mid_batch_leaves_the_catalog_consistent(store, loan_model, delay):
    import os
    import signal
    import subprocess
    import sys
    import time

    v = store.register_model(loan_model)
    p = subprocess.Popen([sys.executable, "-c", WRITER, str(store.home), str(v.id)], stdout=subprocess.PIPE,
                         text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert p.stdout.readline().strip() == "ready"
    time.sleep(delay)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(30)
    for b in store.list_batches(v):  # every batch the catalog knows is whole
        assert len(store.read_batch(b, [st.PREDICTION_ID])) == b.rows == 300_000
    listed = {store.home / b.path for b in store.list_batches(v)}
    finished = set((store.home / "batches" / str(v.id)).glob("*.parquet")) if (store.home / "batches").exists() else set()
    assert finished == listed or finished - listed <= {max(finished, key=os.path.getmtime)}  # at most the last file
    store.log_batch(v, pd.DataFrame({st.PREDICTION_ID: ["after"], st.PREDICTION: ["no"]}))  # no lock left behind
    assert store.list_batches(v)[-1].rows == 1


@pytest.mark.parametrize("values", [
    pd.Series(["yes", " no ", "", None, "yes"], dtype="str"), pd.Series(["a", None, "  ", float("nan")], dtype=object),
    pd.Series(["x", pd.NA], dtype="string"), pd.Series([1, 2, 1]), pd.Series([True, False]),
    pd.Series([0.5, -0.0, 0.0, float("nan")]), pd.Series([1, "1", 1.0], dtype=object), pd.Series([], dtype="str")])
def test_outcome_column_reads_each_value_alike_on_its_fast_path(values):
    for regression in (False, True):
        pd.testing.assert_series_equal(st.outcome_column(values, regression),
                                       st._outcome_slow(values, regression), check_exact=True)


def test_monitoring_cache_keeps_results_per_key_and_only_the_newest_keys(store, loan_model):
    v = store.register_model(loan_model)
    store.cache_results(v, "k0", {"b1": {"score": float("nan"), "ok": True}, "b2": {"rows": [1, 2]}})
    got = store.cached_results(v, "k0")
    assert got["b2"] == {"rows": [1, 2]} and got["b1"]["ok"] is True and got["b1"]["score"] != got["b1"]["score"]
    assert store.cached_results(v, "k0", ["b2"]) == {"b2": {"rows": [1, 2]}} and store.cached_results(v, "k9") == {}
    store.cache_results(v, "k0", {"b1": {"other": 1}})  # a result already kept is not replaced
    assert store.cached_results(v, "k0")["b1"]["ok"] is True
    for i in range(1, st.MONITOR_CACHE_KEYS_KEPT + 1):
        store.cache_results(v, f"k{i}", {"b1": {"i": i}})
    assert store.cached_results(v, "k0") == {} and store.cached_results(v, "k1") == {"b1": {"i": 1}}
    assert store.clear_monitoring_cache(v) == st.MONITOR_CACHE_KEYS_KEPT and store.cached_results(v, "k1") == {}
