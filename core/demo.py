"""A ready-made monitoring history on the bundled sample data, for demos and first visits.

Two models, each with batches laid out month by month and their ground truth, built exactly as
a user would build them (train, save, register, score and log, attach labels):

* ``credit-demo`` (classification): six monthly batches of real customers held out of
  training. January to March are drawn like the training data; April to June come from the
  sample with real covariate drift (more students, higher balances), so drift shows where the
  data moved and not before.
* ``bikeshare-demo`` (regression): trained on January to October 2011 and scoring November and
  December, where real seasonal drift and a falling R² show up.
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
CREDIT, BIKES = "credit-demo", "bikeshare-demo"
CREDIT_MONTHS = (("credit_batch.csv", "credit_batch_labels.csv", 3),
                 ("credit_batch_drift.csv", "credit_batch_drift_labels.csv", 3))
BIKE_MONTHS = (("bikeshare_batch_nov.csv", "bikeshare_batch_nov_labels.csv", "2011-11-30"),
               ("bikeshare_batch_dec.csv", "bikeshare_batch_dec_labels.csv", "2011-12-31"))


def seed_demo(store: st.Store, sample_dir: Path = SAMPLE_DATA) -> list[st.ModelVersion]:
    """Create (once) the demo model versions with their monthly, labelled batches."""
    have = {v.name: v for v in store.list_versions()}
    bikes = have.get(BIKES) or _bikes(store, sample_dir)
    credit = have.get(CREDIT) or _credit(store, sample_dir)  # registered last: the one pages open on
    return [credit, bikes]


def _model(store: st.Store, data, target: str, name: str, grids: dict[str, dict]) -> st.ModelVersion:
    """One quick candidate per model (the demo is about monitoring, not tuning)."""
    result = train(data.frame, target, search=SearchConfig(models=list(grids), cv=3, param_grids=grids))
    path = save_trained_model(store.home / "artifacts" / f"{name}.joblib", result,
                              evaluate_training(result, importance_repeats=1), model_name=name,
                              load_report=data.report.to_dict(), home=store.key_home)
    return store.register_model(path)


def _credit(store: st.Store, sample_dir: Path) -> st.ModelVersion:
    version = _model(store, load_csv(sample_dir / "credit_default.csv"), "default", CREDIT,
                     {"logistic_regression": {"C": [0.1], "class_weight": ["balanced"]}})
    month = 0
    for batch_file, labels_file, parts in CREDIT_MONTHS:
        frame = load_csv(sample_dir / batch_file).frame
        labels = load_csv(sample_dir / labels_file).frame
        size = -(-len(frame) // parts)
        for i in range(parts):
            month += 1
            part = frame.iloc[i * size:(i + 1) * size]
            name = f"customers_2026-{month:02d}.csv"
            scored = score_and_log(store, version, part, name=name, scored_at=f"2026-{month:02d}-28T09:00:00+00:00")
            keys = labels[labels["customer_id"].isin(part["customer_id"])]
            attach_labels(store, version, keys, batch_id=scored.batch_id, source_name=f"outcomes_2026-{month:02d}.csv")
    return version


def _bikes(store: st.Store, sample_dir: Path) -> st.ModelVersion:
    version = _model(store, load_csv(sample_dir / "bikeshare.csv"), "bikers", BIKES,
                     {"hist_gradient_boosting": {"learning_rate": [0.1], "max_leaf_nodes": [31]}})
    for batch_file, labels_file, day in BIKE_MONTHS:
        batch = load_csv(sample_dir / batch_file)
        scored = score_and_log(store, version, batch.frame, name=batch_file, scored_at=f"{day}T23:00:00+00:00",
                               source_sha256=st.sha256_file(sample_dir / batch_file))
        attach_labels(store, version, load_csv(sample_dir / labels_file).frame, batch_id=scored.batch_id,
                      source_name=labels_file)
    return version
