"""Score: pick a registered model, upload a batch, read the contract check, download predictions;
the batch is logged for monitoring. Ground truth for a batch is uploaded here too."""

from pathlib import Path

import streamlit as st

from core import charts
from core.artifact import load_artifact
from core.export import csv_bytes
from core.labels import attach_labels
from core.scoring import score_and_log, score_batch
from core.store import sha256_bytes
from ui import cache, state
from ui.i18n import t
from ui.widgets import model_picker, safely, store

st.title(t("score.title"))
st.caption(t("score.intro"))
the_store = store()
if the_store is None:
    st.stop()

with st.expander(t("score.upload_model"), expanded=not the_store.list_versions()):
    upload_model = st.file_uploader(t("score.upload_model_file"), type=["joblib", "pkl"], key="score_model_upload")
    trust = st.checkbox(t("score.trust"), key="score_trust", help=t("score.trust_help"))

artifact, version = None, None
if upload_model is not None:
    folder = the_store.home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha256_bytes(upload_model.getvalue())[:16]}-{Path(upload_model.name).name}"
    if not path.exists():
        path.write_bytes(upload_model.getvalue())
    artifact = safely(load_artifact, path, trust=trust)
    if artifact is None:
        st.stop()
    if artifact.signed:
        version = safely(the_store.register_model, path)
    else:
        st.warning(t("score.not_logged_unsigned"))
else:
    version = model_picker(the_store, key="score_model")
    if version is None:
        st.info(t("score.no_models"))
        st.page_link("pages/5_Deploy.py", label=t("nav.deploy"), icon=":material/arrow_forward:")
        st.stop()
    artifact = safely(cache.artifact, version.artifact_path, the_store.key_home)
    if artifact is None:
        st.stop()
for w in artifact.warnings:
    st.warning(w)
meta = artifact.metadata
st.caption(t("score.model_info", task=t(f"task.{meta.get('task')}"), target=meta.get("target"),
             features=", ".join(f["name"] for f in meta.get("features", [])[:12])))

batch = st.file_uploader(t("score.upload_batch"), type=["csv", "txt", "tsv"], key="score_batch_upload")
log = st.checkbox(t("score.log"), value=True, key="score_log", disabled=version is None, help=t("score.log_help"))
if batch is not None:
    data = batch.getvalue()
    loaded = safely(cache.load, data, batch.name)
    if loaded is None:
        st.stop()
    for w in loaded.report.warnings:
        st.info(w)
    # Streamlit reruns this script on every click: score and log one upload once, then reuse it.
    source = (version.id if version else artifact.path, sha256_bytes(data))
    logged = st.session_state.setdefault("mo_logged_uploads", {})  # (model, file) -> its ScoredBatch
    token = (*source, bool(log and version))
    done = state.get(state.SCORED)
    if not done or done[0] != token:
        if log and version is not None and source in logged:
            scored = logged[source]  # already logged in this session: never log the same upload twice
        elif log and version is not None:
            earlier = the_store.find_batches(version, sha256_bytes(data))
            scored = safely(score_and_log, the_store, version, loaded.frame, name=batch.name,
                            source_sha256=sha256_bytes(data))
            if scored is not None:
                logged[source] = scored
                st.session_state["labels_batch"] = scored.batch_id  # labels now go to this batch
                st.session_state["mo_score_repeat"] = earlier[-1].id if earlier else None
        else:
            scored = safely(score_batch, artifact, loaded.frame, name=batch.name)
        if scored is None:
            st.stop()
        state.put(state.SCORED, (token, scored))
    scored = state.get(state.SCORED)[1]
    if scored.batch_id and st.session_state.get("mo_score_repeat"):
        st.warning(t("score.repeat", batch=st.session_state["mo_score_repeat"]))
    if scored.batch_id:
        st.success(t("score.logged", batch=scored.batch_id, model=version.label))
    c = st.columns(3)
    c[0].metric(t("score.rows"), f"{len(scored.frame):,}")
    c[1].metric(t("score.flagged"), f"{scored.check.flagged_rows:,}")
    c[2].metric(t("score.issues"), len(scored.check.issues))
    for m in scored.check.messages():
        st.warning(m)
    st.dataframe(scored.frame.head(500), width="stretch", height=300)
    st.plotly_chart(charts.prediction_distribution(scored.frame[scored.prediction_column], t("score.distribution")),
                    width="stretch")
    st.download_button(t("score.download"), csv_bytes(scored.frame),
                       file_name=Path(batch.name).stem + "_predictions.csv", mime="text/csv", type="primary",
                       key="score_download")

if version is None:
    st.stop()
st.divider()
st.subheader(t("labels.title"))
st.caption(t("labels.intro", target=version.target))
batches = the_store.list_batches(version)
if not batches:
    st.info(t("labels.no_batches"))
    st.stop()
options = [b.id for b in reversed(batches)]
names = {b.id: f"{b.scored_at[:19].replace('T', ' ')} · {b.source_name or ''} · {b.rows:,} · {b.id}" for b in batches}
chosen = st.selectbox(t("labels.batch"), options, format_func=names.get, key="labels_batch")
labels_file = st.file_uploader(t("labels.upload"), type=["csv", "txt", "tsv"], key="labels_upload")
if labels_file is not None:
    data = labels_file.getvalue()
    token = (chosen, sha256_bytes(data))
    done = state.get(state.LABELLED)
    if not done or done[0] != token:
        loaded = safely(cache.load, data, labels_file.name)
        if loaded is None:
            st.stop()
        report = safely(attach_labels, the_store, version, loaded.frame, batch_id=chosen,
                        source_name=labels_file.name, source_sha256=sha256_bytes(data))
        if report is None:
            st.stop()
        state.put(state.LABELLED, (token, report))
    report = state.get(state.LABELLED)[1]
    messages = report.messages()
    st.success(messages[0])
    for m in messages[1:]:
        st.warning(m)
    st.page_link("pages/7_Monitor.py", label=t("labels.to_monitor"), icon=":material/arrow_forward:")
