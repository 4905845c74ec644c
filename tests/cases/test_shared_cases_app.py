"""The shared real-world cases where they concern the app, through Streamlit's AppTest.

Every data file of every case is uploaded through the Data page's real file uploader: the page
either shows how the file was read (encoding, rows, columns) or one plain error, never an
exception. The model files of case 15 go through the Score page with and without the trust
checkbox, and case 13's batch is scored against a model trained on its own training file.
"""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.artifact import save_trained_model
from core.evaluate import evaluate_training
from core.io import load_csv
from core.train import SearchConfig, train
from tests.conftest import ROOT, shared_cases_dir

APP = str(ROOT / "app.py")
CASES = shared_cases_dir()
DATA_FILES = sorted(p for p in CASES.glob("*/*.csv")) if CASES else []


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def _page(path: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["mo_sample_autoloaded"] = True  # start empty, as after a first upload
    at.run()
    if path:
        at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> str:
    return " ".join(str(x.value) for group in (at.markdown, at.info, at.warning, at.caption, at.error, at.subheader)
                    for x in group)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("path", DATA_FILES, ids=[f"{p.parent.name}/{p.name}" for p in DATA_FILES])
def test_every_case_file_uploads_to_a_report_or_one_error(path):
    at = _page()
    at.file_uploader(key="data_upload").set_value((path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    if errors:
        assert len(errors) == 1 and path.name in errors[0], errors
        assert "Traceback" not in errors[0]
        return
    expected = load_csv(path)  # the page must report what core read, encoding included
    metrics = _metrics(at)
    assert expected.report.encoding in metrics.values(), metrics
    assert f"{len(expected.frame):,}" in metrics.values() and path.name in _shown(at)


@pytest.mark.skipif(CASES is None, reason="no shared cases")
def test_15_model_files_from_elsewhere_on_the_score_page():
    d = CASES / "15-model-version-mismatch"
    batch = (d / "batch.csv").read_bytes()
    tagged = (d / "model_saved_with_sklearn_1.0.2.joblib").read_bytes()
    at = _page("pages/6_Score.py")
    at.file_uploader(key="score_model_upload").set_value(("old.joblib", tagged, "application/octet-stream")).run()
    assert not at.exception
    refused = " ".join(e.value for e in at.error)
    assert "not a ModelOps Studio artifact" in refused and "trust" in refused

    at.checkbox(key="score_trust").check().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    warned = " ".join(w.value for w in at.warning)
    assert "1.0.2" in warned and "Retrain" in warned
    at.file_uploader(key="score_batch_upload").set_value(("batch.csv", batch, "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.dataframe, "the scored batch is shown"

    legacy = (d / "model_saved_with_sklearn_externals_joblib.joblib").read_bytes()
    at = _page("pages/6_Score.py")
    at.checkbox(key="score_trust").check().run()
    at.file_uploader(key="score_model_upload").set_value(("legacy.joblib", legacy, "application/octet-stream")).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "externals" in message and "Retrain" in message


@pytest.mark.skipif(CASES is None, reason="no shared cases")
def test_13_unseen_categories_are_flagged_on_the_score_page(isolated_home):
    d = CASES / "13-unseen-categories"
    frame = load_csv(d / "train.csv").frame
    result = train(frame, "defaulted", search=SearchConfig(models=["logistic_regression"], cv=3,
                                                            param_grids={"logistic_regression": {"C": [1.0]}}))
    path = save_trained_model(isolated_home / "m.joblib", result, evaluate_training(result, importance_repeats=1))
    at = _page("pages/6_Score.py")
    at.file_uploader(key="score_model_upload").set_value(("m.joblib", path.read_bytes(), "application/octet-stream")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.file_uploader(key="score_batch_upload").set_value(("batch.csv", (d / "batch.csv").read_bytes(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = _shown(at)
    assert "wedding" in shown and "OTHER" in shown
