"""One translation table keyed by message id; adding a language is adding a JSON file."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import streamlit as st

from ui import state

FOLDER = Path(__file__).parent / "i18n"
DEFAULT = "en"


@lru_cache(maxsize=None)
def table(lang: str) -> dict[str, str]:
    return json.loads((FOLDER / f"{lang}.json").read_text(encoding="utf-8"))


def languages() -> dict[str, str]:
    """Language code -> its own name, from every JSON file present."""
    return {p.stem: table(p.stem)["language.name"] for p in sorted(FOLDER.glob("*.json"))}


def current() -> str:
    return st.session_state.get(state.LANG, DEFAULT)


def t(key: str, **values) -> str:
    """The text for ``key`` in the current language (English if missing), formatted."""
    text = table(current()).get(key) or table(DEFAULT).get(key) or key
    return text.format(**values) if values else text
