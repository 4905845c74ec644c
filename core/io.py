"""Read a CSV from a path or bytes into a DataFrame, detecting how it was written.

Files reach us from Excel on Chinese or European Windows, from databases and from scripts, so
the encoding, delimiter, decimal mark and thousands separator are detected rather than
assumed, and everything that was guessed or repaired is written into a :class:`LoadReport`
that the user sees. The heavy lifting is pandas' C parser, called once with the detected
settings, so loading stays close to bare ``pandas.read_csv`` speed.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.errors import CsvParseError, DataLoadError, EmptyFileError, EncodingError

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024
_SINGLE_BYTE_LATIN = {"cp1250", "cp1252", "latin_1", "iso8859_1", "iso8859_15", "cp775",
                      "mac_latin2", "mac_roman", "cp1006", "cp1125", "cp850", "cp437"}
_CJK = {"gb2312", "gbk", "gb18030", "hz", "cp936", "big5", "big5hkscs", "cp950", "cp949", "euc_kr",
        "johab", "iso2022_kr", "euc_jp", "euc_jis_2004", "euc_jisx0213", "shift_jis", "cp932",
        "shift_jis_2004", "shift_jisx0213", "iso2022_jp"}
_NUM_COMMA_DECIMAL = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+,\d+$|^[-+]?\d+,(\d{1,2}|\d{4,})$")
_NUM_DOT_DECIMAL = re.compile(r"^[-+]?\d{1,3}(,\d{3})+\.\d+$|^[-+]?\d+\.(\d{1,2}|\d{4,})$")
_NUM_DOT_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")
_NUM_COMMA_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass
class LoadReport:
    """What was detected and repaired while reading one file; shown to the user as it is."""

    source: str
    encoding: str
    delimiter: str
    decimal: str
    thousands: str | None
    rows: int
    columns: int
    size_bytes: int
    renamed_columns: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "encoding": self.encoding,
            "delimiter": {"\t": "tab"}.get(self.delimiter, self.delimiter),
            "decimal": self.decimal,
            "thousands": self.thousands,
            "rows": self.rows,
            "columns": self.columns,
            "size_bytes": self.size_bytes,
            "renamed_columns": dict(self.renamed_columns),
            "warnings": list(self.warnings),
        }


@dataclass
class LoadedTable:
    """A DataFrame together with the report of how it was read."""

    frame: pd.DataFrame
    report: LoadReport


def load_csv(
    source: str | os.PathLike | bytes,
    *,
    name: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_bytes: int | None = None,
) -> LoadedTable:
    """Read a CSV file or its bytes, detecting encoding, delimiter and number format.

    Parameters
    ----------
    source : path or bytes
        The file to read; bytes are what a browser upload hands over.
    name : str, optional
        The file name used in messages (defaults to the path's name).
    encoding, delimiter : str, optional
        Override detection when the user knows better.
    max_bytes : int, optional
        Refuse larger files with a message instead of exhausting memory.

    Raises
    ------
    EmptyFileError, EncodingError, CsvParseError
        With a message that names the file and, where it applies, the line or column.
    """
    raw, name = _read_bytes(source, name)
    if max_bytes is not None and len(raw) > max_bytes:
        raise DataLoadError(
            f"{name} is {len(raw) / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB; "
            "use a smaller file or raise the limit."
        )
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise EmptyFileError(f"{name} is empty: it has no header and no data rows.")

    warnings: list[str] = []
    enc = encoding or _detect_encoding(raw, name, warnings)
    try:
        sample_text = _decode_sample(raw, enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise EncodingError(f"{name} cannot be read as {enc}: {exc}. Choose another encoding.")
    sample_text = sample_text.lstrip("\ufeff")

    sep = delimiter or _detect_delimiter(sample_text)
    sample_rows = _parse_sample(sample_text, sep)
    if not sample_rows or not any(cell.strip() for cell in sample_rows[0]):
        raise EmptyFileError(f"{name} has no header row.")
    header = sample_rows[0]
    names, renamed = _clean_header(header, warnings)
    decimal, thousands = _detect_number_format(sample_rows[1:], sep)

    frame = _parse_with_pandas(raw, name, enc, sep, decimal, thousands, names)
    if len(frame) == 0:
        raise EmptyFileError(
            f"{name} has {len(names)} columns but 0 data rows; it cannot be used. "
            "Add data rows below the header."
        )
    if decimal == ",":
        warnings.append("Numbers use a decimal comma (for example 3,5); they were read as numbers.")
    if thousands:
        warnings.append(f"Numbers use '{thousands}' as a thousands separator; it was removed.")
    report = LoadReport(
        source=name,
        encoding=enc,
        delimiter=sep,
        decimal=decimal,
        thousands=thousands,
        rows=len(frame),
        columns=frame.shape[1],
        size_bytes=len(raw),
        renamed_columns=renamed,
        warnings=warnings,
    )
    return LoadedTable(frame=frame, report=report)


def _read_bytes(source: str | os.PathLike | bytes, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "the uploaded file"
    path = Path(source)
    if not path.exists():
        raise EmptyFileError(f"{path} does not exist; check the path.")
    if path.is_dir():
        raise EmptyFileError(f"{path} is a folder, not a CSV file.")
    return path.read_bytes(), name or path.name


def _detect_encoding(raw: bytes, name: str, warnings: list[str]) -> str:
    """Pick the encoding: BOMs first, then strict UTF-8, then charset detection."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A truncated multi-byte character at the very end is still UTF-8.
        if exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"

    from charset_normalizer import from_bytes

    matches = from_bytes(raw[: 4 * SAMPLE_BYTES] if len(raw) > 4 * SAMPLE_BYTES else raw)
    best = matches.best()
    tried = "UTF-8, " + ", ".join(m.encoding for m in list(matches)[:4])
    if best is None:
        raise EncodingError(
            f"{name} is not valid text in any encoding tried ({tried.rstrip(', ')}); "
            "save it as UTF-8 CSV or choose the encoding by hand."
        )
    enc = best.encoding.lower()
    if enc in _CJK:
        enc = _most_plausible_cjk(raw, [m.encoding.lower() for m in matches])
    if enc in ("gb2312", "gbk", "cp936", "hz"):
        enc = "gb18030"  # the superset of GB2312 and GBK, as Chinese Windows writes them
    elif enc in _SINGLE_BYTE_LATIN and enc != "cp1252" and _decodes(raw, "cp1252"):
        if raw.decode("cp1252") == raw.decode(enc, errors="replace"):
            enc = "cp1252"
        else:
            warnings.append(
                f"The encoding was detected as {enc}; if accented letters look wrong, "
                "choose cp1252 (Western European Windows) instead."
            )
    if not _decodes(raw, enc):
        raise EncodingError(
            f"{name} could not be decoded as {enc} (tried {tried.rstrip(', ')}); "
            "save it as UTF-8 CSV or choose the encoding by hand."
        )
    warnings.append(f"The file is not UTF-8; it was read as {enc} (detected).")
    return enc


def _script_purity(text: str) -> float:
    """Share of non-ASCII letters in the dominant East Asian script of a decoded text.

    Chinese bytes decoded as Korean come out as Hangul and Hanja mixed within words, which
    real Korean text never is; the right decoding is nearly all one script (Japanese counts
    kanji and kana together).
    """
    han = hangul = kana = other = 0
    for ch in text:
        o = ord(ch)
        if o < 128:
            continue
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            han += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            hangul += 1
        elif 0x3040 <= o <= 0x30FF:
            kana += 1
        elif ch.isalpha():
            other += 1
    total = han + hangul + kana + other
    if not total:
        return 0.0
    japanese = han + kana if kana > 0.05 * total else 0
    return max(han, hangul, japanese) / total


def _most_plausible_cjk(raw: bytes, candidates: list[str]) -> str:
    """Among CJK decodings that work, keep the one whose text is most plainly one script."""
    sample = raw[:SAMPLE_BYTES]
    options = [c for c in candidates if c in _CJK]
    if "gb18030" not in options:
        options.append("gb18030")
    scored = []
    for rank, enc in enumerate(options):
        if _decodes(raw, enc):
            text = sample.decode(enc, errors="ignore")
            scored.append((-round(_script_purity(text), 3), rank, enc))
    return min(scored)[2] if scored else options[0]


def _decodes(raw: bytes, enc: str) -> bool:
    try:
        raw.decode(enc)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _decode_sample(raw: bytes, enc: str) -> str:
    chunk = raw[:SAMPLE_BYTES]
    text = chunk.decode(enc, errors="strict" if len(chunk) == len(raw) else "ignore")
    if len(chunk) < len(raw):
        text = text[: text.rfind("\n") + 1] or text  # drop the last, possibly cut, line
    return text


def _parse_sample(text: str, sep: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text), delimiter=sep))
    except csv.Error:
        return [line.split(sep) for line in text.splitlines()]


