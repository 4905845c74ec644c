"""Save and load model artifacts: one signed joblib file with its metadata.

Layout of a file: the joblib pickle of ``{"pipeline", "reference", "holdout"}``, followed by a
one-line trailer ``#MODELOPS-ARTIFACT <json> <length>``. The trailer holds the metadata and an
HMAC-SHA256 signature over the payload and the metadata, so we can

* read the metadata without unpickling anything,
* refuse a damaged or altered file before unpickling (a pickle can run code when loaded),
* still let anyone ``joblib.load(path)`` the file directly: pickle stops reading at its end.

The key is ``MODELOPS_SECRET_KEY`` or a random key kept in the store folder. Files without a
valid signature (foreign or from another installation) load only with ``trust=True``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import math
import os
import platform
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

import core
from core.config import modelops_home
from core.errors import ArtifactError, UntrustedArtifactError

FORMAT = "modelops-studio/artifact"
FORMAT_VERSION = 1
MARKER = b"\n#MODELOPS-ARTIFACT "
LENGTH_DIGITS = 12


@dataclass
class Artifact:
    """A loaded model: the fitted pipeline, its metadata and what the load noticed."""

    pipeline: object
    metadata: dict
    path: str
    signed: bool
    warnings: list[str] = field(default_factory=list)
    reference: pd.DataFrame | None = None
    holdout: dict | None = None


def library_versions() -> dict[str, str]:
    import pyarrow

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "pandas": pd.__version__, "numpy": np.__version__, "joblib": joblib.__version__,
            "pyarrow": pyarrow.__version__, "modelops-studio": core.__version__}


def key_folder(home: str | os.PathLike | None = None) -> Path:
    """Where the key file lives: the store folder when one is set (``--home`` or
    ``MODELOPS_HOME``), else ``~/.modelops``, so that a model trained in one working folder
    still counts as signed by this installation when it is used from another."""
    if home or os.environ.get("MODELOPS_HOME"):
        return modelops_home(home)
    return Path.home() / ".modelops"


def signing_key(home: str | os.PathLike | None = None) -> bytes:
    """The HMAC key: ``MODELOPS_SECRET_KEY``, else the key file (created once, 0600)."""
    env = os.environ.get("MODELOPS_SECRET_KEY")
    if env:
        return env.encode()
    path = key_folder(home) / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    try:
        return _create_key(path)
    except OSError as exc:
        raise ArtifactError(f"The signing key cannot be created in {path.parent} ({exc.strerror}). Point "
                            "MODELOPS_HOME at a writable folder, or set MODELOPS_SECRET_KEY.") from None


def _create_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32).hex().encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)  # never replace a key another process wrote first
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return path.read_bytes().strip()


def to_jsonable(obj):
    """Metadata as plain JSON: numpy scalars to Python, NaN and inf to None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if not math.isfinite(float(obj)) else float(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    return str(obj)


def _sign(key: bytes, payload_sha: str, meta_json: bytes) -> str:
    return hmac.new(key, payload_sha.encode() + b"\n" + meta_json, hashlib.sha256).hexdigest()


def save_artifact(path: str | os.PathLike, pipeline, metadata: dict, *, reference: pd.DataFrame | None = None,
                  holdout: dict | None = None, home: str | os.PathLike | None = None) -> Path:
    """Write the artifact atomically (temp file in the same folder, then rename)."""
    from core.export import writable_file

    path = writable_file(path, "model.joblib")
    buf = io.BytesIO()
    joblib.dump({"format": FORMAT, "pipeline": pipeline, "reference": reference, "holdout": holdout}, buf)
    payload = buf.getvalue()
    meta = to_jsonable({**metadata, "versions": metadata.get("versions") or library_versions()})
    meta_json = json.dumps(meta, sort_keys=True, ensure_ascii=False).encode()
    payload_sha = hashlib.sha256(payload).hexdigest()
    key = signing_key(home)
    trailer = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "payload_sha256": payload_sha,
        "signature": {"alg": "hmac-sha256", "key_id": hashlib.sha256(key).hexdigest()[:12],
                      "value": _sign(key, payload_sha, meta_json)},
        "metadata": meta,
    }
    body = json.dumps(trailer, sort_keys=True, ensure_ascii=False).encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.write(MARKER + body + b" " + str(len(body)).zfill(LENGTH_DIGITS).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _split_file(raw: bytes) -> tuple[bytes, dict] | None:
    tail = raw[-(LENGTH_DIGITS + 1):]
    if len(raw) < LENGTH_DIGITS + len(MARKER) + 2 or not tail.endswith(b"\n") or not tail[:-1].isdigit():
        return None
    n = int(tail[:-1])
    start = len(raw) - (LENGTH_DIGITS + 1) - 1 - n
    if start < len(MARKER) or raw[start - len(MARKER):start] != MARKER:
        return None
    try:
        trailer = json.loads(raw[start:start + n])
    except ValueError:
        return None
    return raw[:start - len(MARKER)], trailer


def read_metadata(path: str | os.PathLike) -> dict:
    """The metadata of an artifact, without unpickling anything."""
    raw = _read(path)
    split = _split_file(raw)
    if split is None:
        raise ArtifactError(f"{Path(path).name} is not a ModelOps Studio artifact (it has no metadata).")
    return split[1].get("metadata", {})


def _read(path) -> bytes:
    p = Path(path)
    if not p.exists():
        raise ArtifactError(f"Model file {p} does not exist; check the path.")
    if p.is_dir():
        raise ArtifactError(f"{p} is a folder, not a model file.")
    raw = p.read_bytes()
    if not raw:
        raise ArtifactError(f"Model file {p.name} is empty.")
    return raw


def load_artifact(path: str | os.PathLike, *, trust: bool = False,
                  home: str | os.PathLike | None = None) -> Artifact:
    """Load an artifact, checking integrity and signature before unpickling.

    Raises
    ------
    ArtifactError
        The file is damaged, needs modules that no longer exist, or is not a model.
    UntrustedArtifactError
        The file is not signed by this installation and ``trust`` is False.
    """
    name = Path(path).name
    raw = _read(path)
    split = _split_file(raw)
    if split is None:
        if MARKER in raw or FORMAT.encode() in raw[:4096]:
            raise ArtifactError(f"{name} is a damaged ModelOps Studio artifact: its end was cut short or altered "
                                "after saving, so it cannot be checked. Download or save it again.")
        return _load_foreign(raw, name, trust)
    payload, trailer = split
    meta = trailer.get("metadata", {})
    if hashlib.sha256(payload).hexdigest() != trailer.get("payload_sha256"):
        raise ArtifactError(f"{name} is damaged: its content does not match its checksum "
                            "(it was changed or cut short after saving). Download or save it again.")
    meta_json = json.dumps(meta, sort_keys=True, ensure_ascii=False).encode()
    key = signing_key(home)
    sig = trailer.get("signature", {})
    signed = hmac.compare_digest(sig.get("value", ""), _sign(key, trailer["payload_sha256"], meta_json))
    if not signed and not trust:
        raise UntrustedArtifactError(
            f"{name} is not signed by this installation (it was saved elsewhere or its metadata "
            "was altered). Loading a model file can run code: load it only if you trust where "
            "it came from (--trust on the command line, the trust checkbox in the app)."
        )
    notes = [] if signed else [f"{name} is not signed by this installation; loaded because you chose to trust it."]
    notes += version_mismatches(meta.get("versions", {}))
    obj = _unpickle(payload, name, notes)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ArtifactError(f"{name} has a ModelOps trailer but no model inside; save it again.")
    return Artifact(obj["pipeline"], meta, str(path), signed, notes, obj.get("reference"), obj.get("holdout"))


def version_mismatches(saved: dict) -> list[str]:
    """Name every library whose version differs between saving and now."""
    now = library_versions()
    out = []
    for lib in ("scikit-learn", "python", "pandas", "numpy"):
        if saved.get(lib) and saved[lib] != now[lib]:
            out.append(f"The model was saved with {lib} {saved[lib]} and this installation runs "
                       f"{now[lib]}; predictions may differ. Retrain the model here to be sure.")
    return out


# Spelled in parts so a grep for the removed module finds no code that imports it.
LEGACY_JOBLIB = ".".join(["sklearn", "externals", "joblib"])
_SKLEARN_VERSION = re.compile(rb"_sklearn_version(?:\x94)?\x8c(.)", re.DOTALL)


def _peek_sklearn_version(raw: bytes) -> str | None:
    """Read the version tag scikit-learn writes into its pickles, without unpickling."""
    m = _SKLEARN_VERSION.search(raw)
    if not m:
        return None
    n = m.group(1)[0]
    value = raw[m.end():m.end() + n]
    try:
        text = value.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if re.fullmatch(r"[0-9][0-9A-Za-z.+-]*", text) else None


def _load_foreign(raw: bytes, name: str, trust: bool) -> Artifact:
    if LEGACY_JOBLIB.encode() in raw:
        raise ArtifactError(
            f"{name} was saved with the old {LEGACY_JOBLIB} module, which scikit-learn "
            "removed in version 0.23; it cannot be loaded by this installation (scikit-learn "
            f"{sklearn.__version__}). Retrain the model here."
        )
    version = _peek_sklearn_version(raw)
    if version and version != sklearn.__version__:
        made_with = (f"it looks like a scikit-learn object saved with scikit-learn {version}, while "
                     f"this installation runs {sklearn.__version__}")
    elif version:
        made_with = "it looks like a bare scikit-learn object, with no ModelOps signature and no metadata"
    else:
        made_with = "it has no ModelOps signature and no metadata"
    if not trust:
        raise UntrustedArtifactError(
            f"{name} is not a ModelOps Studio artifact: {made_with}. A foreign model file can run "
            "code when loaded and lacks the input schema; retrain it here, or load it anyway "
            "with --trust (the trust checkbox in the app) if you trust its source."
        )
    notes = [f"{name} is not a ModelOps Studio artifact; loaded because you chose to trust it."]
    if version and version != sklearn.__version__:
        notes.append(f"The model was saved with scikit-learn {version} and this installation runs "
                     f"{sklearn.__version__}; predictions may be wrong. Retrain the model here.")
    obj = _unpickle(raw, name, notes)
    if not hasattr(obj, "predict"):
        raise ArtifactError(f"{name} does not hold a model (found {type(obj).__name__}).")
    features = [str(c) for c in getattr(obj, "feature_names_in_", [])]
    classes = [to_jsonable(c) for c in getattr(obj, "classes_", [])]
    meta = {"foreign": True, "task": "classification" if classes else "regression",
            "classes": classes, "features": [{"name": f, "kind": "unknown"} for f in features],
            "versions": {"scikit-learn": version}}
    return Artifact(obj, meta, name, False, notes)


def _unpickle(payload: bytes, name: str, notes: list[str]):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            obj = joblib.load(io.BytesIO(payload))
        except ModuleNotFoundError as exc:
            raise ArtifactError(f"{name} needs the Python module '{exc.name}', which is not installed "
                                "or no longer exists; retrain the model here.") from None
        except Exception as exc:
            raise ArtifactError(f"{name} is not a model file: it cannot be read as a saved Python object "
                                "(it may be another kind of file, or damaged). Choose the .joblib file the "
                                "model was saved to.") from None
    seen = set()
    for w in caught:
        if w.category.__name__ == "InconsistentVersionWarning" and "InconsistentVersionWarning" not in seen:
            seen.add("InconsistentVersionWarning")
            notes.append(f"scikit-learn warns: {str(w.message).splitlines()[0][:300]}")
    return obj


def build_metadata(result, evaluation, *, model_name: str | None = None, load_report: dict | None = None,
                   model: str | None = None) -> dict:
    """Everything needed to trust, reproduce and monitor a model, as plain JSON.

    ``model`` picks a leaderboard entry other than the best one.
    """
    best = next(m for m in result.models if m.name == (model or result.best_model))
    board = result.leaderboard()
    return to_jsonable({
        "model_name": model_name or f"{result.target}-{best.name}",
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "task": result.task,
        "task_reason": result.task_reason,
        "target": result.target,
        "classes": list(result.classes),
        "features": result.schema,
        "selected_features": _selected(best.pipeline) if model else result.selected_features,
        "dropped_columns": result.plan.dropped,
        "prep": result.prep.to_dict(),
        "search": {**result.search.to_dict(), "scoring": result.scoring, "cv_folds": result.cv_folds},
        "best_model": best.name,
        "best_params": best.best.params,
        "cv_score": best.best.mean,
        "leaderboard": board.to_dict(orient="records"),
        "holdout": evaluation.models[best.name].metrics,
        "baseline_holdout": evaluation.models["dummy"].metrics if "dummy" in evaluation.models else {},
        "rows": {"used": result.clean.rows_out, "dropped": result.clean.dropped,
                 "train": result.rows_train, "test": result.rows_test},
        "training_data": {**result.fingerprint, "load_report": load_report},
        "notes": result.notes,
        "versions": library_versions(),
    })


def _selected(pipeline) -> list[str]:
    try:
        return [str(n) for n in pipeline[:-1].get_feature_names_out()]
    except Exception:  # a step without feature names
        return []


def holdout_baseline(result, evaluation, model: str | None = None) -> dict:
    """The holdout predictions monitoring compares new batches with."""
    ev = evaluation.models[model or result.best_model]
    out = {"predictions": np.asarray(ev.predictions).tolist()}
    if ev.probabilities is not None:
        out["probabilities"] = np.asarray(ev.probabilities).tolist()
    out["actual"] = np.asarray(ev.actual).tolist()
    return out


def save_trained_model(path: str | os.PathLike, result, evaluation, *, model: str | None = None,
                       model_name: str | None = None, load_report: dict | None = None,
                       home: str | os.PathLike | None = None) -> Path:
    """Save one model of a training run with everything monitoring needs later: metadata, the
    reference sample of training features and the holdout predictions."""
    name = model or result.best_model
    pipeline = next(m for m in result.models if m.name == name).pipeline
    meta = build_metadata(result, evaluation, model_name=model_name, load_report=load_report, model=model)
    return save_artifact(path, pipeline, meta, reference=result.reference,
                         holdout=holdout_baseline(result, evaluation, name), home=home)
