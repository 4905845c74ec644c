"""The st.cache_* wrappers over core loaders: same input, no recomputation on rerun."""

from __future__ import annotations

import hashlib

import streamlit as st

from core.io import load_csv
from core.profile import profile_frame
from core.train import preview_preparation


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=8)
def load(data: bytes, name: str, encoding: str | None = None):
    """Parse an uploaded file once per distinct content (returns a copy each call)."""
    return load_csv(data, name=name, encoding=encoding or None)


@st.cache_data(show_spinner=False, max_entries=16)
def profile(_frame, frame_digest: str, target: str | None):
    return profile_frame(_frame, target)


@st.cache_data(show_spinner=False, max_entries=16)
def preview(_frame, frame_digest: str, target: str, task: str, prep_json: str, test_size: float, seed: int):
    import json

    from core.prep import PrepConfig

    return preview_preparation(_frame, target, task=task, prep=PrepConfig.from_dict(json.loads(prep_json)),
                               test_size=test_size, seed=seed)


@st.cache_resource(show_spinner=False, max_entries=8)
def artifact(path: str, home: str | None):
    """A registered model, loaded (and its signature checked) once; shared, never mutated."""
    from core.artifact import load_artifact

    return load_artifact(path, home=home)


@st.cache_resource(show_spinner=False)
def store(home: str | None):
    """One Store (one connection pool) per store folder for the whole server (None: the default
    folder, and the signing key in the user's folder)."""
    from core.store import Store

    return Store(home)


@st.cache_data(show_spinner=False, max_entries=16)
def overview(_store, version_id: int, catalog_state: tuple, settings_json: str):
    """Model health, recomputed only when a batch, a label upload or a setting changed.

    ``catalog_state`` (batch ids and label upload ids) is the cache key for what is logged.
    """
    import json

    from core.monitoring.overview import MonitorSettings, monitor

    version = _store.get_version(version_id)
    return monitor(_store, version, MonitorSettings(**json.loads(settings_json)))


@st.cache_data(show_spinner=False, max_entries=16)
def estimate(_frame, frame_digest: str, target: str, task: str, prep_json: str, search_json: str):
    """The search's time estimate (one timed fit per model), once per data and settings."""
    import json

    from core.estimate import estimate_search
    from core.prep import PrepConfig
    from core.train import SearchConfig

    return estimate_search(_frame, target, task=task, prep=PrepConfig.from_dict(json.loads(prep_json)),
                           search=SearchConfig(**json.loads(search_json)))
