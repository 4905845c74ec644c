"""Settings read from the environment, in one place: the store folder, the catalog, limits."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = "modelops_home"


def modelops_home(override: str | os.PathLike | None = None) -> Path:
    """The store folder: an explicit override, else ``MODELOPS_HOME``, else ./modelops_home."""
    return Path(override or os.environ.get("MODELOPS_HOME") or DEFAULT_HOME)


def catalog_url(home: str | os.PathLike | None = None) -> str:
    """The catalog's SQLAlchemy URL: ``MODELOPS_CATALOG_URL`` (e.g. PostgreSQL), else a SQLite
    file ``catalog.db`` in the store folder."""
    url = os.environ.get("MODELOPS_CATALOG_URL")
    if url:
        return url
    return "sqlite:///" + str((modelops_home(home) / "catalog.db").resolve())
