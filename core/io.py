"""Read a CSV from a path or bytes into a DataFrame, detecting how it was written.

Files reach us from Excel on Chinese or European Windows, from databases and from scripts, so
the encoding, delimiter, decimal mark and thousands separator are detected rather than
assumed, and everything that was guessed or repaired is written into a :class:`LoadReport`
that the user sees.

Detection reads only the head of the file (about a megabyte); the whole file then goes once
through pandas' C parser with the detected settings, straight from the path when there is one,
so loading stays close to bare ``pandas.read_csv`` in time and memory. When the parser meets a
byte the detected encoding cannot decode further down, detection runs again on the head plus the
stretch around that byte, and the file is parsed once more: a rare second pass instead of a
full decode of every file.

Files over the limits in :func:`core.config.limits` (size, columns, data rows) are refused with
a message naming the limit and its environment variable; the columns are counted from the
header before the body is parsed, and the body is parsed no further than one row past the limit.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from core.config import limits
from core.errors import CsvParseError, DataLoadError, EmptyFileError, EncodingError

DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 1024 * 1024  # what detection reads of a file
SAMPLE_BYTES = 256 * 1024  # of which the delimiter and number format are judged on this much
_CJK = {"gb2312", "gbk", "gb18030", "hz", "cp936", "big5", "big5hkscs", "cp950", "cp949", "euc_kr",
        "johab", "iso2022_kr", "euc_jp", "euc_jis_2004", "euc_jisx0213", "shift_jis", "cp932",
        "shift_jis_2004", "shift_jisx0213", "iso2022_jp"}
# Single-byte code pages always weighed against each other, in the order that breaks ties: the
# Western Windows page first (the most common in exports), then Central European and Cyrillic
# Windows, then their ISO relatives. The detector's first choice is added after them.
_WINDOWS_PAGES = ("cp1252", "cp1250", "cp1251")
_SINGLE_BYTE_CANDIDATES = ("cp1252", "cp1250", "cp1251", "iso8859_2", "iso8859_15", "cp1253",
                           "cp1254", "cp1257", "koi8_r", "latin_1")
_NUMBER = re.compile(
    r"^[-+]?(?:(?P<comma_dec>\d{1,3}(?:\.\d{3})+,\d+|\d+,(?:\d{1,2}|\d{4,}))"
    r"|(?P<dot_dec>\d{1,3}(?:,\d{3})+\.\d+|\d+\.(?:\d{1,2}|\d{4,}))"
    r"|(?P<dot_thou>\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?)"
    r"|(?P<comma_thou>\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?))$"
)


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
        Refuse larger files with a message instead of exhausting memory; defaults to
        ``limits().max_upload_bytes`` (``MODELOPS_MAX_UPLOAD_MB``).

    Raises
    ------
    EmptyFileError, EncodingError, CsvParseError
        With a message that names the file and, where it applies, the line or column.
    DataLoadError
        When the file is over a size, column or row limit; the message names the limit and
        the environment variable that raises it.
    """
    lim = limits()
    src = _Input.open(source, name)
    name = src.name
    if max_bytes is not None and src.size > max_bytes:
        raise DataLoadError(
            f"{name} is {src.size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB; "
            "use a smaller file or raise the limit."
        )
    if max_bytes is None and src.size > lim.max_upload_bytes:
        raise DataLoadError(
            f"{name} is {src.size / 1e6:,.1f} MB, over the limit of {lim.max_upload_mb:,} MB per file "
            "(MODELOPS_MAX_UPLOAD_MB). Load a sample of the rows or only the columns you need, "
            "or raise MODELOPS_MAX_UPLOAD_MB."
        )
    head = src.head(HEAD_BYTES)
    if not head.strip(b" \t\r\n\xef\xbb\xbf") and len(head) >= src.size:
        raise EmptyFileError(f"{name} is empty: it has no header and no data rows.")
    _refuse_other_formats(src, head)
    head = _with_whole_header(src, head, lim.max_columns)

    try:
        return _load(src, head, encoding, delimiter, lim)
    except _Undecodable as exc:
        first = exc.encoding
    # The head reads as `first` but a byte further down does not. A chosen encoding is simply
    # wrong; a detected one is detected again on the head plus the stretch around that byte,
    # and the file parsed once more.
    raw = src.read_all()
    sample, position = _sample_around_failure(raw, first)
    if encoding:
        raise _inconsistent(name, first, position)
    warnings = [f"The first part of {name} reads as {first} but byte {position:,} does not; "
                "the encoding was detected again on the whole file."]
    enc = _detect_encoding(sample, name, warnings, complete=False,
                           first_bad_line=raw.count(b"\n", 0, position) + 1)
    if enc == first or not _decodes(raw, enc):
        raise _inconsistent(name, first, position, enc)
    try:
        return _load(_Input(name=name, size=len(raw), data=raw), raw, enc, delimiter, lim,
                     warnings=warnings)
    except _Undecodable:
        raise _inconsistent(name, enc, _sample_around_failure(raw, enc)[1]) from None


# Files that are not text tables, recognised by their first bytes: what they are, what to do.
_MAGIC = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or a zip archive",
     "Open it in Excel and save it as CSV (File > Save As > CSV UTF-8), or unzip it first"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls)",
     "Open it in Excel and save it as CSV (File > Save As > CSV UTF-8)"),
    (b"\x1f\x8b", "a gzip-compressed file", "Decompress it first (for example with 7-Zip or gunzip) "
     "and load the CSV inside"),
    (b"%PDF-", "a PDF document", "Export the table from the program that made the PDF as CSV"),
    (b"SQLite format 3\x00", "an SQLite database", "Export the table you need as CSV first"),
    (b"\x7fELF", "a program, not a table", "Choose the CSV file instead"),
)


def _refuse_other_formats(src: _Input, head: bytes) -> None:
    """Refuse files that are plainly not CSV (workbooks, archives, PDFs, JSON, NUL bytes),
    saying what they are: decoding them as text would only end in a puzzling message."""
    name = src.name
    for magic, what, todo in _MAGIC:
        if head.startswith(magic):
            raise CsvParseError(f"{name} is {what}, not a CSV file. {todo}.")
    window = head[:65536]
    nul = window.count(0)
    # UTF-16 text is at most half zero bytes, UTF-32 three quarters; a file of more is not text.
    if nul > 0.8 * len(window) and not window.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvParseError(
            f"{name} is {'all' if nul == len(window) else 'mostly'} zero (NUL) bytes, not text: the file "
            "is damaged or was not fully saved. Export the CSV again."
        )
    text = window.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"[") and _looks_like_json(src, head):
        raise CsvParseError(
            f"{name} is JSON, not CSV. Convert it to CSV first (for example "
            "pandas.read_json(...).to_csv(..., index=False), or save it as CSV from the tool "
            "that exported it)."
        )


