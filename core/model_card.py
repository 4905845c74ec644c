"""A model card in Markdown, written from an artifact's metadata: what a reviewer needs to know."""

from __future__ import annotations


def _fmt(v) -> str:
    return "—" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v))


def model_card(meta: dict) -> str:
    """Data, features, metrics and limits of a model, for people who did not train it."""
    lines = [f"# Model card: {meta.get('model_name', 'model')}", ""]
    lines += [f"- **Task:** {meta.get('task')} — {meta.get('task_reason', '')}",
              f"- **Target:** `{meta.get('target')}`" + (f" (classes: {', '.join(map(str, meta.get('classes') or []))})"
                                                        if meta.get("classes") else ""),
              f"- **Model:** {meta.get('best_model')} with {meta.get('best_params')}",
              f"- **Created:** {meta.get('created_at')}",
              f"- **Versions:** " + ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items()), ""]
    data = meta.get("training_data") or {}
    rows = meta.get("rows") or {}
    lines += ["## Data", "",
              f"- Source: {((data.get('load_report') or {}).get('source')) or 'unknown'}; "
              f"{data.get('rows')} rows used ({rows.get('train')} train / {rows.get('test')} holdout)",
              f"- Rows left out: {rows.get('dropped') or 'none'}",
              f"- Fingerprint (sha256 of the rows used): `{data.get('sha256')}`", ""]
    lines += ["## Features", "", "| column | kind | training range or categories | missing |", "|---|---|---|---|"]
    for f in meta.get("features") or []:
        if f.get("kind") == "numeric":
            rng = f"{_fmt(f.get('min'))} to {_fmt(f.get('max'))}"
        else:
            cats = f.get("categories") or []
            rng = ", ".join(map(str, cats[:8])) + (" ..." if len(cats) > 8 else "")
        lines.append(f"| {f['name']} | {f.get('kind')} | {rng} | {f.get('missing_share', 0):.1%} |")
    dropped = meta.get("dropped_columns") or {}
    if dropped:
        lines += ["", "Left out: " + "; ".join(f"`{k}` ({v})" for k, v in dropped.items())]
    if meta.get("selected_features"):
        lines += ["", f"Model inputs after preparation ({len(meta['selected_features'])}): "
                  + ", ".join(f"`{x}`" for x in meta["selected_features"][:40])]
    lines += ["", "## Holdout metrics", "", "| metric | model | baseline |", "|---|---|---|"]
    base = meta.get("baseline_holdout") or {}
    for k, v in (meta.get("holdout") or {}).items():
        lines.append(f"| {k} | {_fmt(v)} | {_fmt(base.get(k))} |")
    search = meta.get("search") or {}
    lines += ["", "## How it was tuned", "",
              f"{search.get('strategy')} search, {search.get('cv_folds')}-fold CV on {search.get('scoring')}; "
              f"CV score of the chosen candidate: {_fmt(meta.get('cv_score'))}.", "",
              "## Limits", "",
              "- Valid for data like the training data: values outside the training ranges and unseen "
              "categories are scored but flagged.",
              "- Metrics come from one holdout split; expect variation on new data, and monitor it.",
              "- The file is a pickle: load it only from a source you trust."]
    for n in meta.get("notes") or []:
        lines.append(f"- Note from training: {n}")
    return "\n".join(lines) + "\n"
