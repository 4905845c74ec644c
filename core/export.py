"""Write tables for people: UTF-8 CSV that Excel opens correctly and cannot be tricked by.

A cell that starts with = + - @ (or a tab / carriage return) is run as a formula by
spreadsheets; text cells like that get a leading apostrophe. Numbers are left alone, so a
negative amount stays a number.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from core.errors import ConfigError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy where text cells that a spreadsheet would run as formulas are prefixed."""
    out = frame.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            text = s.astype("string")
            risky = text.str.startswith(FORMULA_START).fillna(False).astype(bool)
            if risky.any():
                out[c] = s.astype(object).where(~risky, "'" + text.astype(object))
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV as UTF-8 with a byte-order mark, so Excel shows Chinese and accents correctly."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write atomically: a half-written predictions file never replaces a good one."""
    path = writable_file(path, "predictions.csv")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(csv_bytes(frame))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def writable_file(path: str | os.PathLike, example: str, *, inputs=()) -> Path:
    """Check an output path before any work is done: not a folder, not one of the ``inputs``
    (writing there would silently replace the user's data), and its folder can be made."""
    path = Path(path)
    for source in inputs:
        if source is not None and str(source) != "-" and _same_file(path, Path(source)):
            raise ConfigError(f"The output {path} is the input file {source}: writing it would replace your data. "
                              f"Give another output file, for example {path.with_name(path.stem + '_' + example)}.")
    if path.is_dir():
        raise ConfigError(f"The output {path} is a folder; give a file name, for example {path / example}.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot create the folder {path.parent} for {path.name}: {exc.strerror}.") from None
    if not os.access(path.parent, os.W_OK):
        raise ConfigError(f"Cannot write {path.name} into {path.parent}: the folder is not writable.")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()