def _looks_like_json(src: _Input, head: bytes) -> bool:
    """Whether the file parses as JSON (or as JSON lines: one object per line)."""
    import json

    if src.size <= 32 * HEAD_BYTES:
        raw = head if len(head) >= src.size else src.read_all()
        try:
            json.loads(raw.decode("utf-8-sig", errors="replace"))
            return True
        except ValueError:
            pass
    lines = [ln for ln in head.decode("utf-8-sig", errors="replace").splitlines()[:5] if ln.strip()]
    if len(head) < src.size:
        lines = lines[:-1] or lines  # the last line of a head may be cut
    try:
        return bool(lines) and all(isinstance(json.loads(ln), (dict, list)) for ln in lines)
    except ValueError:
        return False


def _inconsistent(name: str, enc: str, position: int, other: str | None = None) -> EncodingError:
    also = f" (nor as {other}, the next guess)" if other and other != enc else ""
    return EncodingError(
        f"{name} is not consistently {enc}: byte {position:,} cannot be decoded{also}. "
        "Save the file as UTF-8 CSV or choose the encoding by hand."
    )


class _Undecodable(Exception):
    """The parser met a byte the chosen encoding cannot decode (internal; becomes EncodingError)."""

    def __init__(self, encoding: str, position: int):
        super().__init__(encoding, position)
        self.encoding, self.position = encoding, position


