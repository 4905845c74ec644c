"""The store: a catalog of model versions, scored batches, label uploads and alerts, plus the
scored rows themselves in append-only Parquet files.

Why this shape
--------------
* The catalog is a SQL database reached through SQLAlchemy Core: a SQLite file in the store
  folder by default (nothing to install), or any SQLAlchemy URL (``MODELOPS_CATALOG_URL``, for
  example PostgreSQL) when a team shares one catalog. Only portable SQL is used.
* Rows go to one Parquet file per batch (columnar, so monitoring reads only the columns it
  needs). A file is written under a temporary name, flushed to disk and renamed; only then is
  it registered in the catalog, in one transaction. A crash mid-write leaves at most an
  orphaned temporary file, never a half batch in the catalog. Nothing is rewritten in place:
  labels arriving later are new files too.
* SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions and a busy timeout, so several
  processes scoring at once queue for the write lock instead of failing.
* Because batches never change, monitoring keeps what it computed from one batch (drift,
  prediction drift, performance under the latest label upload) in the ``monitor_cache`` table;
  a later run reads only new batches. It is a cache: emptying it costs time, never results.

Layout of the store folder::

    catalog.db                          the catalog (SQLite default)
    models/<version id>/artifact.joblib a copy of the registered artifact
    models/<version id>/reference.parquet, holdout.parquet   monitoring baselines
    batches/<version id>/<batch id>.parquet                  scored rows
    labels/<version id>/<upload id>.parquet                  ground truth
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy import event

from core.config import catalog_url, modelops_home
from core.errors import StoreError

REFERENCE_ROWS_MAX = 50_000

# Column names the store adds to every scored row; user columns never start with "__".
PREDICTION_ID = "__prediction_id"
ROW = "__row"
PREDICTION = "__prediction"
PROBA_PREFIX = "__proba__"
FLAGS = "__flags"
ACTUAL = "__actual"

metadata = sa.MetaData()

model_versions = sa.Table(
    "model_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("task", sa.String(20), nullable=False),
    sa.Column("target", sa.String(500)),
    sa.Column("artifact_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("artifact_path", sa.Text, nullable=False),
    sa.Column("source_path", sa.Text),
    sa.Column("created_at", sa.String(40)),
    sa.Column("registered_at", sa.String(40), nullable=False),
    sa.Column("metadata_json", sa.Text, nullable=False),
    sa.UniqueConstraint("name", "version", name="uq_model_name_version"),
)

batches = sa.Table(
    "batches", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("model_version_id", sa.Integer, sa.ForeignKey("model_versions.id"), nullable=False, index=True),
    sa.Column("scored_at", sa.String(40), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("flagged_rows", sa.Integer, nullable=False),
    sa.Column("source_name", sa.Text),
    sa.Column("source_sha256", sa.String(64)),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("issues_json", sa.Text, nullable=False),
)

label_uploads = sa.Table(
    "label_uploads", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("model_version_id", sa.Integer, sa.ForeignKey("model_versions.id"), nullable=False, index=True),
    sa.Column("uploaded_at", sa.String(40), nullable=False),
    sa.Column("source_name", sa.Text),
    sa.Column("source_sha256", sa.String(64)),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("matched", sa.Integer, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("batches_json", sa.Text, nullable=False),
)

alerts = sa.Table(
    "alerts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model_version_id", sa.Integer, sa.ForeignKey("model_versions.id"), nullable=False, index=True),
    sa.Column("batch_id", sa.String(40), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("metric", sa.String(200), nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("threshold", sa.Float),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.UniqueConstraint("batch_id", "metric", name="uq_alert_batch_metric"),
)


# Per-batch monitoring results that depend only on the batch (immutable), the version's baselines
# (immutable) and the key (settings, code and library versions; for performance the latest label
# upload). A cache: losing it costs time, never correctness. See core.monitoring.overview.
monitor_cache = sa.Table(
    "monitor_cache", metadata,
    sa.Column("model_version_id", sa.Integer, sa.ForeignKey("model_versions.id"), nullable=False, index=True),
    sa.Column("batch_id", sa.String(40), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("batch_id", "key", name="pk_monitor_cache"),
)
MONITOR_CACHE_KEYS_KEPT = 8  # per version; what-if settings would otherwise pile up


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class ModelVersion:
    """A registered model version as the catalog knows it (no unpickling needed)."""

    id: int
    name: str
    version: int
    task: str
    target: str | None
    artifact_path: str
    registered_at: str
    metadata: dict

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


@dataclass(frozen=True)
class BatchRecord:
    """One scored batch in the catalog."""

    id: str
    model_version_id: int
    scored_at: str
    rows: int
    flagged_rows: int
    source_name: str | None
    path: str
    issues: list


def new_batch_id() -> str:
    return _new_id("b")


def _new_id(prefix: str) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}{stamp}-{uuid.uuid4().hex[:8]}"


def write_parquet_atomically(table: pa.Table, path: Path) -> None:
    """Write, flush to disk, then rename: readers see the whole file or no file.

    Only text columns are dictionary-encoded (the prediction id excepted): categories,
    predictions and flags repeat, while measurements and ids rarely do, and a dictionary that
    overflows costs more time than the plain encoding it falls back to.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}.tmp")
    dictionary = [f.name for f in table.schema if f.name != PREDICTION_ID
                  and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd", use_dictionary=dictionary)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_setup(dbapi_connection, _record):  # pragma: no cover - exercised via every test
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA busy_timeout = 60000")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # take the write lock up front: no deadlock on lock upgrade
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


class Store:
    """The catalog and the files, for one store folder. Cheap to create; safe across processes."""

    def __init__(self, home: str | os.PathLike | None = None, *, url: str | None = None):
        self.home = modelops_home(home).resolve()
        # Only a store folder the user chose holds the signing key (see core.artifact.key_folder).
        self.key_home = home
        if self.home.exists() and not self.home.is_dir():
            raise StoreError(f"The store folder {self.home} is a file; point MODELOPS_HOME (or --home) at a folder.")
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"The store folder {self.home} cannot be created ({exc.strerror}); point "
                             "MODELOPS_HOME (or --home) at a writable folder.") from None
        self.url = url or catalog_url(self.home)
        try:
            self.engine = _engine(self.url)
            with self.engine.begin() as conn:
                metadata.create_all(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"The catalog at {self._safe_url()} cannot be opened: {exc.orig or exc}. "
                             "Check the store folder is writable (MODELOPS_HOME) or the catalog URL.") from None

    def _safe_url(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # --- model versions -------------------------------------------------------------------
    def register_model(self, artifact_path: str | os.PathLike, *, name: str | None = None) -> ModelVersion:
        """Register a signed artifact as the next version of its name (same file: same version).

        The artifact is checked (signature, integrity) before anything is written, copied into
        the store, and its monitoring baselines are written as Parquet.
        """
        from core.artifact import load_artifact

        src = Path(artifact_path)
        art = load_artifact(src, home=self.key_home)
        digest = sha256_file(src)
        existing = self._version_by_sha(digest)
        if existing is not None:
            return existing
        meta = art.metadata
        name = (name or meta.get("model_name") or src.stem).strip()
        if not name:
            raise StoreError("A model name cannot be empty.")
        for attempt in range(5):
            try:
                return self._insert_version(art, src, digest, name)
            except sa.exc.IntegrityError:
                existing = self._version_by_sha(digest)
                if existing is not None:
                    return existing
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _insert_version(self, art, src: Path, digest: str, name: str) -> ModelVersion:
        meta = art.metadata
        with self.engine.begin() as conn:
            last = conn.execute(sa.select(sa.func.max(model_versions.c.version))
                                .where(model_versions.c.name == name)).scalar()
            version = (last or 0) + 1
            res = conn.execute(model_versions.insert().values(
                name=name, version=version, task=meta.get("task", "unknown"), target=meta.get("target"),
                artifact_sha256=digest, artifact_path="", source_path=str(src.resolve()),
                created_at=meta.get("created_at"), registered_at=now(),
                metadata_json=json.dumps(meta, ensure_ascii=False)))
            vid = int(res.inserted_primary_key[0])
            folder = self.home / "models" / str(vid)
            folder.mkdir(parents=True, exist_ok=True)
            dest = folder / "artifact.joblib"
            tmp = folder / ".artifact.joblib.tmp"
            shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
            self._write_baselines(folder, art)
            conn.execute(model_versions.update().where(model_versions.c.id == vid)
                         .values(artifact_path=str(dest)))
        return self.get_version(vid)

    def _write_baselines(self, folder: Path, art) -> None:
        from core.schema import feature_frame

        features = art.metadata.get("features", [])
        if art.reference is not None and len(art.reference):
            ref = art.reference
            if len(ref) > REFERENCE_ROWS_MAX:
                ref = ref.sample(REFERENCE_ROWS_MAX, random_state=0)
            write_parquet_atomically(pa.Table.from_pandas(feature_frame(ref, features), preserve_index=False),
                                     folder / "reference.parquet")
        hold = art.holdout or {}
        if hold.get("predictions") is not None:
            regression = art.metadata.get("task") == "regression"
            frame = pd.DataFrame({PREDICTION: outcome_column(hold["predictions"], regression),
                                  ACTUAL: outcome_column(hold.get("actual") or [None] * len(hold["predictions"]),
                                                         regression)})
            proba = hold.get("probabilities")
            if proba is not None:
                names = outcome_column(art.metadata.get("classes", []), False)
                for i, cls in enumerate(names):
                    frame[PROBA_PREFIX + str(cls)] = [float(row[i]) for row in proba]
            write_parquet_atomically(pa.Table.from_pandas(frame, preserve_index=False), folder / "holdout.parquet")

    def _version_by_sha(self, digest: str) -> ModelVersion | None:
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(model_versions).where(model_versions.c.artifact_sha256 == digest)).first()
        return _version(row) if row else None

    def get_version(self, ref: int | str) -> ModelVersion:
        """A version by id, by ``name`` (its latest version) or by ``name:vN`` / ``name:N``."""
        q = sa.select(model_versions)
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            q = q.where(model_versions.c.id == int(ref))
        else:
            name, _, ver = str(ref).rpartition(":")
            if name and ver.lstrip("v").isdigit():
                q = q.where(model_versions.c.name == name, model_versions.c.version == int(ver.lstrip("v")))
            else:
                q = q.where(model_versions.c.name == str(ref)).order_by(model_versions.c.version.desc()).limit(1)
        with self.engine.begin() as conn:
            row = conn.execute(q).first()
        if row is None:
            known = ", ".join(v.label for v in self.list_versions()[:10]) or "none yet"
            raise StoreError(f"No registered model '{ref}' in {self.home}. Registered: {known}. "
                             "Register one with `modelops register MODEL.joblib` or on the Deploy page.")
        return _version(row)

    def list_versions(self) -> list[ModelVersion]:
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(model_versions).order_by(model_versions.c.id.desc())).all()
        return [_version(r) for r in rows]

    def version_folder(self, version: ModelVersion) -> Path:
        return self.home / "models" / str(version.id)

    def reference(self, version: ModelVersion, columns: list[str] | None = None) -> pd.DataFrame | None:
        path = self.version_folder(version) / "reference.parquet"
        return _read(path, columns) if path.exists() else None

    def holdout(self, version: ModelVersion) -> pd.DataFrame | None:
        path = self.version_folder(version) / "holdout.parquet"
        return _read(path, None) if path.exists() else None

    # --- batches --------------------------------------------------------------------------
    def log_batch(self, version: ModelVersion, rows: pd.DataFrame, *, source_name: str | None = None,
                  source_sha256: str | None = None, issues: list | None = None, flagged_rows: int = 0,
                  batch_id: str | None = None, scored_at: str | None = None) -> BatchRecord:
        """Append one scored batch: write its Parquet file, then register it in one transaction.

        ``rows`` must already carry the store columns (prediction id, prediction, ...); see
        core.scoring.score_and_log. ``scored_at`` (ISO time) back-dates a batch imported from
        history, such as the demo's months; by default it is now.
        """
        batch_id = batch_id or _new_id("b")
        path = self.home / "batches" / str(version.id) / f"{batch_id}.parquet"
        # one thread: the columns are arrays already, and a pool per batch costs more than it saves
        write_parquet_atomically(pa.Table.from_pandas(rows, preserve_index=False, nthreads=1), path)
        record = dict(id=batch_id, model_version_id=version.id, scored_at=scored_at or now(), rows=len(rows),
                      flagged_rows=int(flagged_rows), source_name=source_name, source_sha256=source_sha256,
                      path=str(path.relative_to(self.home)), issues_json=json.dumps(issues or [], ensure_ascii=False,
                                                                                   default=str))
        with self.engine.begin() as conn:
            conn.execute(batches.insert().values(**record))
        return _batch(record)

    def list_batches(self, version: ModelVersion | None = None) -> list[BatchRecord]:
        q = sa.select(batches).order_by(batches.c.scored_at, batches.c.id)
        if version is not None:
            q = q.where(batches.c.model_version_id == version.id)
        with self.engine.begin() as conn:
            return [_batch(r._mapping) for r in conn.execute(q).all()]

    def find_batches(self, version: ModelVersion, source_sha256: str) -> list[BatchRecord]:
        """Earlier batches of ``version`` scored from a file with these exact bytes."""
        q = (sa.select(batches).where(batches.c.model_version_id == version.id,
                                      batches.c.source_sha256 == source_sha256).order_by(batches.c.scored_at))
        with self.engine.begin() as conn:
            return [_batch(r._mapping) for r in conn.execute(q).all()]

    def get_batch(self, batch_id: str) -> BatchRecord:
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).first()
        if row is None:
            raise StoreError(f"No scored batch with id '{batch_id}' in {self.home}; "
                             "`modelops batches MODEL` lists the ids.")
        return _batch(row._mapping)

    def read_batch(self, batch: BatchRecord, columns: list[str] | None = None) -> pd.DataFrame:
        """The rows of one batch; only ``columns`` (those the file has) are read from disk."""
        return self._batch_table(batch, columns).to_pandas()

    def _batch_table(self, b: BatchRecord, columns: list[str] | None) -> pa.Table:
        path = self.home / b.path
        try:
            if columns is None:
                return pq.read_table(path)
            # one open: the file's own schema says which of the wanted columns it has
            with pq.ParquetFile(path) as f:
                present = set(f.schema_arrow.names)
                return f.read(columns=[c for c in columns if c in present])
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"The scored rows of batch {b.id} ({path}) are missing or damaged "
                             f"({str(exc).splitlines()[0][:120]}); the catalog still lists the batch. Restore "
                             "the file from a backup.") from None

    def read_batches(self, records: list[BatchRecord], columns: list[str] | None = None) -> pd.DataFrame:
        """Rows of several batches with a ``__batch`` column; reads only ``columns`` from disk."""
        if columns is not None:
            columns = list(dict.fromkeys(columns))
        tables = []
        for b in records:
            t = self._batch_table(b, columns)
            batch = pa.DictionaryArray.from_arrays(pa.array(np.zeros(t.num_rows, dtype="int32")), pa.array([b.id]))
            tables.append(t.append_column("__batch", batch.dictionary_decode()))
        if not tables:
            return pd.DataFrame(columns=(columns or []) + ["__batch"])
        return pa.concat_tables(tables, promote_options="permissive").to_pandas()

    # --- labels ---------------------------------------------------------------------------
    def log_labels(self, version: ModelVersion, labels: pd.DataFrame, *, source_name: str | None,
                   source_sha256: str | None, batch_ids: list[str]) -> str:
        """Append a file of (prediction id, actual) pairs; later uploads win for the same id."""
        upload_id = _new_id("l")
        path = self.home / "labels" / str(version.id) / f"{upload_id}.parquet"
        write_parquet_atomically(pa.Table.from_pandas(labels[[PREDICTION_ID, ACTUAL]], preserve_index=False), path)
        with self.engine.begin() as conn:
            conn.execute(label_uploads.insert().values(
                id=upload_id, model_version_id=version.id, uploaded_at=now(), source_name=source_name,
                source_sha256=source_sha256, rows=len(labels), matched=len(labels),
                path=str(path.relative_to(self.home)), batches_json=json.dumps(sorted(batch_ids))))
        return upload_id

    def labels(self, version: ModelVersion) -> pd.DataFrame:
        """Every label for this version, the latest upload winning for a prediction id."""
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(label_uploads.c.path).where(label_uploads.c.model_version_id == version.id)
                                .order_by(label_uploads.c.uploaded_at, label_uploads.c.id)).all()
        if not rows:
            return pd.DataFrame(columns=[PREDICTION_ID, ACTUAL])
        frames = [_read(self.home / r.path, None) for r in rows]
        return pd.concat(frames, ignore_index=True).drop_duplicates(PREDICTION_ID, keep="last")

    def label_uploads(self, version: ModelVersion) -> pd.DataFrame:
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(label_uploads).where(label_uploads.c.model_version_id == version.id)
                                .order_by(label_uploads.c.uploaded_at)).all()
        return pd.DataFrame([dict(r._mapping) for r in rows])

    def label_state(self, version: ModelVersion) -> tuple[str | None, set[str] | None]:
        """``(key, batches)``: a key that changes with every label upload (None without labels), and
        the batches the uploads matched (None when an upload did not record them)."""
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(label_uploads.c.id, label_uploads.c.batches_json)
                                .where(label_uploads.c.model_version_id == version.id)
                                .order_by(label_uploads.c.uploaded_at, label_uploads.c.id)).all()
        if not rows:
            return None, set()
        batches: set[str] | None = set()
        for r in rows:
            listed = json.loads(r.batches_json or "[]")
            if not listed:
                batches = None
                break
            batches.update(listed)
        return f"{len(rows)}:{rows[-1].id}", batches

    # --- monitoring cache -----------------------------------------------------------------
    def cached_results(self, version: ModelVersion, key: str, batch_ids=None) -> dict[str, object]:
        """Batch id -> the result stored under ``key`` (only batches that have one)."""
        q = sa.select(monitor_cache.c.batch_id, monitor_cache.c.payload).where(
            monitor_cache.c.model_version_id == version.id, monitor_cache.c.key == key)
        with self.engine.begin() as conn:
            rows = conn.execute(q).all()
        wanted = None if batch_ids is None else set(batch_ids)
        return {r.batch_id: json.loads(r.payload) for r in rows if wanted is None or r.batch_id in wanted}

    def cache_results(self, version: ModelVersion, key: str, results: dict[str, object]) -> None:
        """Keep ``results`` (batch id -> JSON-able result) under ``key``, in one transaction, and
        drop the results of all but the :data:`MONITOR_CACHE_KEYS_KEPT` newest keys of the version.

        Another process may have stored the same results meanwhile; either copy is right, so a
        conflict is not an error. Nothing here may fail a monitoring run: a catalog that refuses
        the write (read-only, locked past the timeout) only means the next run computes again.
        """
        if not results:
            return
        # microseconds: the newest keys are told apart even when written in the same millisecond
        stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        try:
            with self.engine.begin() as conn:
                have = {r.batch_id for r in conn.execute(sa.select(monitor_cache.c.batch_id).where(
                    monitor_cache.c.model_version_id == version.id, monitor_cache.c.key == key)).all()}
                new = [dict(model_version_id=version.id, batch_id=b, key=key, created_at=stamp,
                            payload=json.dumps(r, default=json_default, allow_nan=True))
                       for b, r in results.items() if b not in have]
                if new:
                    conn.execute(monitor_cache.insert(), new)
                newest = sa.func.max(monitor_cache.c.created_at)
                keys = [r.key for r in conn.execute(
                    sa.select(monitor_cache.c.key).where(monitor_cache.c.model_version_id == version.id)
                    .group_by(monitor_cache.c.key).order_by(newest.desc())).all()]
                old = keys[MONITOR_CACHE_KEYS_KEPT:]
                if old:
                    conn.execute(monitor_cache.delete().where(monitor_cache.c.model_version_id == version.id,
                                                              monitor_cache.c.key.in_(old)))
        except sa.exc.SQLAlchemyError:
            pass  # a cache write that fails costs a recomputation next time, nothing else

    def clear_monitoring_cache(self, version: ModelVersion | None = None) -> int:
        """Forget cached monitoring results (of one version, or all); returns how many."""
        q = monitor_cache.delete()
        if version is not None:
            q = q.where(monitor_cache.c.model_version_id == version.id)
        with self.engine.begin() as conn:
            return conn.execute(q).rowcount

    # --- alerts ---------------------------------------------------------------------------
    def record_alerts(self, version: ModelVersion, found: list[dict]) -> int:
        """Store alerts not stored before (one per batch and metric); returns how many are new."""
        if not found:
            return 0
        new = 0
        with self.engine.begin() as conn:
            for a in found:
                exists = conn.execute(sa.select(alerts.c.id).where(alerts.c.batch_id == a["batch_id"],
                                                                   alerts.c.metric == a["metric"])).first()
                if exists is None:
                    conn.execute(alerts.insert().values(model_version_id=version.id, created_at=now(), **a))
                    new += 1
        return new

    def alerts(self, version: ModelVersion) -> pd.DataFrame:
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(alerts).where(alerts.c.model_version_id == version.id)
                                .order_by(alerts.c.id)).all()
        cols = [c.name for c in alerts.columns]
        return pd.DataFrame([dict(r._mapping) for r in rows], columns=cols)


