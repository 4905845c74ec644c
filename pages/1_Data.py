"""Data: upload a CSV or pick a sample; see how it was read, its profile, and choose the target."""

import streamlit as st

from core import charts
from core.config import Limits, limits
from core.profile import default_target
from ui import cache, state
from ui.i18n import t
from ui.samples import SAMPLES, load_sample
from ui.widgets import safely

ENCODINGS = ["auto", "utf-8", "gb18030", "big5", "cp1252", "latin-1", "utf-16", "shift_jis", "cp949"]
_LAST_UPLOAD = "mo_last_upload"


def token_of(file, encoding):
    """What identifies an upload: its content and the encoding chosen for it."""
    return None if file is None else (cache.digest(file.getvalue()), encoding)


st.title(t("data.title"))
st.caption(t("data.intro"))

left, right = st.columns([3, 2])
with left:
    limit = min(st.get_option("server.maxUploadSize"), (safely(limits) or Limits()).max_upload_mb)
    upload = st.file_uploader(t("data.upload", mb=limit), type=["csv", "txt", "tsv"], key="data_upload")
    encoding = st.selectbox(t("data.encoding"), ENCODINGS, key="data_encoding",
                            format_func=lambda e: t("data.encoding_auto") if e == "auto" else e)
with right:
    st.markdown(f"**{t('data.samples')}**")
    for key in SAMPLES:
        if st.button(t(f"data.sample.{key}"), key=f"sample_{key}", width="stretch"):
            safely(load_sample, key)
            st.session_state[_LAST_UPLOAD] = token_of(upload, encoding)
            st.rerun()

if upload is not None:
    data = upload.getvalue()
    token = token_of(upload, encoding)
    if st.session_state.get(_LAST_UPLOAD) != token:
        st.session_state[_LAST_UPLOAD] = token
        loaded = safely(cache.load, data, upload.name, None if encoding == "auto" else encoding)
        if loaded is None:
            st.session_state.pop(state.DATASET, None)
            state.clear_training()
        else:
            state.set_dataset(state.Dataset(upload.name, loaded.frame, loaded.report.to_dict(), token[0] + encoding))
            st.rerun()

ds = state.dataset()
if ds is None:
    st.info(t("data.empty"))
    st.stop()

rep = ds.report
st.subheader(t("data.report", name=ds.name))
c = st.columns(5)
c[0].metric(t("data.rows"), f"{rep['rows']:,}")
c[1].metric(t("data.columns"), rep["columns"])
c[2].metric(t("data.encoding_used"), rep["encoding"])
c[3].metric(t("data.delimiter"), rep["delimiter"])
c[4].metric(t("data.decimal"), rep["decimal"])
for w in rep["warnings"]:
    st.warning(w)

st.dataframe(ds.frame.head(50), width="stretch", height=240)

columns = [str(x) for x in ds.frame.columns]
saved_target = state.get(state.TARGET)
target = st.selectbox(t("data.target"), columns, index=columns.index(saved_target if saved_target in columns else default_target(ds.frame)),
                      key="data_target")
if target != saved_target:
    state.put(state.TARGET, target)
    state.clear_training()

prof = safely(cache.profile, ds.frame, ds.digest, target)
if prof is None:
    st.stop()
guess = prof.task
tasks = ["auto", "classification", "regression"]
saved_task = state.get(state.TASK, "auto")
task = st.radio(t("data.task"), tasks, index=tasks.index(saved_task), horizontal=True, key="data_task",
                format_func=lambda x: t(f"task.{x}"))
if task != saved_task:
    state.put(state.TASK, task)
    state.clear_training()
st.success(t("data.task_inferred", task=t(f"task.{guess.task}"), reason=guess.reason))
for w in prof.warnings:
    st.warning(w)

st.subheader(t("data.profile"))
table = prof.to_frame()
table = table.assign(kind=table["kind"].map(lambda k: t(f"kind.{k}")), role=table["role"].map(lambda r: t(f"role.{r}")))
shown = table[["name", "kind", "missing_share", "distinct", "infinite", "role", "reason"]].rename(columns={
    "name": t("profile.name"), "kind": t("profile.kind"), "missing_share": t("profile.missing"),
    "distinct": t("profile.distinct"), "infinite": t("profile.infinite"), "role": t("profile.role"),
    "reason": t("profile.reason")})
st.dataframe(shown, width="stretch", hide_index=True,
             column_config={t("profile.missing"): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})

tab1, tab2, tab3 = st.tabs([t("data.chart.distribution"), t("data.chart.missing"), t("data.chart.correlation")])
with tab1:
    col = st.selectbox(t("data.chart.column"), columns, index=columns.index(target), key="data_chart_col")
    st.plotly_chart(charts.distribution(ds.frame[col], t("data.chart.distribution_of", column=col)), width="stretch")
with tab2:
    st.plotly_chart(charts.missing_by_column(table, t("data.chart.missing")), width="stretch")
with tab3:
    st.plotly_chart(charts.correlation_heatmap(ds.frame, t("data.chart.correlation")), width="stretch")

st.page_link("pages/2_Prepare.py", label=t("data.next"), icon=":material/arrow_forward:")
