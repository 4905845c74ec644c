"""Prepare: cleaning, encoding, scaling and feature selection settings, with a live preview."""

import json

import streamlit as st

from core import charts
from core.prep import (CATEGORICAL_MISSING, ENCODINGS, NUMERIC_MISSING, OUTLIERS, SCALINGS, SCORE_FUNCS,
                       PrepConfig)
from ui import cache, state
from ui.i18n import t
from ui.widgets import needs, safely

st.title(t("prep.title"))
ds = state.dataset()
needs(ds is not None and state.get(state.TARGET), "prep.need_data", "pages/1_Data.py", "nav.data")
target, task = state.get(state.TARGET), state.get(state.TASK, "auto")
prof = safely(cache.profile, ds.frame, ds.digest, target)
if prof is None:
    st.stop()
resolved_task = prof.task.task if task == "auto" else task
saved: PrepConfig = state.get(state.PREP) or PrepConfig()

st.subheader(t("prep.columns"))
suggested = prof.suggested_drops
candidates = [c.name for c in prof.columns if c.role != "target"]
default_drop = [c for c in candidates if (c in suggested and c not in saved.keep_columns) or c in saved.drop_columns]
drop = st.multiselect(t("prep.drop"), candidates, default=default_drop, key="prep_drop")
if suggested:
    st.caption(t("prep.suggested"))
    st.table({t("profile.name"): list(suggested), t("profile.reason"): list(suggested.values())})

a, b, c = st.columns(3)
with a:
    st.markdown(f"**{t('prep.cleaning')}**")
    numeric_missing = st.selectbox(t("prep.numeric_missing"), NUMERIC_MISSING, NUMERIC_MISSING.index(saved.numeric_missing),
                                   format_func=lambda x: t(f"prep.opt.{x}"), key="prep_num_missing")
    categorical_missing = st.selectbox(t("prep.categorical_missing"), CATEGORICAL_MISSING,
                                       CATEGORICAL_MISSING.index(saved.categorical_missing),
                                       format_func=lambda x: t(f"prep.opt.{x}"), key="prep_cat_missing")
    drop_duplicates = st.checkbox(t("prep.duplicates"), saved.drop_duplicates, key="prep_dupes")
    outliers = st.selectbox(t("prep.outliers"), OUTLIERS, OUTLIERS.index(saved.outliers),
                            format_func=lambda x: t(f"prep.opt.{x}"), key="prep_outliers")
with b:
    st.markdown(f"**{t('prep.encoding')}**")
    encoding = st.selectbox(t("prep.categorical"), ENCODINGS, ENCODINGS.index(saved.encoding),
                            format_func=lambda x: t(f"prep.opt.{x}"), key="prep_encoding")
    min_frequency = st.slider(t("prep.min_frequency"), 0.0, 0.2, float(saved.min_frequency), 0.01, key="prep_minfreq")
    max_categories = st.number_input(t("prep.max_categories"), 2, 500, int(saved.max_categories), key="prep_maxcat")
    scaling = st.selectbox(t("prep.scaling"), SCALINGS, SCALINGS.index(saved.scaling),
                           format_func=lambda x: t(f"prep.opt.{x}"), key="prep_scaling")
with c:
    st.markdown(f"**{t('prep.selection')}**")
    selections = ["none", "kbest", "rfe"]
    selection = st.selectbox(t("prep.selection_method"), selections, selections.index(saved.selection),
                             format_func=lambda x: t(f"prep.opt.{x}"), key="prep_selection")
    funcs = ["auto", *SCORE_FUNCS[resolved_task]]
    score_func = st.selectbox(t("prep.score_func"), funcs, funcs.index(saved.score_func) if saved.score_func in funcs else 0,
                              key="prep_score_func", disabled=selection != "kbest")
    k = st.number_input(t("prep.k"), 1, 500, int(saved.k_features) if saved.k_features != "all" else 5,
                        key="prep_k", disabled=selection == "none")

config = PrepConfig(
    numeric_missing=numeric_missing, categorical_missing=categorical_missing, drop_duplicates=drop_duplicates,
    outliers=outliers, encoding=encoding, min_frequency=min_frequency, max_categories=int(max_categories),
    scaling=scaling, selection=selection, k_features="all" if selection == "none" else int(k), score_func=score_func,
    drop_columns=[x for x in drop if x not in suggested], keep_columns=[x for x in suggested if x not in drop and x in candidates],
)
if config != saved:
    state.put(state.PREP, config)
    state.clear_training()

st.subheader(t("prep.preview"))
preview = safely(cache.preview, ds.frame, ds.digest, target, task, json.dumps(config.to_dict()), 0.2, 42)
if preview is None:
    st.stop()
for n in preview.notes:
    st.info(n)
st.caption(t("prep.preview_caption", rows=preview.rows_train, features=preview.prepared.shape[1]))
st.dataframe(preview.prepared, width="stretch", height=240)
scores = preview.scores
if scores["score"].notna().any():
    st.plotly_chart(charts.feature_scores(scores, t("prep.scores_title"), t("prep.selected"), t("prep.not_selected")),
                    width="stretch")
    st.caption(t("prep.selected_list", features=", ".join(scores.loc[scores["selected"], "feature"])))
st.page_link("pages/3_Train.py", label=t("prep.next"), icon=":material/arrow_forward:")
