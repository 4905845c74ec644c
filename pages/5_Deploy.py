"""Deploy: save the model as a signed artifact, download it with its model card."""

import datetime as dt
import re
from pathlib import Path

import streamlit as st

from core.artifact import read_metadata, save_trained_model
from core.config import modelops_home
from core.model_card import model_card
from ui import state
from ui.i18n import t
from ui.widgets import needs, safely, store

st.title(t("deploy.title"))
result = state.get(state.RESULT)
evaluation = state.get(state.EVALUATION)
needs(result is not None and evaluation is not None, "deploy.need_model", "pages/3_Train.py", "nav.train")

names = [m for m in evaluation.models if m != "dummy"] or list(evaluation.models)
model = st.selectbox(t("deploy.model"), names, index=names.index(result.best_model) if result.best_model in names else 0,
                     key="deploy_model")
name = st.text_input(t("deploy.name"), value=f"{result.target}-{model}", key="deploy_name", max_chars=80)
safe = re.sub(r"[^\w.-]+", "_", name).strip("._") or "model"


def save() -> Path:
    ds = state.dataset()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = modelops_home() / "artifacts" / f"{safe}-{stamp}.joblib"
    return save_trained_model(path, result, evaluation, model=model, model_name=name,
                              load_report=ds.report if ds else None)


if st.button(t("deploy.save"), type="primary", key="deploy_save"):
    path = safely(save)
    if path is not None:
        state.put(state.ARTIFACT, str(path))
        the_store = store()
        version = safely(the_store.register_model, path) if the_store is not None else None
        state.put(state.REGISTERED, version.label if version else None)

path = state.get(state.ARTIFACT)
if not path or not Path(path).exists():
    st.info(t("deploy.hint"))
    st.stop()

meta = read_metadata(path)
st.success(t("deploy.saved", path=path))
if state.get(state.REGISTERED):
    st.info(t("deploy.registered", version=state.get(state.REGISTERED)))
    st.page_link("pages/6_Score.py", label=t("deploy.to_score"), icon=":material/arrow_forward:")
a, b = st.columns(2)
a.download_button(t("deploy.download"), Path(path).read_bytes(), file_name=Path(path).name,
                  mime="application/octet-stream", type="primary", key="deploy_download", width="stretch")
card = model_card(meta)
b.download_button(t("deploy.download_card"), card.encode("utf-8"), file_name=Path(path).stem + "_model_card.md",
                  mime="text/markdown", key="deploy_card", width="stretch")
st.subheader(t("deploy.snippet"))
features = [f["name"] for f in meta["features"]]
st.code(f'''from core.artifact import load_artifact          # checks signature and versions first
from core.io import load_csv
from core.scoring import score_batch

artifact = load_artifact("{Path(path).name}")
batch = load_csv("new_batch.csv").frame            # needs columns: {", ".join(features[:8])}{" ..." if len(features) > 8 else ""}
scored = score_batch(artifact, batch)
print(scored.frame[["{"prediction"}"]].head())

# Without ModelOps Studio (no signature check - only for files you trust):
import joblib
pipeline = joblib.load("{Path(path).name}")["pipeline"]
''', language="python")
with st.expander(t("deploy.card_preview")):
    st.markdown(card)
