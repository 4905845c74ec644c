"""Monitor: a registered model's health over its logged batches — volume, prediction drift,
feature drift, data quality, performance once labels arrive, alerts, and an HTML report."""

import json

import pandas as pd

import streamlit as st

from core import charts
from core.demo import seed_demo
from core.monitoring.drift import distributions
from core.monitoring.overview import MonitorSettings
from core.monitoring.report import render_report
from core.monitoring.stattests import REGISTRY
from core.schema import drift_kinds
from ui import cache
from ui.i18n import t
from ui.widgets import model_picker, safely, store

st.title(t("monitor.title"))
st.caption(t("monitor.intro"))
the_store = store()
if the_store is None:
    st.stop()
version = model_picker(the_store, key="monitor_model")
if version is None:
    st.info(t("monitor.no_models"))
    st.page_link("pages/5_Deploy.py", label=t("nav.deploy"), icon=":material/arrow_forward:")
    if st.button(t("monitor.demo"), key="monitor_demo", help=t("monitor.demo_help")):
        with st.spinner(t("monitor.demo_running")):
            if safely(seed_demo, the_store) is not None:
                st.rerun()
    st.stop()
records = the_store.list_batches(version)
if not records:
    st.info(t("monitor.no_batches"))
    st.page_link("pages/6_Score.py", label=t("nav.score"), icon=":material/arrow_forward:")
    st.stop()

with st.expander(t("monitor.settings")):
    a, b, c = st.columns(3)
    drift_share = a.slider(t("monitor.drift_share"), 0.05, 1.0, 0.5, 0.05, key="monitor_drift_share")
    tests = ["auto", *REGISTRY]
    test = b.selectbox(t("monitor.test"), tests, key="monitor_test",
                       format_func=lambda n: t("monitor.test_auto") if n == "auto" else REGISTRY[n].label)
    perf_drop = c.number_input(t("monitor.performance_drop"), 0.0, 1.0, 0.05, 0.01, key="monitor_perf_drop")
    threshold = None
    if test != "auto":
        top = 1.0 if REGISTRY[test].score_kind == "p_value" else 10.0  # a p-value is at most 1
        threshold = st.number_input(t("monitor.threshold"), 0.001, top, float(REGISTRY[test].default_threshold),
                                    0.01, format="%.3f", key=f"monitor_threshold_{test}")
settings = MonitorSettings(drift_share=drift_share, tests={} if test == "auto" else {"*": test},
                           thresholds={} if threshold is None else {"*": threshold}, performance_drop=perf_drop)
uploads = the_store.label_uploads(version)
catalog_state = (tuple(b.id for b in records), tuple(uploads["id"]) if len(uploads) else ())
with st.spinner(t("monitor.computing")):
    ov = safely(cache.overview, the_store, version.id, catalog_state, json.dumps(settings.to_dict(), sort_keys=True))
if ov is None:
    st.stop()

h = ov.headline()
cards = st.columns(5)
cards[0].metric(t("monitor.batches"), f"{h['batches']:,}")
cards[1].metric(t("monitor.rows"), f"{h['rows_scored']:,}")
cards[2].metric(t("monitor.drifted"), f"{h['drifted_features_latest']} / {h['features_tested']}",
                t("monitor.dataset_drift") if h["dataset_drift_latest"] else None, delta_color="inverse",
                delta_arrow="off")
cards[3].metric(t("monitor.alerts"), h["alerts"], t("monitor.critical", n=h["critical_alerts"]) if h["critical_alerts"]
                else None, delta_color="inverse", delta_arrow="off")
if h["latest_performance"] is not None:
    delta = None if h["holdout_performance"] is None else \
        f"{h['latest_performance'] - h['holdout_performance']:+.3f} {t('monitor.vs_holdout')}"
    cards[4].metric(t("monitor.performance", metric=h["main_metric"]), f"{h['latest_performance']:.3f}", delta)
else:
    cards[4].metric(t("monitor.performance", metric=h["main_metric"]), "—", t("monitor.no_labels"),
                    delta_color="off", delta_arrow="off")
for n in ov.notes:
    st.info(n)

tab_time, tab_drift, tab_quality, tab_alerts = st.tabs(
    [t("monitor.tab_time"), t("monitor.tab_drift"), t("monitor.tab_quality"), t("monitor.tab_alerts")])
