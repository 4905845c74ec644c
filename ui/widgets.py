"""Render helpers the pages share: safe calls, metric rows, and the 'do this first' notices."""

from __future__ import annotations

import datetime as dt
import os
import traceback
import uuid

import streamlit as st

from core.config import modelops_home
from ui import cache
from core.errors import ModelOpsError
from ui.i18n import t


def safely(fn, *args, **kwargs):
    """Call core; show user errors with st.error and bugs with an apology and an error id.

    Returns the call's result, or None when it failed (the page then stops what it was doing).
    """
    try:
        return fn(*args, **kwargs)
    except ModelOpsError as exc:
        st.error(str(exc))
    except OSError as exc:  # permissions, a full disk: the user's to fix, not a bug
        st.error(t("error.os", what=exc.strerror or str(exc), path=exc.filename or ""))
    except Exception:  # a bug: log the traceback, never show it
        report_bug()
    return None


def report_bug() -> str:
    """Log the exception being handled with its traceback to the store's log file and show the
    user a short apology with an id to quote; returns the id.

    With ``MODELOPS_DEBUG=1`` (the test suite sets it) the exception is raised again after
    logging, so that AppTest sees every bug instead of a polite message.
    """
    error_id = uuid.uuid4().hex[:8]
    path = modelops_home() / "logs" / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat()} app error {error_id}\n{traceback.format_exc()}")
    except OSError:
        pass
    if os.environ.get("MODELOPS_DEBUG") == "1":
        raise
    st.error(t("error.bug", id=error_id))
    return error_id


def needs(condition: bool, message_key: str, page: str | None = None, label_key: str | None = None) -> None:
    """Stop the page with a friendly pointer when its input is missing."""
    if condition:
        return
    st.info(t(message_key))
    if page and label_key:
        st.page_link(page, label=t(label_key), icon=":material/arrow_forward:")
    st.stop()


def metric_row(metrics: dict[str, float], baseline: dict[str, float] | None = None, limit: int = 6) -> None:
    items = list(metrics.items())[:limit]
    cols = st.columns(len(items)) if items else []
    for col, (name, value) in zip(cols, items):
        delta = None
        if baseline and baseline.get(name) is not None and value is not None:
            delta = f"{value - baseline[name]:+.3f} {t('eval.vs_baseline')}"
        col.metric(t(f"metric.{name}") if t(f"metric.{name}") != f"metric.{name}" else name,
                   "—" if value is None else f"{value:.3f}", delta,
                   delta_color="inverse" if name in ("log_loss", "mae", "rmse", "mape") else "normal")


def store():
    """The store of this installation, or None after showing why it cannot be opened."""
    return safely(cache.store, os.environ.get("MODELOPS_HOME") or None)


def model_picker(the_store, key: str):
    """A select box of registered model versions (newest first); None when there are none."""
    versions = the_store.list_versions()
    if not versions:
        return None
    labels = {v.id: f"{v.label} · {v.task} · {v.target} · {v.registered_at[:16].replace('T', ' ')}" for v in versions}
    chosen = st.selectbox(t("widgets.model"), list(labels), format_func=labels.get, key=key)
    return next(v for v in versions if v.id == chosen)
