"""Evaluate: holdout metrics beside the baseline, and the charts for the chosen model."""

import streamlit as st

from core import charts
from core.evaluate import permutation_importances
from ui import state
from ui.i18n import t
from ui.widgets import metric_row, needs, safely

st.title(t("eval.title"))
result = state.get(state.RESULT)
evaluation = state.get(state.EVALUATION)
needs(result is not None and evaluation is not None, "eval.need_model", "pages/3_Train.py", "nav.train")

names = [m for m in evaluation.models if m != "dummy"] or list(evaluation.models)
name = st.selectbox(t("eval.model"), names, index=names.index(result.best_model) if result.best_model in names else 0,
                    key="eval_model")
ev = evaluation.models[name]
base = evaluation.models.get("dummy")
metric_row(ev.metrics, base.metrics if base else None)
table = {"metric": list(ev.metrics), name: list(ev.metrics.values()),
         t("eval.baseline"): [base.metrics.get(k) if base else None for k in ev.metrics]}
st.dataframe(table, width="stretch", hide_index=True)
for n in ev.notes:
    st.info(n)

if result.task == "classification":
    a, b = st.columns(2)
    a.plotly_chart(charts.confusion_matrix(ev.confusion["labels"], ev.confusion["matrix"], t("eval.confusion"),
                                           t("eval.predicted"), t("eval.actual")), width="stretch")
    if ev.probabilities is not None and len(result.classes) == 2:
        b.plotly_chart(charts.probability_histogram(ev.probabilities, ev.actual, result.classes, t("eval.proba_hist")),
                       width="stretch")
    if ev.roc:
        c, d = st.columns(2)
        c.plotly_chart(charts.roc_curves(ev.roc, t("eval.roc"), t("eval.fpr"), t("eval.tpr"), t("eval.chance")),
                       width="stretch")
        d.plotly_chart(charts.pr_curves(ev.pr, t("eval.pr"), t("eval.recall"), t("eval.precision")), width="stretch")
else:
    a, b = st.columns(2)
    a.plotly_chart(charts.predicted_vs_actual(ev.predictions, ev.actual, t("eval.pred_vs_actual"), t("eval.actual"),
                                              t("eval.predicted")), width="stretch")
    b.plotly_chart(charts.residuals(ev.predictions, ev.residuals, t("eval.residuals"), t("eval.predicted"),
                                    t("eval.residual_axis")), width="stretch")

st.subheader(t("eval.importance"))
cache = st.session_state.setdefault("mo_importances", {})
if name == result.best_model:
    imp = evaluation.importances
else:
    key = (state.get(state.RESULT_KEY), name)
    if key not in cache:
        model = next(m for m in result.models if m.name == name)
        cache[key] = safely(permutation_importances, model.pipeline, result.X_test, result.y_test, result.scoring,
                            result.search.seed)
    imp = cache[key]
if imp is not None and len(imp):
    st.plotly_chart(charts.importances(imp, t("eval.importance_title", metric=result.scoring)), width="stretch")
if result.selected_features:
    st.caption(t("eval.features", features=", ".join(result.selected_features[:40])))
st.page_link("pages/5_Deploy.py", label=t("eval.next"), icon=":material/arrow_forward:")
