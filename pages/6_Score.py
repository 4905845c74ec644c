"""Score: pick a saved model, upload a batch, read the contract check and download predictions."""

from pathlib import Path

import streamlit as st

from core import charts
from core.artifact import load_artifact, read_metadata
from core.config import modelops_home
from core.export import csv_bytes
from core.scoring import score_batch
from ui import cache, state
from ui.i18n import t
from ui.widgets import safely

st.title(t("score.title"))
st.caption(t("score.intro"))
models_dir = modelops_home() / "models"
saved = sorted(models_dir.glob("*.joblib"), key=lambda p: p.stat().st_mtime, reverse=True) if models_dir.exists() else []
upload_model = st.file_uploader(t("score.upload_model"), type=["joblib", "pkl"], key="score_model_upload")
trust = st.checkbox(t("score.trust"), key="score_trust", help=t("score.trust_help"))

model_path = None
if upload_model is not None:
    target_path = modelops_home() / "uploads" / upload_model.name
    target_path.parent.mkdir(parents=True, exist_ok=True)
    target_path.write_bytes(upload_model.getvalue())
    model_path = target_path
elif saved:
    choice = st.selectbox(t("score.model"), [p.name for p in saved], key="score_model")
    model_path = models_dir / choice
else:
    st.info(t("score.no_models"))
    st.page_link("pages/5_Deploy.py", label=t("nav.deploy"), icon=":material/arrow_forward:")
    st.stop()

artifact = safely(load_artifact, model_path, trust=trust)
if artifact is None:
    st.stop()
for w in artifact.warnings:
    st.warning(w)
meta = artifact.metadata
st.caption(t("score.model_info", task=meta.get("task"), target=meta.get("target"),
             features=", ".join(f["name"] for f in meta.get("features", [])[:12])))

batch = st.file_uploader(t("score.upload_batch"), type=["csv", "txt", "tsv"], key="score_batch_upload")
if batch is None:
    st.stop()
loaded = safely(cache.load, batch.getvalue(), batch.name)
if loaded is None:
    st.stop()
scored = safely(score_batch, artifact, loaded.frame, name=batch.name)
if scored is None:
    st.stop()
c = st.columns(3)
c[0].metric(t("score.rows"), f"{len(scored.frame):,}")
c[1].metric(t("score.flagged"), f"{scored.check.flagged_rows:,}")
c[2].metric(t("score.issues"), len(scored.check.issues))
for m in scored.check.messages():
    st.warning(m)
st.dataframe(scored.frame.head(500), width="stretch", height=300)
st.plotly_chart(charts.prediction_distribution(scored.frame[scored.prediction_column], t("score.distribution")),
                width="stretch")
st.download_button(t("score.download"), csv_bytes(scored.frame), file_name=Path(batch.name).stem + "_predictions.csv",
                   mime="text/csv", type="primary", key="score_download")