@dataclass
class _Input:
    """Where the bytes come from: a path (read lazily, parsed by pandas from disk) or bytes."""

    name: str
    size: int
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def open(cls, source: str | os.PathLike | bytes, name: str | None) -> "_Input":
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = source if isinstance(source, bytes) else bytes(source)
            return cls(name=name or "the uploaded file", size=len(data), data=data)
        path = Path(source)
        if not path.exists():
            raise EmptyFileError(f"{path} does not exist; check the path.")
        if path.is_dir():
            raise EmptyFileError(f"{path} is a folder, not a CSV file.")
        if not path.is_file():  # a pipe or /dev/stdin: it can be read only once, so keep its bytes
            data = path.read_bytes()
            return cls(name=name or path.name, size=len(data), data=data)
        return cls(name=name or path.name, size=path.stat().st_size, path=path)

    def head(self, n: int) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with open(self.path, "rb") as f:
            return f.read(n)

    def read_all(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()

    def handle(self):
        """What pandas reads: the path itself (no copy in memory) or a view of the bytes."""
        return str(self.path) if self.data is None else io.BytesIO(self.data)


def _with_whole_header(src: _Input, head: bytes, max_columns: int) -> bytes:
    """Grow the head until it holds the whole header line (or the whole file).

    A header longer than the head (thousands of long column names) is read on, but a header
    that already shows more delimiters than the column limit is refused before reading more.
    """
    n = len(head)
    while n < src.size and b"\n" not in head and b"\r" not in head:
        widest = max(head.count(d.encode()) for d in DELIMITERS)
        if widest >= max_columns:
            raise _too_many_columns(src.name, f"more than {widest:,}", max_columns)
        n *= 4
        head = src.head(n)
    return head


def _too_many_columns(name: str, count: str, limit: int) -> DataLoadError:
    return DataLoadError(
        f"{name} has {count} columns, over the limit of {limit:,} columns (MODELOPS_MAX_COLUMNS). "
        "Keep only the columns you need (or a sample of them), or raise MODELOPS_MAX_COLUMNS."
    )


def _load(src: _Input, head: bytes, encoding: str | None, delimiter: str | None, lim,
          warnings: list[str] | None = None) -> LoadedTable:
    """Detect on ``head``, check the limits, parse the whole input once."""
    name = src.name
    warnings = list(warnings or [])
    complete = len(head) >= src.size
    enc = encoding or _detect_encoding(head, name, warnings, complete)
    try:
        sample_text = _decode_sample(head, enc, complete)
    except (UnicodeDecodeError, LookupError) as exc:
        raise EncodingError(f"{name} cannot be read as {enc}: {exc}. Choose another encoding.")
    sample_text = sample_text.lstrip("\ufeff")

    sample_text = _first_lines(sample_text, SAMPLE_BYTES)
    skip = 0
    excel_sep = _EXCEL_SEP_LINE.match(sample_text)
    if excel_sep:
        # Excel writes "sep=;" as the first line to name the delimiter; it is not the header.
        skip, sample_text = 1, sample_text[excel_sep.end():]
        if not delimiter:
            delimiter = excel_sep.group(1)
            shown = {"\t": "tab"}.get(delimiter, delimiter)
            warnings.append(f"The first line 'sep={shown}' (written by Excel) names the delimiter; "
                            "it was used and that line skipped.")
        else:
            warnings.append("The first line 'sep=...' (written by Excel) was skipped.")
    parsed: dict[str, list[list[str]]] = {}
    sep = delimiter or _detect_delimiter(sample_text, parsed)
    sample_rows = parsed[sep] if sep in parsed else _parse_sample(sample_text, sep)
    titles, title_lines = _title_above_table(sample_text, sep)
    if titles:
        # A report title above the table (one field per line, then a consistent wider table
        # under a header of names): pandas cannot read it as it stands, and the lines hold no
        # data, so they are skipped and the report says which.
        skip += title_lines
        sample_text = "".join(sample_text.splitlines(keepends=True)[title_lines:])
        sample_rows = _parse_sample(sample_text, sep)
        shown = "; ".join(repr(t[:60]) for t in titles[:3])
        lines = "line" if title_lines == 1 else f"{title_lines} lines"
        warnings.append(f"The first {lines} ({shown}) looked like a title above the table and "
                        "were skipped; the header is the line after them. Check that no data row "
                        "was lost.")
    if not sample_rows or not any(cell.strip() for cell in sample_rows[0]):
        raise EmptyFileError(f"{name} has no header row.")
    header = sample_rows[0]
    if len(header) > lim.max_columns:
        raise _too_many_columns(name, f"{len(header):,}", lim.max_columns)
    header = _check_row_widths(name, sample_text, sep, header, line_offset=skip)
    if _header_looks_like_data(header, sample_rows[1:2001]):
        shown = ", ".join(c.strip() for c in header[:6]) + (", ..." if len(header) > 6 else "")
        warnings.append(
            f"The first row ({shown}) looks like data, not column names: its values are like "
            "those in the rows below. If the file has no header row, add one with the column "
            "names; as it is, that row was used as the names and is not in the data."
        )
    names, renamed = _clean_header(header, warnings)
    decimal, thousands = _detect_number_format(sample_rows[1:], sep)

    # Stop one row past the row limit, unless the file is plainly far under it: a read with
    # nrows cannot use pandas' parallel reader, so it is kept for files that may be near the limit.
    lines_in_head = head.count(b"\n") or 1
    near_limit = src.data is not None or src.size / len(head) * lines_in_head > lim.max_rows / 2
    frame = _parse_with_pandas(src, enc, sep, decimal, thousands, names, skip=skip,
                               nrows=lim.max_rows + 1 if near_limit else None)
    if len(frame) > lim.max_rows:
        raise DataLoadError(
            f"{name} has more than {lim.max_rows:,} data rows, over the limit of {lim.max_rows:,} rows "
            "(MODELOPS_MAX_ROWS). Load a sample of the rows (for example a random sample exported "
            "from your database or spreadsheet), or raise MODELOPS_MAX_ROWS."
        )
    if len(frame) == 0:
        raise EmptyFileError(
            f"{name} has {len(names)} columns but 0 data rows; it cannot be used. "
            "Add data rows below the header."
        )
    _read_numbers_kept_as_text(frame, decimal, warnings)
    if decimal == ",":
        warnings.append("Numbers use a decimal comma (for example 3,5); they were read as numbers.")
    if thousands:
        left = _grouped_numbers_left_as_text(frame)
        also = (f" Column '{left[0]}' still holds numbers it could not read that way (for example "
                f"{left[1]!r}) and stays text." if left else "")
        warnings.append(f"Numbers use '{thousands}' as a thousands separator; it was removed.{also}")
    report = LoadReport(
        source=name,
        encoding=enc,
        delimiter=sep,
        decimal=decimal,
        thousands=thousands,
        rows=len(frame),
        columns=frame.shape[1],
        size_bytes=src.size,
        renamed_columns=renamed,
        warnings=warnings,
    )
    return LoadedTable(frame=frame, report=report)


def _sample_around_failure(raw: bytes, enc: str) -> tuple[bytes, int]:
    """The head of ``raw`` plus the lines around the first byte ``enc`` cannot decode."""
    try:
        raw.decode(enc)
        position = len(raw)
    except UnicodeDecodeError as exc:
        position = exc.start
    except LookupError:
        position = 0
    start = raw.rfind(b"\n", 0, max(0, position - 64 * 1024)) + 1
    end = raw.find(b"\n", position + 3 * SAMPLE_BYTES)
    end = len(raw) if end < 0 else end + 1
    head = raw[:SAMPLE_BYTES]
    head = head[: head.rfind(b"\n") + 1] or head
    return (head + raw[start:end] if start > len(head) else raw[:end]), position


def _detect_encoding(raw: bytes, name: str, warnings: list[str], complete: bool = True,
                     first_bad_line: int | None = None) -> str:
    """Pick the encoding of ``raw`` (a whole file, or its head when ``complete`` is False).

    BOMs first, then strict UTF-8, then charset detection; a single-byte code page proposed by
    the detector is weighed against its siblings by how natural the decoded words look.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    wide = _utf16_without_bom(raw, complete)
    if wide:
        warnings.append(f"The file is UTF-16 without a byte order mark; it was read as {wide}.")
        return wide
    if _is_utf8(raw, complete):
        return "utf-8"
    mixed = _utf8_with_legacy_lines(raw, complete)
    if mixed:
        fallback, line, count = mixed
        line = first_bad_line or line
        warnings.append(
            f"The file mixes encodings: some lines are UTF-8 but others are not, the first at "
            f"line {line:,} ({count:,} in the part checked); those were read as {fallback}, "
            "character by character. Check their accented letters, or save the whole file as UTF-8."
        )
        return f"utf_8_or_{fallback}"

    from charset_normalizer import from_bytes

    # A CSV always holds ASCII (delimiters, line ends), which UTF-16/32 write with zero bytes:
    # without any, a UTF-16/32 proposal is the detector misreading a short legacy file.
    wide_possible = b"\x00" in raw
    matches = [m for m in from_bytes(raw)
               if wide_possible or not m.encoding.lower().startswith(("utf_16", "utf_32"))]
    best = matches[0] if matches else None
    proposals = [m.encoding.lower() for m in matches]
    tried = "UTF-8, " + ", ".join(proposals[:4])
    if best is None:
        fallback = _east_asian_fallback(raw, complete)
        if fallback:
            warnings.append(f"The file is not UTF-8; it was read as {fallback} (its words read as everyday "
                            "Chinese, Japanese or Korean, though the detector was unsure).")
            return fallback
        raise EncodingError(
            f"{name} is not valid text in any encoding tried ({tried.rstrip(', ')}); "
            "save it as UTF-8 CSV or choose the encoding by hand."
        )
    enc = best.encoding.lower()
    note = ""
    if enc in _CJK or _single_byte(enc):
        # Short files fool the detector across families too: Hungarian read as Big5, Russian
        # KOI8-R as Shift-JIS. A CJK reading made mostly of rare characters loses to a
        # single-byte reading of natural words, and the other way round.
        cjk = _most_plausible_cjk(raw, proposals, complete)
        single, runner_up, flaw_rate = _most_natural_single_byte(raw, proposals)
        natural = _natural_cjk_share(_decode_sample(raw, cjk, complete=False)) \
            if _decodes(raw, cjk, complete) else 0.0
        if enc in _CJK:
            enc = single if natural < 0.5 and flaw_rate <= 0.25 else cjk
        else:
            enc = cjk if flaw_rate > 0.5 and natural >= 0.8 else single
        if enc == single and runner_up:
            note = (f" Another reading ({runner_up}) was nearly as likely; if letters look wrong, "
                    f"choose {runner_up}.")
    if enc in ("gb2312", "gbk", "cp936", "hz"):
        enc = "gb18030"  # the superset of GB2312 and GBK, as Chinese Windows writes them
    if not _decodes(raw, enc, complete):
        raise EncodingError(
            f"{name} could not be decoded as {enc} (tried {tried.rstrip(', ')}); "
            "save it as UTF-8 CSV or choose the encoding by hand."
        )
    warnings.append(f"The file is not UTF-8; it was read as {enc} (detected).{note}")
    return enc


_EXCEL_SEP_LINE = re.compile(r"[ \t]*sep=([^\r\n\w\s\"']|\t)[ \t]*(?:\r\n|\r|\n)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _east_asian_fallback(raw: bytes, complete: bool) -> str | None:
    """The East Asian encoding a file the detector gave up on decodes to, if it reads naturally.

    GB18030 writes letters outside GBK (ã, ü, é) as four-byte sequences the detector does not
    know, so a Chinese export with a few accented names defeats it. Such a file still decodes
    strictly, has no control characters and holds everyday CJK words; binary junk does not.
    """
    for enc in ("gb18030", "big5", "shift_jis", "euc_kr"):
        if not _decodes(raw, enc, complete):
            continue
        text = _decode_sample(raw, enc, complete)
        if not _CONTROL.search(text) and _natural_cjk_share(text) >= 0.2:
            return enc
    return None


def _utf16_without_bom(raw: bytes, complete: bool) -> str | None:
    """UTF-16 without a BOM: mostly text in the Latin range, so every other byte is zero.

    Such bytes are also valid UTF-8 (NUL is a character), which would give names like "i\\x00d".
    """
    sample = raw[:4096]
    n = len(sample) // 2 * 2
    if n < 8:
        return None
    even, odd = sample[0:n:2], sample[1:n:2]
    for enc, zeros, text in (("utf_16_le", odd, even), ("utf_16_be", even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and text.count(0) <= 0.05 * len(text):
            end = len(raw) if complete else raw.rfind(b"\n\x00" if enc == "utf_16_le" else b"\x00\n") + 2
            if _decodes(raw[: end if end > 1 else len(raw) // 2 * 2], enc):
                return enc
    return None


def _utf8_with_legacy_lines(raw: bytes, complete: bool) -> tuple[str, int, int] | None:
    """A file written partly as UTF-8 and partly in a single-byte code page (rows appended by
    another program): the code page of the other lines, the first such line and their count.

    It is mixed when some lines hold valid multi-byte UTF-8 and others fail to decode; a legacy
    file rarely forms valid UTF-8 sequences by chance, let alone on several lines.
    """
    lines = raw.split(b"\n")
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the head may cut its last line
    utf8_lines, bad, first = 0, [], 0
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            bad.append(line)
            first = first or number
    if utf8_lines < 2 or not bad or utf8_lines < 0.05 * (utf8_lines + len(bad)):
        return None
    fallback, _, _ = _most_natural_single_byte(b"\n".join(bad), [])
    return fallback, first, len(bad)


class _Utf8OrLegacyDecoder(codecs.IncrementalDecoder):
    """UTF-8, with each byte that is not UTF-8 read in a single-byte code page instead."""

    legacy = "cp1252"

    def __init__(self, errors: str = "strict"):
        super().__init__(errors)
        self._inner = codecs.getincrementaldecoder("utf-8")(_fallback_handler(self.legacy))

    def decode(self, data, final=False):
        return self._inner.decode(data, final)

    def reset(self):
        self._inner.reset()

    def getstate(self):
        return self._inner.getstate()

    def setstate(self, state):
        self._inner.setstate(state)


@lru_cache(maxsize=None)
def _fallback_handler(legacy: str) -> str:
    name = f"modelops_{legacy}_fallback"

    def handler(exc: UnicodeDecodeError):
        return exc.object[exc.start:exc.end].decode(legacy, errors="replace"), exc.end

    codecs.register_error(name, handler)
    return name


def _search_mixed_codec(name: str) -> codecs.CodecInfo | None:
    """The codecs ``utf_8_or_<code page>`` that read files mixing UTF-8 and a code page."""
    if not name.startswith("utf_8_or_") or not _single_byte(name[len("utf_8_or_"):]):
        return None
    legacy = name[len("utf_8_or_"):]
    handler = _fallback_handler(legacy)
    decoder = type("Decoder", (_Utf8OrLegacyDecoder,), {"legacy": legacy})
    return codecs.CodecInfo(
        name=name, encode=codecs.utf_8_encode,
        decode=lambda data, errors="strict": (codecs.decode(bytes(data), "utf-8", handler), len(data)),
        incrementalencoder=codecs.getincrementalencoder("utf-8"), incrementaldecoder=decoder,
        streamwriter=codecs.getwriter("utf-8"),
        streamreader=codecs.getreader("utf-8"),
    )


codecs.register(_search_mixed_codec)


def _is_utf8(raw: bytes, complete: bool) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the very end (of the file or of the head) is still UTF-8.
        return exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data"


@lru_cache(maxsize=None)
def _single_byte(enc: str) -> bool:
    """True for code pages that map every byte to one character (cp1252, koi8_r, ...)."""
    try:
        return len(bytes(range(256)).decode(enc, errors="replace")) == 256 and \
            codecs.lookup(enc).name not in ("utf-8", "ascii")
    except LookupError:
        return False


# The Latin-script languages written with single-byte code pages: for each, its accented
# letters in everyday use, those it uses rarely, and the plain letters it rarely uses. A word
# whose accented letters no one language writes together ("Pøíliš": ø is Danish, š Czech) is
# a misreading; among readings without such words, the one whose words need fewer rare letters
# ("úpìl" in Italian has a rare ú, "úpěl" in Czech none) and then fewer languages wins.
_LANGUAGES = {
    "pt": ("áâãçéêíóõú", "àôü", "kwy"), "es": ("áéíñóú", "ü", "kw"),
    "fr": ("àâçéèêîôû", "æëïœùüÿ", "kw"), "it": ("àèéìòù", "íîóú", "jkwxy"),
    "ca": ("àçèéíòóú", "ïü", "kwy"), "de": ("äöüß", "é", ""), "nl": ("ëïé", "áäèíóöúü", "qx"),
    "da": ("æøå", "é", "qwxz"), "no": ("æøå", "éèóòô", "qwxz"), "sv": ("åäö", "é", "qwxz"),
    "fi": ("äö", "åšž", "cqwxz"), "et": ("äöõü", "šž", "cqwxyz"), "tr": ("çğıöşü", "âîû", "qwx"),
    "pl": ("ąćęłńóśźż", "", "qvx"), "cs": ("áčďéěíňóřšťúůýž", "", "qwx"),
    "sk": ("áčéíóšúýžľď", "äĺňôŕť", "qwx"), "hr": ("čćđšž", "", "qwxy"), "sl": ("čšž", "", "qwxy"),
    "hu": ("áéíóöőúüű", "", "qwx"), "ro": ("ăâîșşțţ", "", "kqwy"), "lt": ("ąčęėįšųūž", "", "qwx"),
    "lv": ("āčēģīķļņšūž", "", "qwx"), "sq": ("çë", "", "w"), "mt": ("ċġħż", "àèìòù", "cy"),
    "ga": ("áéíóú", "", "jkqvwxyz"), "lb": ("äëé", "", ""),
}
_RARE = {lang: set(rare + plain) for lang, (_, rare, plain) in _LANGUAGES.items()}
_LETTER_LANGUAGES: dict[str, frozenset[str]] = {}
for _lang, (_common, _rare, _) in _LANGUAGES.items():
    for _ch in _common + _rare:
        _LETTER_LANGUAGES[_ch] = _LETTER_LANGUAGES.get(_ch, frozenset()) | {_lang}
_NON_ASCII_RUN = re.compile(r"[^\W\d_a-zA-Z]+")
_WORD_JOINERS = set("’'‘ʼ·‐‑-\u00ad")
_WORD_BYTES = re.compile(rb"[A-Za-z\x80-\xff]*[\x80-\xff][A-Za-z\x80-\xff]*")


def _most_natural_single_byte(raw: bytes, proposals: list[str]) -> tuple[str, str | None, float]:
    """Among single-byte code pages, the one whose decoded words look most like natural text.

    Short Western files are often proposed as cp1250 ("São" read as "Săo"), Polish ones as
    cp1252 ("Łódź" as "£ódŸ"). Every candidate that decodes the bytes is scored on the distinct
    words holding non-ASCII bytes: a word is implausible when a symbol or control sits among
    its letters, it mixes scripts (Latin with Cyrillic), its case flips inside (lower then
    upper), it is a Latin word made only of accented letters (Cyrillic or Greek read as
    Latin), or its accented letters belong to no one language. Fewest implausible words wins,
    then the fewest languages needed for all words, then the order of
    ``_SINGLE_BYTE_CANDIDATES`` (cp1252 first). Returns the choice, the runner-up among the
    Windows pages when the choice won only on that order and reads differently, and the share
    of implausible words in the choice (1.0 when nothing decodes).
    """
    order = list(_SINGLE_BYTE_CANDIDATES) + proposals[:1]
    seen: set[str] = set()
    candidates = []
    for enc in order:
        if not _single_byte(enc):
            continue
        canonical = codecs.lookup(enc).name
        if canonical not in seen:
            seen.add(canonical)
            candidates.append(enc)
    words = list(dict.fromkeys(_WORD_BYTES.findall(raw)))[:3000]
    scored = []
    for rank, enc in enumerate(candidates):
        try:
            raw.decode(enc)
        except UnicodeDecodeError:
            continue
        decoded = [w.decode(enc) for w in words]
        bad, rare, language_sets = 0, 0, []
        for w in decoded:
            flawed, sets, rare_letters = _word_flaws(w)
            bad += flawed
            rare += rare_letters
            language_sets.extend(sets)
        # A rarer code page has to explain the words with one language fewer to win.
        languages = _languages_needed(language_sets) + (enc not in _WINDOWS_PAGES)
        scored.append(((bad, rare, languages, rank), enc, tuple(decoded)))
    if not scored:
        return (proposals[0] if proposals else "cp1252"), None, 1.0
    scored.sort()
    (key, enc, text) = scored[0]
    runner_up = next((e for k, e, t in scored[1:] if k[:3] == key[:3] and t != text
                      and e in _WINDOWS_PAGES), None)
    return enc, runner_up, key[0] / max(1, len(words))


def _word_flaws(token: str) -> tuple[int, list[frozenset[str]], int]:
    """1 if the token reads as an implausible word; for each of its plausible words the
    languages that could have written it (for a word in another script, that script); and
    how many rare letters its Latin words hold in the language that fits each best."""
    token = unicodedata.normalize("NFC", token)  # a letter and its combining accent as one
    words: list[str] = []
    current: list[str] = []
    flawed = False
    n = len(token)
    for i, ch in enumerate(token):
        if ch.isascii() or ch.isalpha() and ch not in "ªº":
            current.append(ch)
            continue
        cat = unicodedata.category(ch)
        nxt_letter = i + 1 < n and token[i + 1].isalpha()
        if cat == "Mn" and current:
            current.append(ch)  # a combining mark belongs to the letter before it
            continue
        if ch in _WORD_JOINERS:
            pass
        elif ch in "¿¡":
            flawed |= bool(current)  # only ever opens a sentence
        elif cat[0] in "PZ":
            flawed |= bool(current) and nxt_letter
        elif cat in ("Cc", "Co", "Cn", "Cs"):
            flawed = True
        elif ch == "°" or ch in "ªº" and not nxt_letter:
            pass  # "N°", "Nº", "1ª": a degree or ordinal sign ends a word
        elif cat != "Cf":
            flawed |= bool(current) or nxt_letter  # a symbol glued to letters: "£ód", "Pawe³"
        if current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    language_sets, rare = [], 0
    for word in words:
        scripts, accented, prev = set(), [], ""
        for ch in word:
            if not ch.isalpha():
                script = unicodedata.name(ch, "?").split(" ")[0]
                if script == "COMBINING":
                    flawed = True  # an accent no letter takes: "Forl" + a dot below
                else:
                    scripts.add(script)  # a Thai or Hebrew mark on a Latin letter: "caf้"
                continue
            if ch.isascii():
                scripts.add("LATIN")
            else:
                scripts.add(unicodedata.name(ch, "?").split(" ")[0])
                accented.append(ch)
            if ch.isupper() and prev.islower() and not (ch.isascii() and prev.isascii()):
                flawed = True  # "jaŸñ", "мОСКВА": the case flips inside a word
            prev = ch
        if not accented and scripts <= {"LATIN"}:
            continue
        if len(scripts) > 1:
            flawed = True  # "Sгo": Latin and Cyrillic in one word
        elif scripts != {"LATIN"}:
            language_sets.append(frozenset(scripts))  # a Cyrillic or Greek word: its script
        else:
            letters = sum(1 for ch in word if ch.isalpha())
            if letters >= 3 and len(accented) == letters:
                flawed = True  # "Ïðèâåò": Cyrillic read as Western accents
            lower = word.lower()
            langs = None
            for low in {c for c in lower if c.isalpha() and not c.isascii()}:
                found = _LETTER_LANGUAGES.get(low, frozenset())
                langs = found if langs is None else langs & found
            if langs is not None:
                if not langs:
                    flawed = True  # "Pøíliš": no language writes ø and š together
                else:
                    language_sets.append(langs)
                    rare += min(sum(c in _RARE[lang] for c in lower) for lang in langs)
    return int(flawed), language_sets, rare


def _languages_needed(sets: list[frozenset[str]]) -> int:
    """How many languages cover every word (greedy set cover over each word's languages)."""
    remaining = list(set(sets))
    count = 0
    while remaining:
        tally = Counter(lang for s in remaining for lang in s)
        lang = max(sorted(tally), key=tally.__getitem__)
        remaining = [s for s in remaining if lang not in s]
        count += 1
    return count


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
        elif 0x3040 <= o <= 0x30FF or 0xFF66 <= o <= 0xFF9F:  # with half-width katakana
            kana += 1
        elif ch.isalpha():
            other += 1
    total = han + hangul + kana + other
    if not total:
        return 0.0
    japanese = han + kana if kana > 0.05 * total else 0
    return max(han, hangul, japanese) / total


def _natural_cjk_share(text: str) -> float:
    """Share of the runs of non-ASCII letters in ``text`` that read as everyday CJK words.

    A run counts when all its characters are everyday (kana, the Hangul of EUC-KR, Han of
    GB2312 level 1 or Big5's frequent set) and it is not glued to Latin letters. Western bytes
    read as a CJK encoding fail both ways: each accented letter swallows the next byte into a
    rare character inside a Latin word ("Gy鰎", "B鰎霵di").
    """
    runs = natural = 0
    for m in _NON_ASCII_RUN.finditer(text[:65536]):
        run, start, end = m.group(), m.start(), m.end()
        runs += 1
        glued = (start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()) or \
                (end < len(text) and text[end].isascii() and text[end].isalpha())
        natural += not glued and all(map(_everyday_cjk, run)) and not _hangul_with_han(run)
    return natural / runs if runs else 0.0


def _hangul_with_han(run: str) -> bool:
    """Korean words are written in Hangul alone; Hangul and Han in one word is a misreading
    (Chinese bytes read as cp949 give "구鬧")."""
    return any("\uac00" <= c <= "\ud7a3" for c in run) and any("\u4e00" <= c <= "\u9fff" for c in run)


@lru_cache(maxsize=65536)
def _everyday_cjk(ch: str) -> bool:
    o = ord(ch)
    if 0x3040 <= o <= 0x30FF:  # kana (not the half-width ones: GBK bytes read as Shift-JIS give those)
        return True
    # The frequent range of each CJK standard: GB2312 level 1, Big5's frequent set, the Hangul
    # of KS X 1001 and JIS X 0208 level 1 (Shift-JIS 0x889F-0x9872).
    for enc, low, high in (("gb2312", 0xB0A1, 0xD7FE), ("big5", 0xA440, 0xC67E), ("euc_kr", 0xB0A1, 0xC8FE),
                           ("cp932", 0x889F, 0x9872)):
        try:
            code = int.from_bytes(ch.encode(enc), "big")
        except UnicodeEncodeError:
            continue
        if low <= code <= high:
            return True
    return False


_JAPANESE = {"euc_jp", "euc_jis_2004", "euc_jisx0213", "shift_jis", "cp932", "shift_jis_2004",
             "shift_jisx0213", "iso2022_jp"}


def _most_plausible_cjk(raw: bytes, candidates: list[str], complete: bool = True) -> str:
    """Among CJK decodings that work, keep the one that reads most naturally.

    Readings whose share of everyday words (:func:`_natural_cjk_share`) is clearly below the
    best one's are out: Shift-JIS read as GB18030 is all one script, but of rare characters
    ("嶳杮" for 田中). Among the rest, the one most plainly one script wins (Chinese read as
    Korean mixes Hangul and Han), except that a Japanese encoding goes first when its text holds
    kana (EUC-JP and GB2312 put kana at the same codes, but not the kanji); then the detector's
    order.
    """
    sample = raw[:SAMPLE_BYTES]
    options = [c for c in candidates if c in _CJK]
    if "gb18030" not in options:
        options.append("gb18030")
    readings = []
    for rank, enc in enumerate(options):
        if _decodes(raw, enc, complete):
            text = sample.decode(enc, errors="ignore")
            readings.append((enc, rank, _natural_cjk_share(text), _script_purity(text), _kana_share(text)))
    if not readings:
        return options[0]
    best_natural = max(r[2] for r in readings)
    close = [r for r in readings if r[2] >= best_natural - 0.15]
    return min(close, key=lambda r: (-(r[4] > 0.05 and r[0] in _JAPANESE), -round(r[3], 2), r[1]))[0]


def _kana_share(text: str) -> float:
    """Share of (full-width) kana among the non-ASCII letters: Japanese writes them in every
    sentence, Chinese and Korean never."""
    letters = kana = 0
    for ch in text[:65536]:
        if ch.isascii() or not ch.isalpha():
            continue
        letters += 1
        kana += "\u3040" <= ch <= "\u30ff"
    return kana / letters if letters else 0.0


def _decodes(raw: bytes, enc: str, complete: bool = True) -> bool:
    """Whether ``raw`` decodes as ``enc``; for a head (not ``complete``) up to its last line end,
    since the head may cut a character in two."""
    if not complete:
        raw = raw[: raw.rfind(b"\n") + 1] or raw
    try:
        raw.decode(enc)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _decode_sample(raw: bytes, enc: str, complete: bool = True) -> str:
    """Decode the head: strictly when it is the whole file, else dropping its cut last line."""
    text = raw.decode(enc, errors="strict" if complete else "ignore")
    if not complete:
        text = text[: text.rfind("\n") + 1] or text  # drop the last, possibly cut, line
    return text


def _first_lines(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, ending at a line end when there is one."""
    if len(text) <= limit:
        return text
    end = text.rfind("\n", 0, limit)
    if end < 0:
        end = text.find("\n")  # the header alone is longer than the limit
    return text if end < 0 else text[: end + 1]


def _detect_number_format(rows: list[list[str]], sep: str) -> tuple[str, str | None]:
    """Decide decimal mark and thousands separator from cells that can only be read one way."""
    comma_dec = dot_dec = dot_thou = comma_thou = 0
    match = _NUMBER.match
    for row in rows[:2000]:
        for cell in row:
            if "," not in cell and "." not in cell:
                continue
            c = cell.strip()
            if not c or len(c) > 30 or not c[-1].isdigit():
                continue
            if "," not in c and c.count(".") == 1:
                # The common "12.5" shape, decided without the regex: 3 decimals could be
                # a thousands group, any other count is a decimal point.
                whole, _, frac = c.partition(".")
                if whole[:1] in ("+", "-"):
                    whole = whole[1:]
                if whole.isdecimal() and frac.isdecimal():
                    dot_dec += len(frac) != 3
                    continue
            m = match(c)
            if m is None:
                continue
            kind = m.lastgroup
            if kind == "comma_dec":
                comma_dec += 1
                if "." in c:
                    dot_thou += 1
            elif kind == "dot_dec":
                dot_dec += 1
                if "," in c:
                    comma_thou += 1
            elif kind == "dot_thou":
                dot_thou += 1
            else:
                comma_thou += 1
    if comma_dec > dot_dec and sep != ",":
        return ",", "." if dot_thou else None
    # With "," as the delimiter a grouped number can only sit in a quoted cell, which pandas reads fine.
    thousands = "," if comma_thou and comma_thou >= comma_dec else None
    return ".", thousands


def _parse_with_pandas(
    src: _Input, enc: str, sep: str, decimal: str, thousands: str | None, names: list[str],
    nrows: int | None = None, skip: int = 0,
) -> pd.DataFrame:
    """One pass of pandas' C parser over the whole input with the detected settings.

    Columns are typed chunk by chunk (``low_memory``), which keeps peak memory low and lets
    pandas parse a large UTF-8 file on several threads. Should chunks still disagree on a
    column's type (older pandas leaves numbers and words mixed in one column), the input is
    read again typing each column as a whole, so the result is always that of whole-column
    typing. (Checked on the result rather than by turning pandas' DtypeWarning into an error:
    warning filters are shared by every thread of the app.)
    """
    name = src.name
    # index_col=False: never let pandas turn leading fields into an implicit row index.
    options = dict(sep=sep, encoding=enc, decimal=decimal, thousands=thousands, header=0, names=names,
                   index_col=False, skiprows=skip or None,
                   skipinitialspace=False, skip_blank_lines=True, compression=None, nrows=nrows)
    try:
        frame = pd.read_csv(src.handle(), low_memory=True, **options)
        mixed = [i for i, dtype in enumerate(frame.dtypes)
                 if dtype == object and pd.api.types.infer_dtype(frame.iloc[:, i], skipna=True) != "boolean"]
        if mixed:
            frame = pd.read_csv(src.handle(), low_memory=False, **options)
    except UnicodeDecodeError as exc:
        raise _Undecodable(enc, exc.start) from None
    except pd.errors.ParserError as exc:
        raise CsvParseError(_explain_parser_error(name, str(exc), len(names))) from None
    except pd.errors.EmptyDataError:
        raise EmptyFileError(f"{name} is empty: it has no header and no data rows.") from None
    return frame


def _title_above_table(text: str, sep: str) -> tuple[list[str], int]:
    """The title lines above a table, if any, and how many physical lines they take.

    Title lines hold one field each (blank lines among them count too); the first wider line
    must look like a header (no cell is a number) and at least 90% of the lines below it must
    have its width. Anything else (a one-name header over wider rows, say) is not a title.
    """
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    titles: list[str] = []
    end = 0
    try:
        for row in reader:
            if len(row) > 1:
                if not titles:
                    return [], 0  # the usual case: the header is the first line
                header = row
                break
            if row and row[0].strip():
                titles.append(row[0].strip())
            end = reader.line_num
        else:
            return [], 0
        body = [r for r in reader if r][:-1] or []  # the last row of a sample may be cut
    except csv.Error:
        return [], 0
    if not titles or len(body) < 2 or any(_is_number(c) or not c.strip() for c in header):
        return [], 0
    if sum(len(r) == len(header) for r in body) < 0.9 * len(body):
        return [], 0
    return titles, end


def _header_looks_like_data(header: list[str], rows: list[list[str]]) -> bool:
    """Whether the first row is a data row: every column of numbers is named by a number in
    that column's range, and every other column by one of its own values ("Dan", "no").

    Conservative by design: a normal name ("income", "2019" over text) never matches, and a
    column whose name is not among its values vetoes the warning.
    """
    rows = [r for r in rows if len(r) == len(header)]
    if len(rows) < 2 or len(header) < 2:
        return False
    numeric_columns = 0
    for i, name in enumerate(header):
        cells = [r[i].strip() for r in rows if r[i].strip()]
        if not cells:
            return False
        numbers = [_as_float(c) for c in cells]
        found = [v for v in numbers if v is not None]
        if len(found) >= 0.9 * len(cells):
            value = _as_float(name.strip())
            low, high = min(found), max(found)
            spread = max(high - low, abs(high), 1.0)
            if value is None or not low - spread <= value <= high + spread:
                return False
            numeric_columns += 1
        elif name.strip() not in set(cells):
            return False
    return numeric_columns > 0


def _as_float(cell: str) -> float | None:
    try:
        value = float(cell.replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _is_number(cell: str) -> bool:
    try:
        float(cell.strip().replace(",", "."))
        return True
    except ValueError:
        return False


def _check_row_widths(name: str, text: str, sep: str, header: list[str], line_offset: int = 0) -> list[str]:
    """Refuse a table whose data rows are wider than the header, which pandas would silently
    turn into an index.

    Given fewer names than the first data row has fields, pandas moves the extra leading fields
    into the row index (or, with ``index_col=False``, drops the trailing ones): columns vanish
    and the names shift onto the wrong values. Only extra trailing fields that are empty on
    every row of the sample (a delimiter at the end of each data line) are accepted; they become
    blank-named columns. Returns the header, widened by those blank names. A single wider row
    further down is left to pandas' own "expected n fields" error.
    """
    width = len(header)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        next(reader, None)
        rows = ((reader.line_num + line_offset, row) for row in reader if row)
        first = next(rows, None)
        if first is None or len(first[1]) <= width:
            return header
        widest = len(first[1])
        for line, row in [first, *rows]:
            if any(cell.strip() for cell in row[width:]):
                raise CsvParseError(
                    f"{name}: the header has {width} names but line {line} has {len(row)} fields; "
                    "the extra fields would have no column and the names would shift onto the "
                    "wrong values. Add the missing names to the header line (or remove the extra "
                    "fields from the rows)."
                )
            widest = max(widest, len(row))
    except csv.Error:
        return header
    return header + [""] * (widest - width)


_SIGNED = re.compile(r"^(?P<open>\()?\s*(?P<minus>[-+])?\s*(?P<cur>[$€£¥₹])?\s*(?P<minus2>-)?"
                     r"(?P<num>\d[\d.,']*)\s*(?P<suffix>%|[$€£¥₹])?\s*(?(open)\))$")


def _read_numbers_kept_as_text(frame: pd.DataFrame, decimal: str, warnings: list[str]) -> None:
    """Turn text columns of numbers with currency or percent signs ("$1,200", "€1.200,50",
    "12%"), or with both 1,234.5 and 1.234,5 styles, into numbers, naming each column.

    pandas leaves such columns as text, and as text they look like identifiers. A column is
    converted only when nearly all its values are such numbers and some need the help (a sign,
    or both separators in one value); each value's last separator is its decimal mark when it
    has both, else the column's decimal mark decides.
    """
    for column in frame.columns:
        series = frame[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        head = series.iloc[:200].dropna().astype(str).str.strip()
        if not all(map(_SIGNED.match, head[head != ""].iloc[:50])):
            continue  # the usual text column, settled on its first values
        present = series.dropna().astype(str).str.strip()
        present = present[present != ""]
        if present.empty:
            continue
        matches = [_SIGNED.match(v) for v in present]
        if sum(m is not None for m in matches) < 0.98 * len(present):
            continue
        percent = sum(bool(m and m["suffix"] == "%") for m in matches)
        currency = sum(bool(m and (m["cur"] or m["suffix"] and m["suffix"] != "%")) for m in matches)
        both = sum(bool(m and "," in m["num"] and "." in m["num"]) for m in matches)
        styles = {m["num"].rfind(",") > m["num"].rfind(".") for m in matches
                  if m and "," in m["num"] and "." in m["num"]}
        if not (percent or currency or len(styles) > 1):
            continue
        column_decimal = _column_decimal([m["num"] for m in matches if m], decimal)
        values = [_signed_value(m, column_decimal) if m else None for m in matches]
        if sum(v is not None for v in values) < 0.98 * len(present):
            continue
        converted = pd.Series(float("nan"), index=series.index)
        converted[present.index] = [float("nan") if v is None else v for v in values]
        frame[column] = converted
        what = []
        if currency:
            what.append("currency signs")
        if percent:
            what.append("percent signs (12% is read as 12)")
        if len(styles) > 1:
            what.append("both 1,234.5 and 1.234,5 styles (each value's last separator taken as its "
                        "decimal mark)")
        example = present.iloc[next(i for i, m in enumerate(matches) if m)]
        warnings.append(
            f"Column '{column}' holds numbers written with {' and '.join(what)}, for example "
            f"{example!r}; they were read as numbers. Check the column if that is not what it means."
        )


def _grouped_numbers_left_as_text(frame: pd.DataFrame) -> tuple[str, str] | None:
    """The first text column whose first values are mostly grouped numbers, with an example."""
    for column in frame.columns:
        series = frame[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        head = series.iloc[:200].dropna().astype(str).str.strip()
        numbers = [v for v in head if _NUMBER.match(v) and ("," in v or "." in v)]
        if head.size and len(numbers) >= 0.5 * head.size:
            return str(column), numbers[0]
    return None


def _column_decimal(numbers: list[str], default: str) -> str:
    """The decimal mark of a column's numbers, from the values that can only be read one way."""
    votes = Counter()
    for num in numbers:
        if "," in num and "." in num:
            votes["," if num.rfind(",") > num.rfind(".") else "."] += 1
        elif num.count(",") == 1 and len(num) - num.rfind(",") - 1 != 3:
            votes[","] += 1
        elif num.count(".") == 1 and len(num) - num.rfind(".") - 1 != 3:
            votes["."] += 1
    return votes.most_common(1)[0][0] if votes else default


def _signed_value(m: re.Match, decimal: str) -> float | None:
    num = m["num"].replace("'", "")
    if "," in num and "." in num:
        decimal = "," if num.rfind(",") > num.rfind(".") else "."
    thousands = "." if decimal == "," else ","
    whole, _, frac = num.rpartition(decimal) if decimal in num else (num, "", "")
    if thousands in whole and not re.fullmatch(rf"\d{{1,3}}(?:\{thousands}\d{{3}})+", whole):
        return None  # "1,2,3" is not a grouped number
    if decimal in num and (not whole or not frac.isdigit() or decimal in whole):
        return None
    try:
        value = float(whole.replace(thousands, "") + ("." + frac if frac else ""))
    except ValueError:
        return None
    return -value if m["open"] or m["minus"] == "-" or m["minus2"] else value


def _parse_sample(text: str, sep: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text), delimiter=sep))
    except csv.Error:
        return [line.split(sep) for line in text.splitlines()]


def _detect_delimiter(text: str, parsed: dict[str, list[list[str]]] | None = None) -> str:
    """Choose the delimiter that splits the sample into the most consistent field count.

    Each delimiter's parse of the sample is left in ``parsed``, for the caller to reuse.
    """
    best, best_score = ",", -1.0
    parsed = {} if parsed is None else parsed
    for sep in DELIMITERS:
        if sep not in text:
            continue  # every row would be one field wide
        parsed[sep] = _parse_sample(text, sep)
        rows = [r for r in parsed[sep] if r]
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
