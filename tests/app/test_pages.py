"""Every page through Streamlit's AppTest: the happy path on sample data, and missing input."""

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.prep import PrepConfig
from core.train import SearchConfig

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
FAST = SearchConfig(models=["logistic_regression"], cv=3, n_jobs=1)


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def fresh() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def errors(at):
    return [e.value for e in at.error]


def texts(at):
    return " ".join([m.value for m in at.markdown] + [i.value for i in at.info] + [s.value for s in at.success]
                    + [w.value for w in at.warning] + [c.value for c in at.caption])


def test_first_visit_opens_data_page_on_the_credit_sample():
    at = fresh()
    assert at.title[0].value == "Data"
    assert any(m.value == "7,000" for m in at.metric)
    assert at.selectbox(key="data_target").value == "default"
    assert "Inferred task: Classification" in texts(at)
    assert len(at.get("plotly_chart")) >= 1 and not errors(at)


def test_language_switch_translates_the_page():
    at = fresh()
    at.selectbox(key="language_select").set_value("zh").run()
    assert at.title[0].value == "数据"
    assert "推断的任务" in texts(at)


def test_bikeshare_sample_button_loads_regression_data():
    at = fresh()
    at.button(key="sample_bikeshare").click().run()
    assert at.selectbox(key="data_target").value == "bikers"
    assert not at.exception, at.exception
    assert "Regression" in texts(at), [s.value for s in at.success]
    assert "adds up to the target" in " ".join(d.value.to_csv() for d in at.dataframe)


@pytest.mark.parametrize("page,needle", [
    ("pages/2_Prepare.py", "Load a dataset"), ("pages/3_Train.py", "Load a dataset"),
    ("pages/4_Evaluate.py", "Train a model"), ("pages/5_Deploy.py", "Train a model"),
])
def test_pages_say_what_to_do_first_when_input_is_missing(page, needle):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["mo_sample_autoloaded"] = True
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    assert needle in texts(at)


def test_prepare_page_previews_and_scores_features():
    at = fresh()
    at.switch_page("pages/2_Prepare.py").run()
    assert not at.exception and not errors(at)
    at.selectbox(key="prep_selection").set_value("kbest").run()
    at.number_input(key="prep_k").set_value(2).run()
    assert "Selected:" in texts(at) and "balance" in texts(at)
    assert at.session_state["mo_prep"].k_features == 2


def test_train_evaluate_deploy_happy_path(tmp_path):
    at = fresh()
    at.switch_page("pages/3_Train.py").run()
    at.multiselect(key="train_models").set_value(["logistic_regression"]).run()
    at.slider(key="train_cv").set_value(3).run()
    assert "This search will run" in texts(at)
    at.button(key="train_go").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert "Best model: logistic_regression" in texts(at)
    assert len(at.get("plotly_chart")) >= 1

    at.switch_page("pages/4_Evaluate.py").run()
    assert not at.exception and not errors(at)
    assert len(at.get("plotly_chart")) >= 4  # confusion, probabilities, ROC, PR (+ importance)

    at.switch_page("pages/5_Deploy.py").run()
    at.button(key="deploy_save").click().run()
    assert not at.exception and not errors(at)
    assert "Saved and signed" in texts(at)
    from core.artifact import load_artifact

    art = load_artifact(at.session_state["mo_artifact_path"])
    assert art.metadata["target"] == "default" and art.signed

    assert "Registered as " in texts(at)
    at.switch_page("pages/6_Score.py").run()
    assert not at.exception and not errors(at)
    assert isinstance(at.selectbox(key="score_model").value, int)


def test_user_error_is_shown_not_raised():
    at = fresh()
    at.switch_page("pages/3_Train.py").run()
    at.multiselect(key="train_models").set_value(["logistic_regression"]).run()
    at.text_area(key="grid_logistic_regression_2").set_value('{"depth": [1]}').run()
    assert not at.exception
    assert any("'depth' is not a parameter" in e for e in errors(at))


def test_state_survives_page_switches():
    at = fresh()
    at.selectbox(key="data_target").set_value("student").run()
    at.switch_page("pages/2_Prepare.py").run()
    at.switch_page("pages/1_Data.py").run()
    assert at.selectbox(key="data_target").value == "student"


def test_sidebar_status_shows_what_the_page_just_changed():
    at = fresh()
    at.selectbox(key="data_target").set_value("student").run()
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert "**Target:** student" in sidebar


def test_a_bug_shows_an_apology_with_an_id_and_logs_the_traceback(monkeypatch, isolated_home):
    """Outside debug mode neither a bug in core (called through safely) nor one in the page's own
    code shows a traceback: the user reads an apology and an id, the log holds the details."""
    import core.charts

    monkeypatch.delenv("MODELOPS_DEBUG")

    def broken(*args, **kwargs):
        raise RuntimeError("chart exploded")

    monkeypatch.setattr(core.charts, "distribution", broken)
    at = fresh()  # the Data page draws a distribution chart of the sample
    assert not at.exception
    shown = errors(at)
    assert len(shown) == 1 and "error id" in shown[0] and "chart exploded" not in shown[0]
    error_id = shown[0].split("error id ")[1][:8]
    log = (isolated_home / "logs" / "errors.log").read_text()
    assert f"app error {error_id}" in log and "RuntimeError: chart exploded" in log


def test_bugs_reach_apptest_in_debug_mode(monkeypatch):
    import core.charts

    monkeypatch.setattr(core.charts, "distribution", lambda *a, **k: 1 / 0)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert at.exception and "division by zero" in at.exception[0].value