def _detect_delimiter(text: str) -> str:
    """Choose the delimiter that splits the sample into the most consistent field count."""
    best, best_score = ",", -1.0
    for sep in DELIMITERS:
        rows = [r for r in _parse_sample(text, sep) if r]
        if len(rows) > 1:
            rows = rows[:-1] if len(rows) > 2 else rows  # the last record may be cut
        widths = Counter(len(r) for r in rows)
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        if width < 2:
            continue
        score = count / len(rows) + 0.001 * width
        if len(rows[0]) == width:
            score += 0.5  # the header agrees with the body
        if score > best_score:
            best, best_score = sep, score
    return best


def _clean_header(header: list[str], warnings: list[str]) -> tuple[list[str], dict[str, str]]:
    """Strip names, name blank ones and give duplicates distinguishable names, with warnings."""
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    renamed: dict[str, str] = {}
    for i, n in enumerate(names):
        if not n:
            names[i] = f"column_{i + 1}"
            renamed[f"(blank, position {i + 1})"] = names[i]
    if any(renamed):
        warnings.append(
            "Blank column names were replaced: " + ", ".join(f"{v}" for v in renamed.values()) + "."
        )
    positions: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        positions.setdefault(n, []).append(i)
    taken = set(names)
    for n, where in positions.items():
        if len(where) < 2:
            continue
        new_names = [n]
        for k, pos in enumerate(where[1:], start=2):
            candidate = f"{n}_{k}"
            while candidate in taken:
                candidate += "_"
            taken.add(candidate)
            names[pos] = candidate
            new_names.append(candidate)
            renamed[f"{n} (position {pos + 1})"] = candidate
        warnings.append(
            f"The column name '{n}' appears {len(where)} times (positions "
            f"{', '.join(str(p + 1) for p in where)}); they were kept as "
            f"{', '.join(repr(x) for x in new_names)}. Rename them in the file if they mean "
            "different things."
        )
    return names, renamed


