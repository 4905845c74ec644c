"""A ready-made monitoring history on the bundled sample data, for demos and first visits.

Trains a quick credit-default model, registers it, scores the two sample batches (one like the
training data, one with real covariate drift) and attaches their ground truth, exactly as a
user would through the CLI or the pages.
"""

from __future__ import annotations

from pathlib import Path

from core import store as st
from core.artifact import save_trained_model
from core.evaluate import evaluate_training
from core.io import load_csv
from core.labels import attach_labels
from core.scoring import score_and_log
from core.train import SearchConfig, train

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
DEMO_NAME = "credit-demo"
BATCHES = (("credit_batch.csv", "credit_batch_labels.csv"), ("credit_batch_drift.csv", "credit_batch_drift_labels.csv"))


def seed_demo(store: st.Store, sample_dir: Path = SAMPLE_DATA) -> st.ModelVersion:
    """Create (once) the demo model version with two logged, labelled batches."""
    existing = [v for v in store.list_versions() if v.name == DEMO_NAME]
    if existing:
        return existing[0]
    data = load_csv(sample_dir / "credit_default.csv")
    result = train(data.frame, "default", search=SearchConfig(models=["logistic_regression"], cv=3))
    path = save_trained_model(store.home / "artifacts" / f"{DEMO_NAME}.joblib", result,
                              evaluate_training(result, importance_repeats=1), model_name=DEMO_NAME,
                              load_report=data.report.to_dict(), home=store.key_home)
    version = store.register_model(path)
    for batch_file, labels_file in BATCHES:
        batch = load_csv(sample_dir / batch_file)
        scored = score_and_log(store, version, batch.frame, name=batch_file,
                               source_sha256=st.sha256_file(sample_dir / batch_file))
        labels = load_csv(sample_dir / labels_file)
        attach_labels(store, version, labels.frame, batch_id=scored.batch_id, source_name=labels_file,
                      source_sha256=st.sha256_file(sample_dir / labels_file))
    return version
