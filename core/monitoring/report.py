"""A self-contained HTML report of one batch against the model's reference.

One file with plotly's JavaScript inline, so it opens offline and can be mailed to someone who
has nothing installed. Every text that came from data (column names, categories, file names)
is HTML-escaped.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd
import plotly.io as pio

from core import charts
from core import store as st
from core.errors import ConfigError
from core.monitoring.drift import distributions
from core.monitoring.overview import Overview
from core.schema import drift_kinds

STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:32px auto;max-width:1200px;color:#222}
h1{margin-bottom:4px} .sub{color:#666;margin-top:0} table{border-collapse:collapse;margin:12px 0;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:6px 10px;text-align:left;font-size:14px}
th{background:#f6f8fb} .cards{display:flex;gap:16px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #e3e3e3;border-radius:8px;padding:12px 18px;min-width:150px}
.card b{display:block;font-size:26px} .bad{color:#c62828;font-weight:600} .ok{color:#2e7d32}
.critical{color:#c62828;font-weight:600} .warning{color:#b26a00;font-weight:600}
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    if frame.empty:
        return "<p>None.</p>"
    formats = formats or {}
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for _, r in frame.iterrows():
        cells = []
        for c in frame.columns:
            v = r[c]
            if isinstance(v, (bool,)) or str(type(v)).endswith("bool_'>"):
                cells.append(f"<td class='{'bad' if v else 'ok'}'>{'yes' if v else 'no'}</td>")
            elif c in formats and v is not None and not pd.isna(v):
                cells.append(f"<td>{format(v, formats[c])}</td>")
            else:
                cells.append(f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def render_report(store: st.Store, overview: Overview, batch_id: str) -> str:
    """The report of ``batch_id`` as one HTML string."""
    batches = overview.batches
    if batch_id not in set(batches["batch"]):
        raise ConfigError(f"Batch '{batch_id}' is not a batch of {overview.version.label}; "
                          f"`modelops batches {overview.version.name}` lists them.")
    row = batches[batches["batch"] == batch_id].iloc[0]
    version = overview.version
    kinds = drift_kinds(version.metadata.get("features", []))
    record = store.get_batch(batch_id)
    current = store.read_batch(record, columns=list(kinds) + [st.PREDICTION])
    reference = store.reference(version, columns=list(kinds))
    drift = overview.feature_drift[overview.feature_drift["batch"] == batch_id].drop(columns="batch")
    figures = []
    if reference is not None:
        order = drift.sort_values(["drifted", "column"], ascending=[False, True])["column"].tolist() if len(drift) else []
        for col in order:
            dist = distributions(reference[col], current[col], kinds[col])
            figures.append(charts.reference_vs_current(dist, f"{col}", "reference", "this batch"))
    holdout = store.holdout(version)
    if holdout is not None:
        kind = "numeric" if version.task == "regression" else "categorical"
        dist = distributions(holdout[st.PREDICTION], current[st.PREDICTION], kind)
        figures.insert(0, charts.reference_vs_current(dist, "Predictions: holdout vs this batch", "holdout",
                                                      "this batch"))
    chart_html = []
    for i, fig in enumerate(figures):
        fig.update_layout(height=360)
        chart_html.append(pio.to_html(fig, full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False}))
    alerts = pd.DataFrame([a for a in overview.alerts if a["batch_id"] == batch_id],
                          columns=["severity", "metric", "value", "threshold", "message"])
    quality = overview.quality[overview.quality["batch"] == batch_id].drop(columns=["batch", "scored_at"])
    perf = overview.performance[overview.performance["batch"] == batch_id].drop(columns="batch")
    share = "—" if row["drift_share"] is None or pd.isna(row["drift_share"]) else f"{row['drift_share']:.0%}"
    cards = [("Rows", f"{int(row['rows']):,}"), ("Flagged rows", f"{int(row['flagged_rows']):,}"),
             ("Drifted features", f"{int(row['drifted_features'])} of {int(row['features_tested'])}"),
             ("Drift share", share), ("Dataset drift", "yes" if row["dataset_drift"] else "no"),
             ("Prediction drift", "yes" if row["prediction_drifted"] else "no"),
             ("Labelled rows", f"{int(row['labelled_rows']):,}")]
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Model health: {_e(version.label)} — batch {_e(batch_id)}</title><style>{STYLE}</style></head><body>
<h1>Model health: {_e(version.label)}</h1>
<p class="sub">{_e(version.task)} model for '{_e(version.target)}'. Batch {_e(batch_id)} from {_e(row['source'])},
scored {_e(row['scored_at'])}. Compared with the model's reference sample of its training data.
Dataset drift when at least {overview.settings.drift_share:.0%} of features drift.</p>
<div class="cards">{''.join(f'<div class="card">{_e(k)}<b>{_e(v)}</b></div>' for k, v in cards)}</div>
<h2>Alerts</h2>{_table(alerts, {"value": ".4g", "threshold": ".4g"})}
<h2>Feature drift</h2>{_table(drift, {"score": ".4g", "threshold": ".4g"})}
<h2>Data quality</h2>{_table(quality, {"share": ".1%", "training_share": ".1%"})}
<h2>Performance</h2>{_table(perf, {"value": ".4f", "holdout": ".4f"}) if len(perf) else
    "<p>No labels for this batch yet (<code>modelops labels BATCH LABELS.csv</code>).</p>"}
<h2>Distributions</h2>{''.join(chart_html)}
<p class="sub">Made by ModelOps Studio.</p></body></html>"""


def write_report(store: st.Store, overview: Overview, batch_id: str, path: str | os.PathLike) -> Path:
    """Write the report atomically and return its path."""
    from core.export import writable_file

    path = writable_file(path, "report.html")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_report(store, overview, batch_id), encoding="utf-8")
    os.replace(tmp, path)
    return path