def _detect_number_format(rows: list[list[str]], sep: str) -> tuple[str, str | None]:
    """Decide decimal mark and thousands separator from cells that can only be read one way."""
    comma_dec = dot_dec = dot_thou = comma_thou = 0
    for row in rows[:2000]:
        for cell in row:
            c = cell.strip()
            if not c or len(c) > 30 or not c[-1].isdigit():
                continue
            if _NUM_COMMA_DECIMAL.match(c):
                comma_dec += 1
                if "." in c:
                    dot_thou += 1
            elif _NUM_DOT_DECIMAL.match(c):
                dot_dec += 1
                if "," in c:
                    comma_thou += 1
            elif _NUM_DOT_THOUSANDS.match(c) and c.count(".") >= 2:
                dot_thou += 1
            elif _NUM_COMMA_THOUSANDS.match(c) and c.count(",") >= 2:
                comma_thou += 1
    if comma_dec > dot_dec and sep != ",":
        return ",", "." if dot_thou else None
    # With "," as the delimiter a grouped number can only sit in a quoted cell, which pandas reads fine.
    thousands = "," if comma_thou and comma_thou >= comma_dec else None
    return ".", thousands


def _parse_with_pandas(
    raw: bytes, name: str, enc: str, sep: str, decimal: str, thousands: str | None,
    names: list[str],
) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            sep=sep,
            encoding=enc,
            decimal=decimal,
            thousands=thousands,
            header=0,
            names=names,
            skipinitialspace=False,
            low_memory=False,
            skip_blank_lines=True,
        )
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{name} is not consistently {enc}: byte {exc.start} cannot be decoded. "
            "Save the file as UTF-8 CSV or choose the encoding by hand."
        ) from None
    except pd.errors.ParserError as exc:
        raise CsvParseError(_explain_parser_error(name, str(exc), len(names))) from None
    except pd.errors.EmptyDataError:
        raise EmptyFileError(f"{name} is empty: it has no header and no data rows.") from None
    return frame


def _explain_parser_error(name: str, message: str, width: int) -> str:
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if m:
        return (
            f"{name}, line {m.group(2)}: {m.group(3)} fields where the header has {width}. "
            "Check that line for an extra delimiter or an unclosed quote."
        )
    if "EOF inside string" in message:
        line = re.search(r"line (\d+)", message)
        where = f" starting at line {line.group(1)}" if line else ""
        return f"{name} has a quote that is never closed{where}; fix the quoting in the file."
    return f"{name} could not be parsed as CSV: {message.strip()}"
