"""ModelOps Studio: the entry point. Page config, language switch, navigation, status."""

from pathlib import Path

import streamlit as st

from ui import state
from ui.i18n import current, languages, t
from ui.samples import load_default_sample
from ui.widgets import report_bug, safely

st.set_page_config(page_title="ModelOps Studio", page_icon=":material/model_training:", layout="wide")

HERE = Path(__file__).parent
PAGES = [
    ("pages/1_Data.py", "nav.data", ":material/table_view:"),
    ("pages/2_Prepare.py", "nav.prepare", ":material/tune:"),
    ("pages/3_Train.py", "nav.train", ":material/model_training:"),
    ("pages/4_Evaluate.py", "nav.evaluate", ":material/analytics:"),
    ("pages/5_Deploy.py", "nav.deploy", ":material/rocket_launch:"),
    ("pages/6_Score.py", "nav.score", ":material/batch_prediction:"),
    ("pages/7_Monitor.py", "nav.monitor", ":material/monitor_heart:"),
]


def _set_language() -> None:
    state.put(state.LANG, st.session_state["language_select"])


langs = languages()
if state.get(state.LANG) is None:
    state.put(state.LANG, "en")
pages = [st.Page(str(HERE / path), title=t(key), icon=icon, default=(i == 0),
                 url_path=Path(path).stem.split("_", 1)[1].lower())
         for i, (path, key, icon) in enumerate(PAGES)]
current_page = st.navigation(pages, position="hidden")

safely(load_default_sample)  # a limit below the sample's size is a message, not a crash

with st.sidebar:
    st.markdown("## ModelOps Studio")
    st.selectbox(t("sidebar.language"), list(langs), format_func=langs.get, index=list(langs).index(current()),
                 key="language_select", on_change=_set_language)
    for page, (_, key, icon) in zip(pages, PAGES):
        st.page_link(page, label=t(key), icon=icon)
    st.divider()
    status = st.container()


def _status() -> None:
    """The sidebar's summary of the current work, drawn after the page ran so it shows what the
    page just changed (a new upload, a chosen target), even when the page stopped early."""
    with status:
        ds = state.dataset()
        st.caption(t("sidebar.status"))
        st.markdown(f"**{t('sidebar.dataset')}:** {ds.name if ds else '—'}")
        st.markdown(f"**{t('sidebar.target')}:** {state.get(state.TARGET) or '—'}")
        result = state.get(state.RESULT)
        st.markdown(f"**{t('sidebar.model')}:** {result.best_model if result else '—'}")


try:
    current_page.run()
except Exception:  # a bug in a page: an apology with an error id, the traceback only in the log
    report_bug()
finally:
    _status()
