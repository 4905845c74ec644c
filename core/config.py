"""Settings read from the environment, in one place: the store folder, the catalog, limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from core.errors import ConfigError

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


@dataclass(frozen=True)
class Limits:
    """The limits that protect the machine, each overridable by an environment variable.

    They exist so that a file or a setting a user picks by accident (a 5 GB export, an id column
    one-hot encoded, a 50,000-fit grid) ends in a message that names the limit and how to raise
    it, not in a machine that swaps or a browser tab that never comes back.

    ``max_upload_mb``       MODELOPS_MAX_UPLOAD_MB      size of one CSV file
    ``max_rows``            MODELOPS_MAX_ROWS           data rows of one table
    ``max_columns``         MODELOPS_MAX_COLUMNS        columns of one table
    ``max_encoded_width``   MODELOPS_MAX_ENCODED_WIDTH  columns the prepared features may have
    ``max_fits``            MODELOPS_MAX_FITS           fits one search may run unless confirmed
    """

    max_upload_mb: int = 500
    max_rows: int = 5_000_000
    max_columns: int = 2_000
    max_encoded_width: int = 5_000
    max_fits: int = 2_000

    @classmethod
    def from_env(cls) -> "Limits":
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"MODELOPS_{f.name.upper()}")
            if raw is None or not raw.strip():
                continue
            try:
                value = int(raw)
                if value < 1:
                    raise ValueError
            except ValueError:
                raise ConfigError(f"MODELOPS_{f.name.upper()} must be a positive whole number, got {raw!r}.") from None
            values[f.name] = value
        return cls(**values)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1_000_000


def limits() -> Limits:
    """The limits in force now (read from the environment on every call, so tests can set them)."""
    return Limits.from_env()
