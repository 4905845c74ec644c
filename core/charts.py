"""Plotly figure builders: each takes plain data and returns a Figure, never shows it.

One template for every chart, with fonts large enough for a screen-shared demo. Titles and
axis labels are passed in by the caller, so pages can translate them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

PALETTE = ["#2f6fdf", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
TEMPLATE = go.layout.Template(layout=go.Layout(
    font=dict(size=15), title=dict(font=dict(size=18)), colorway=PALETTE,
    paper_bgcolor="white", plot_bgcolor="white", margin=dict(l=60, r=30, t=60, b=50),
    xaxis=dict(gridcolor="#e6e6e6", zerolinecolor="#cccccc"),
    yaxis=dict(gridcolor="#e6e6e6", zerolinecolor="#cccccc"),
))


def _fig(title: str, **layout) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, title=title, **layout)
    return fig


def distribution(series: pd.Series, title: str) -> go.Figure:
    """Histogram for numbers, bar chart of the most frequent values otherwise."""
    fig = _fig(title)
    s = series.dropna()
    numeric = pd.to_numeric(s, errors="coerce")
    if len(s) and numeric.notna().mean() > 0.9 and s.nunique() > 10:
        fig.add_histogram(x=numeric[np.isfinite(numeric)], nbinsx=40, marker_color=PALETTE[0])
    else:
        counts = s.astype(str).value_counts().head(30)
        fig.add_bar(x=counts.index.tolist(), y=counts.to_numpy(), marker_color=PALETTE[0])
    return fig


def missing_by_column(profile_table: pd.DataFrame, title: str) -> go.Figure:
    t = profile_table.sort_values("missing_share", ascending=False)
    fig = _fig(title, yaxis=dict(tickformat=".0%", range=[0, 1]))
    fig.add_bar(x=t["name"], y=t["missing_share"], marker_color=PALETTE[3])
    return fig


def correlation_heatmap(frame: pd.DataFrame, title: str) -> go.Figure:
    numeric = frame.select_dtypes("number").replace([np.inf, -np.inf], np.nan)
    corr = numeric.corr() if numeric.shape[1] else pd.DataFrame()
    fig = _fig(title)
    fig.add_heatmap(z=corr.to_numpy(), x=list(corr.columns), y=list(corr.index), zmin=-1, zmax=1,
                    colorscale="RdBu", reversescale=True, text=np.round(corr.to_numpy(), 2),
                    texttemplate="%{text}")
    return fig


def feature_scores(scores: pd.DataFrame, title: str, selected_label: str, other_label: str) -> go.Figure:
    t = scores.head(40)
    fig = _fig(title, barmode="overlay")
    for flag, name, color in ((True, selected_label, PALETTE[0]), (False, other_label, "#bbbbbb")):
        part = t[t["selected"] == flag]
        fig.add_bar(x=part["feature"], y=part["score"], name=name, marker_color=color)
    return fig


def leaderboard(board: pd.DataFrame, title: str, metric: str) -> go.Figure:
    t = board.dropna(subset=["cv_mean"])
    fig = _fig(title, yaxis_title=metric)
    fig.add_bar(x=t["model"], y=t["cv_mean"], error_y=dict(type="data", array=t["cv_std"].to_numpy()),
                marker_color=[("#bbbbbb" if b else PALETTE[0]) for b in t["baseline"]])
    return fig


def confusion_matrix(labels: list[str], matrix: list[list[int]], title: str, x_label: str, y_label: str) -> go.Figure:
    fig = _fig(title, xaxis_title=x_label, yaxis_title=y_label, yaxis=dict(autorange="reversed"))
    fig.add_heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", text=matrix, texttemplate="%{text}",
                    showscale=False)
    return fig


def roc_curves(curves: dict[str, dict], title: str, x_label: str = "False positive rate",
               y_label: str = "True positive rate", chance_label: str = "chance") -> go.Figure:
    fig = _fig(title, xaxis_title=x_label, yaxis_title=y_label)
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dash", color="#999999"), name=chance_label)
    for label, c in curves.items():
        fig.add_scatter(x=c["fpr"], y=c["tpr"], mode="lines", name=str(label))
    return fig


def pr_curves(curves: dict[str, dict], title: str, x_label: str = "Recall", y_label: str = "Precision") -> go.Figure:
    fig = _fig(title, xaxis_title=x_label, yaxis_title=y_label)
    for label, c in curves.items():
        fig.add_scatter(x=c["recall"], y=c["precision"], mode="lines",
                        name=f"{label} (AP {c.get('average_precision', float('nan')):.3f})")
    return fig


def probability_histogram(probabilities: np.ndarray, actual: np.ndarray, classes: list, title: str) -> go.Figure:
    """Predicted probability of the positive (last) class, split by the true class."""
    fig = _fig(title, barmode="overlay", xaxis_title=f"P({classes[-1]})")
    for c in classes:
        mask = np.asarray(actual).astype(str) == str(c)
        fig.add_histogram(x=probabilities[mask, -1], name=str(c), opacity=0.6, nbinsx=30)
    return fig


def predicted_vs_actual(pred: np.ndarray, actual: np.ndarray, title: str, x_label: str = "Actual",
                        y_label: str = "Predicted") -> go.Figure:
    fig = _fig(title, xaxis_title=x_label, yaxis_title=y_label)
    lo, hi = float(np.nanmin(actual)), float(np.nanmax(actual))
    fig.add_scatter(x=actual, y=pred, mode="markers", marker=dict(size=6, opacity=0.5), name="rows")
    fig.add_scatter(x=[lo, hi], y=[lo, hi], mode="lines", line=dict(dash="dash", color="#999999"), name="ideal")
    return fig


def residuals(pred: np.ndarray, resid: np.ndarray, title: str, x_label: str = "Predicted",
              y_label: str = "Actual - predicted") -> go.Figure:
    fig = _fig(title, xaxis_title=x_label, yaxis_title=y_label)
    fig.add_scatter(x=pred, y=resid, mode="markers", marker=dict(size=6, opacity=0.5))
    fig.add_hline(y=0, line_dash="dash", line_color="#999999")
    return fig


def importances(table: pd.DataFrame, title: str) -> go.Figure:
    t = table.head(25).iloc[::-1]
    fig = _fig(title)
    fig.add_bar(x=t["importance"], y=t["feature"], orientation="h",
                error_x=dict(type="data", array=t["std"].to_numpy()), marker_color=PALETTE[2])
    return fig


def prediction_distribution(values: pd.Series, title: str) -> go.Figure:
    return distribution(values, title)


# --- monitoring: model health over batches -------------------------------------------------

def _batch_axis(batches: pd.DataFrame) -> list[str]:
    """Short, ordered x labels for batches: scoring time, and the file name when known."""
    # The batch number makes every label unique: two uploads of one file in the same minute must
    # stay two bars, not be merged by plotly into one category.
    return [f"#{i} {str(t)[:10]}<br>{(s or '')[:18]}"
            for i, (t, s) in enumerate(zip(batches["scored_at"], batches["source"]), start=1)]


def volume_over_time(batches: pd.DataFrame, title: str, rows_label: str, flagged_label: str) -> go.Figure:
    fig = _fig(title, barmode="overlay")
    x = _batch_axis(batches)
    fig.add_bar(x=x, y=batches["rows"], name=rows_label, marker_color=PALETTE[0])
    fig.add_bar(x=x, y=batches["flagged_rows"], name=flagged_label, marker_color=PALETTE[3])
    return fig


def drift_share_over_time(batches: pd.DataFrame, threshold: float, title: str, threshold_label: str) -> go.Figure:
    fig = _fig(title, yaxis=dict(tickformat=".0%", range=[0, 1.05]))
    colors = [PALETTE[3] if d else PALETTE[0] for d in batches["dataset_drift"]]
    fig.add_bar(x=_batch_axis(batches), y=batches["drift_share"].astype(float), marker_color=colors, showlegend=False)
    fig.add_hline(y=threshold, line_dash="dash", line_color="#444444", annotation_text=threshold_label,
                  annotation_position="top left", annotation_bgcolor="white")
    return fig


def feature_drift_heatmap(feature_drift: pd.DataFrame, batches: pd.DataFrame, title: str) -> go.Figure:
    """Batches across, features down; colour is drifted (1) or not (0), hover shows the score."""
    fig = _fig(title)
    if feature_drift.empty:
        return fig
    order = list(batches["batch"])
    labels = dict(zip(batches["batch"], _batch_axis(batches)))
    flag = feature_drift.pivot_table(index="column", columns="batch", values="drifted", aggfunc="max").astype(float)
    score = feature_drift.pivot_table(index="column", columns="batch", values="score", aggfunc="max")
    test = feature_drift.pivot_table(index="column", columns="batch", values="test", aggfunc="first")
    cols = [b for b in order if b in flag.columns]
    flag, score, test = flag[cols], score[cols], test[cols]
    text = [[f"{test.iloc[i, j]} {score.iloc[i, j]:.3g}" for j in range(len(cols))] for i in range(len(flag))]
    fig.add_heatmap(z=flag.to_numpy(), x=[labels[b] for b in cols], y=flag.index.tolist(), text=text,
                    texttemplate="%{text}", zmin=0, zmax=1, showscale=False,
                    colorscale=[[0, "#e8f0fe"], [1, PALETTE[3]]], hovertemplate="%{y}: %{text}<extra></extra>")
    fig.update_layout(height=max(300, 40 * len(flag) + 120))
    return fig


def prediction_shares_over_time(shares: pd.DataFrame, batches: pd.DataFrame, title: str,
                                holdout_label: str) -> go.Figure:
    """Classification: stacked class shares per batch (holdout first); regression: quantiles."""
    fig = _fig(title)
    if shares.empty:
        return fig
    labels = {"holdout": holdout_label, **dict(zip(batches["batch"], _batch_axis(batches)))}
    order = ["holdout"] + list(batches["batch"])
    if "class" in shares.columns:
        fig.update_layout(barmode="stack", yaxis=dict(tickformat=".0%"))
        for cls, part in shares.groupby("class", sort=True):
            part = part.set_index("batch").reindex([b for b in order if b in set(shares["batch"])])
            fig.add_bar(x=[labels.get(b, b) for b in part.index], y=part["share"].fillna(0), name=str(cls))
    else:
        for stat, part in shares.groupby("statistic", sort=False):
            part = part.set_index("batch").reindex([b for b in order if b in set(shares["batch"])])
            fig.add_scatter(x=[labels.get(b, b) for b in part.index], y=part["value"], name=str(stat),
                            mode="lines+markers")
    return fig


def performance_over_time(performance: pd.DataFrame, batches: pd.DataFrame, metric: str, title: str,
                          holdout_label: str) -> go.Figure:
    fig = _fig(title)
    part = performance[performance["metric"] == metric]
    if part.empty:
        return fig
    labels = dict(zip(batches["batch"], _batch_axis(batches)))
    part = part.set_index("batch").reindex([b for b in batches["batch"] if b in set(part["batch"])])
    fig.add_scatter(x=[labels[b] for b in part.index], y=part["value"], mode="lines+markers", name=metric,
                    marker=dict(size=10), line=dict(color=PALETTE[0]))
    holdout = part["holdout"].dropna()
    if len(holdout):
        fig.add_hline(y=float(holdout.iloc[0]), line_dash="dash", line_color=PALETTE[2], annotation_text=holdout_label)
    return fig


def reference_vs_current(dist: pd.DataFrame, title: str, reference_label: str, current_label: str) -> go.Figure:
    """Shares per bin or category, side by side (from core.monitoring.drift.distributions)."""
    fig = _fig(title, barmode="group", yaxis=dict(tickformat=".0%"))
    x = dist.iloc[:, 0].astype(str).tolist()
    fig.add_bar(x=x, y=dist["reference"], name=reference_label, marker_color=PALETTE[0])
    fig.add_bar(x=x, y=dist["current"], name=current_label, marker_color=PALETTE[1])
    return fig
