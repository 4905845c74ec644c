"""Settings read from the environment, in one place: the store folder and limits."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = "modelops_home"


def modelops_home(override: str | os.PathLike | None = None) -> Path:
    """The store folder: an explicit override, else ``MODELOPS_HOME``, else ./modelops_home."""
    return Path(override or os.environ.get("MODELOPS_HOME") or DEFAULT_HOME)
