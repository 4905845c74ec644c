"""Limits that protect the machine, as the app shows them: a message naming the limit, no crash."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
CSV = ("id,amount,city\n" + "".join(f"{i},{i * 1.5},c{i % 3}\n" for i in range(50))).encode()


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def _upload(data: bytes = CSV) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["mo_sample_autoloaded"] = True
    at.run()
    at.file_uploader(key="data_upload").set_value(("big.csv", data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("variable, value, needle", [
    ("MODELOPS_MAX_ROWS", "20", "MODELOPS_MAX_ROWS"),
    ("MODELOPS_MAX_COLUMNS", "2", "MODELOPS_MAX_COLUMNS"),
    ("MODELOPS_MAX_UPLOAD_MB", "1", None),  # under the limit: loads
])
def test_over_limit_upload_gets_a_message_naming_the_limit(monkeypatch, variable, value, needle):
    monkeypatch.setenv(variable, value)
    at = _upload()
    errors = [e.value for e in at.error]
    if needle is None:
        assert not errors and "50" in [m.value for m in at.metric][0]
    else:
        assert len(errors) == 1 and needle in errors[0] and "big.csv" in errors[0], errors


def test_over_size_upload_is_refused_before_parsing(monkeypatch):
    monkeypatch.setenv("MODELOPS_MAX_UPLOAD_MB", "1")
    at = _upload(CSV * 30_000)  # about 25 MB
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "over the limit of 1 MB" in errors[0], errors
    assert "(up to 1 MB)" in at.file_uploader(key="data_upload").label


def test_a_bad_limit_setting_is_named_not_a_crash(monkeypatch):
    monkeypatch.setenv("MODELOPS_MAX_ROWS", "many")
    at = _upload()
    assert any("MODELOPS_MAX_ROWS must be a positive whole number" in e.value for e in at.error)


@pytest.mark.parametrize("value, needle", [("abc", "MODELOPS_MAX_ROWS must be a positive whole number"),
                                           ("10", "over the limit of 10 rows")])
def test_first_visit_with_a_limit_below_the_sample_shows_a_message(monkeypatch, value, needle):
    """The first visit opens the credit sample; a limit it breaks is told, and the app still works."""
    monkeypatch.setenv("MODELOPS_MAX_ROWS", value)
    for page in ("pages/1_Data.py", "pages/7_Monitor.py", "pages/6_Score.py"):
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        assert any(needle in e.value for e in at.error), [e.value for e in at.error]
        at.switch_page(page).run()
        assert not at.exception, at.exception
