"""Data quality per batch, from what the contract check found when the batch was scored.

The check (core.schema.check_batch) counts, per column, missing values, text in number columns,
infinities, values outside the training range and unseen categories; the catalog keeps those
counts with each batch. So quality over any number of batches comes from the catalog alone,
without reading a single scored row.
"""

from __future__ import annotations

import pandas as pd

PROBLEMS = ("missing", "not a number", "infinite", "out of range", "unseen category")
COLUMNS = ["batch", "scored_at", "column", "problem", "rows", "share", "training_share", "examples"]


def quality_table(batches: list, features: list[dict]) -> pd.DataFrame:
    """One row per batch, column and problem found; ``training_share`` for missing values.

    ``batches`` are core.store.BatchRecord; ``features`` the model's input schema.
    """
    train_missing = {f["name"]: float(f.get("missing_share") or 0.0) for f in features}
    rows = []
    for b in batches:
        for issue in b.issues:
            n = int(issue.get("rows", 0))
            rows.append({
                "batch": b.id, "scored_at": b.scored_at, "column": issue.get("column"),
                "problem": issue.get("problem"), "rows": n, "share": n / b.rows if b.rows else 0.0,
                "training_share": train_missing.get(issue.get("column"), 0.0) if issue.get("problem") == "missing"
                else 0.0,
                "examples": ", ".join(str(x) for x in issue.get("examples", [])[:5]),
            })
    return pd.DataFrame(rows, columns=COLUMNS)
