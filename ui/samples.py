"""The bundled sample datasets, and loading one on a first visit so the app opens with data."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import cache, state

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
SAMPLES = {
    "credit": ("credit_default.csv", "default"),
    "bikeshare": ("bikeshare.csv", "bikers"),
}
_AUTOLOADED = "mo_sample_autoloaded"


def load_sample(key: str) -> None:
    """Load a sample through the same core loader an upload uses, and preselect its target."""
    file, target = SAMPLES[key]
    data = (SAMPLE_DIR / file).read_bytes()
    loaded = cache.load(data, file)
    state.set_dataset(state.Dataset(file, loaded.frame, loaded.report.to_dict(), cache.digest(data)))
    state.put(state.TARGET, target)


def load_default_sample() -> None:
    """On a session's first run, open on the credit sample (once; the user can replace it)."""
    if st.session_state.get(_AUTOLOADED):
        return
    st.session_state[_AUTOLOADED] = True
    if state.dataset() is None:
        load_sample("credit")
