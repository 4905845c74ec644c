"""Every session-state key the pages share, with typed getters and setters.

Data that crosses pages lives under these keys, never under widget keys (a widget's key
vanishes when the widget is not rendered on the current page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

LANG = "mo_lang"
DATASET = "mo_dataset"
TARGET = "mo_target"
TASK = "mo_task"
PREP = "mo_prep"
SEARCH = "mo_search"
RESULT = "mo_train_result"
EVALUATION = "mo_evaluation"
RESULT_KEY = "mo_train_key"
ARTIFACT = "mo_artifact_path"
TRUST = "mo_trust"
REGISTERED = "mo_registered"  # label of the version the last save registered
SCORED = "mo_scored"          # (token of model + upload, ScoredBatch): one upload is logged once
LABELLED = "mo_labelled"      # (token of batch + labels upload, LabelReport)


@dataclass
class Dataset:
    """The table the user is working on and how it was read."""

    name: str
    frame: Any
    report: dict
    digest: str


def get(key: str, default=None):
    return st.session_state.get(key, default)


def put(key: str, value) -> None:
    st.session_state[key] = value


def dataset() -> Dataset | None:
    return st.session_state.get(DATASET)


def set_dataset(ds: Dataset) -> None:
    """A new dataset invalidates everything trained on the old one."""
    old = dataset()
    st.session_state[DATASET] = ds
    if old is None or old.digest != ds.digest:
        for key in (TARGET, TASK, PREP, RESULT, EVALUATION, RESULT_KEY, ARTIFACT, REGISTERED):
            st.session_state.pop(key, None)


def clear_training() -> None:
    for key in (RESULT, EVALUATION, RESULT_KEY, ARTIFACT, REGISTERED):
        st.session_state.pop(key, None)