with tab_time:
    left, right = st.columns(2)
    left.plotly_chart(charts.volume_over_time(ov.batches, t("monitor.chart_volume"), t("monitor.rows_label"),
                                              t("monitor.flagged_label")), width="stretch")
    right.plotly_chart(charts.prediction_shares_over_time(ov.prediction_shares, ov.batches,
                                                          t("monitor.chart_predictions"), t("monitor.holdout")),
                       width="stretch")
    left, right = st.columns(2)
    left.plotly_chart(charts.drift_share_over_time(ov.batches, settings.drift_share, t("monitor.chart_drift_share"),
                                                   t("monitor.threshold_label")), width="stretch")
    if len(ov.performance):
        right.plotly_chart(charts.performance_over_time(ov.performance, ov.batches, ov.main_metric,
                                                        t("monitor.chart_performance", metric=ov.main_metric),
                                                        t("monitor.holdout")), width="stretch")
    else:
        right.info(t("monitor.no_labels_hint"))
    st.plotly_chart(charts.feature_drift_heatmap(ov.feature_drift, ov.batches, t("monitor.chart_heatmap")),
                    width="stretch")
    st.dataframe(ov.batches, width="stretch", hide_index=True,
                 column_config={"drift_share": st.column_config.NumberColumn(format="percent"),
                                "prediction_drift_score": st.column_config.NumberColumn(format="%.4g")})

with tab_drift:
    names = {r["batch"]: f"{str(r['scored_at'])[:19].replace('T', ' ')} · {r['source'] or ''} · {r['batch']}"
             for _, r in ov.batches.iterrows()}
    order = list(reversed(list(names)))
    batch_id = st.selectbox(t("monitor.batch"), order, format_func=names.get, key="monitor_batch")
    table = ov.feature_drift[ov.feature_drift["batch"] == batch_id].drop(columns="batch")
    st.dataframe(table.sort_values(["drifted", "column"], ascending=[False, True]), width="stretch", hide_index=True,
                 column_config={"score": st.column_config.NumberColumn(format="%.4g")})
    kinds = drift_kinds(version.metadata.get("features", []))
    if len(table):
        column = st.selectbox(t("monitor.column"), table["column"].tolist(), key="monitor_column")
        reference = the_store.reference(version, columns=[column])
        current = the_store.read_batch(the_store.get_batch(batch_id), columns=[column])
        if reference is not None and column in current.columns:
            dist = distributions(reference[column], current[column], kinds[column])
            st.plotly_chart(charts.reference_vs_current(dist, t("monitor.chart_column", column=column),
                                                        t("monitor.reference"), t("monitor.current")),
                            width="stretch")
    # The report embeds plotly (a few MB): build it when asked, not on every rerun.
    report_key = f"mo_report_{version.id}_{batch_id}_{hash(json.dumps(settings.to_dict(), sort_keys=True))}"
    if st.button(t("monitor.build_report"), key="monitor_build_report"):
        report = safely(render_report, the_store, ov, batch_id)
        if report is not None:
            st.session_state[report_key] = report.encode("utf-8")
    if report_key in st.session_state:
        st.download_button(t("monitor.download_report"), st.session_state[report_key],
                           file_name=f"model-health-{version.name}-v{version.version}-{batch_id}.html",
                           mime="text/html", key="monitor_report", type="primary")

with tab_quality:
    if ov.quality.empty:
        st.success(t("monitor.quality_clean"))
    else:
        st.dataframe(ov.quality, width="stretch", hide_index=True,
                     column_config={"share": st.column_config.NumberColumn(format="percent"),
                                    "training_share": st.column_config.NumberColumn(format="percent")})

with tab_alerts:
    if not settings.is_default():
        st.info(t("monitor.what_if"))
    alert_columns = {"severity": t("monitor.col_severity"), "batch_id": t("monitor.batch"),
                     "message": t("monitor.col_message"), "value": t("monitor.col_value"),
                     "threshold": t("monitor.threshold_label")}
    current = pd.DataFrame(ov.alerts, columns=list(alert_columns))  # critical first (core sorts them)
    current["severity"] = current["severity"].map(lambda s: t(f"severity.{s}"))
    current["batch_id"] = current["batch_id"].map(lambda b: names.get(b, b))
    if current.empty:
        st.success(t("monitor.no_alerts"))
    else:
        st.dataframe(current.rename(columns=alert_columns), width="stretch", hide_index=True,
                     column_config={alert_columns["message"]: st.column_config.TextColumn(width="large"),
                                    alert_columns["value"]: st.column_config.NumberColumn(format="%.4g"),
                                    alert_columns["threshold"]: st.column_config.NumberColumn(format="%.4g")})
    stored = the_store.alerts(version)
    with st.expander(t("monitor.history", n=len(stored))):
        st.dataframe(stored.drop(columns=["id", "model_version_id"]).iloc[::-1], width="stretch", hide_index=True)