def json_default(value):
    """numpy scalars (bool_, int64, float32) as the Python values json knows."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def outcome_column(values, regression: bool) -> pd.Series:
    """Predictions or actual values in the one form they are stored and compared in:
    floats for regression, class names as text for classification (1, 1.0 and "1" agree)."""
    fast = _outcome_fast(values, regression)
    if fast is not None:
        return fast
    return _outcome_slow(values, regression)


def _outcome_slow(values, regression: bool) -> pd.Series:
    from core.transformers import category_strings

    s = pd.Series(list(values), dtype=object)
    if regression:
        return pd.to_numeric(s, errors="coerce").astype("float64")
    return category_strings(s).astype("string")


def _outcome_fast(values, regression: bool) -> pd.Series | None:
    """The same as :func:`_outcome_slow` for a column of plain numbers or text, without turning
    every value into a Python object; None where that shortcut is not exact."""
    if isinstance(values, (list, tuple)) or not hasattr(values, "dtype") or getattr(values, "ndim", 1) != 1:
        return None
    dtype = values.dtype
    if regression:
        if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
            return pd.Series(np.asarray(values, dtype="float64"))
        return None
    text = isinstance(dtype, pd.StringDtype) or (
        dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"))
    if not (text or (isinstance(dtype, np.dtype) and dtype.kind in "iub")):
        return None  # floats: 0.0 and -0.0 share a code but not a text
    # Each value is turned into text on its own, so doing it once per distinct value is exact.
    codes, uniques = pd.factorize(values)
    names = _outcome_slow(uniques, False)
    out = names.take(np.where(codes < 0, 0, codes)) if len(names) else pd.Series([pd.NA] * len(codes), dtype="string")
    out = out.reset_index(drop=True)
    if (codes < 0).any():
        na = np.flatnonzero(codes < 0)
        out.iloc[na] = _outcome_slow(np.asarray(values, dtype=object)[na], False).to_numpy()
    return out


def _read(path: Path, columns: list[str] | None) -> pd.DataFrame:
    if columns is not None:
        names = pq.read_schema(path).names
        columns = [c for c in columns if c in names]
    return pq.read_table(path, columns=columns).to_pandas()


def _version(row) -> ModelVersion:
    m = row._mapping
    return ModelVersion(id=m["id"], name=m["name"], version=m["version"], task=m["task"], target=m["target"],
                        artifact_path=m["artifact_path"], registered_at=m["registered_at"],
                        metadata=json.loads(m["metadata_json"]))


def _batch(m) -> BatchRecord:
    return BatchRecord(id=m["id"], model_version_id=m["model_version_id"], scored_at=m["scored_at"], rows=m["rows"],
                       flagged_rows=m["flagged_rows"], source_name=m["source_name"], path=m["path"],
                       issues=json.loads(m["issues_json"]))
