"""Detect a CSV file's encoding, delimiter and shape from its first bytes, and check them.

DuckDB sniffs CSV dialects well on clean files, but on a file with ragged rows it silently
falls back to one wide column, and it renames duplicate headers. This module looks at a
sample first so that those problems become clear errors naming the file and the line.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlwright.core.errors import EncodingError, MalformedDataError
from mlwright.data.source import check_unique_names

if TYPE_CHECKING:
    from pathlib import Path

    from mlwright.data.source import ReadOptions

SAMPLE_BYTES = 256 * 1024
SAMPLE_LINES = 500
DELIMITER_CANDIDATES = (",", "\t", ";", "|")
# Encodings DuckDB decodes itself; anything else is transcoded to UTF-8 first.
# Keys are Python's canonical codec names (codecs.lookup(...).name, "-" as "_").
DUCKDB_ENCODINGS = {"utf_8": "utf-8", "utf_16": "utf-16", "iso8859_1": "latin-1"}


@dataclass(frozen=True, slots=True)
class CsvDialect:
    """What the sample showed: how to decode and split the file."""

    encoding: str
    delimiter: str
    header_names: tuple[str, ...] | None
    n_fields: int

    @property
    def duckdb_encoding(self) -> str | None:
        """The name DuckDB knows this encoding by, or None when it must be transcoded."""
        return DUCKDB_ENCODINGS.get(codecs.lookup(self.encoding).name.replace("-", "_"))


def read_sample(path: Path) -> bytes:
    """The first bytes of a (possibly gzipped) file."""
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read(SAMPLE_BYTES)
    with path.open("rb") as fh:
        return fh.read(SAMPLE_BYTES)


def sniff_dialect(path: Path, options: ReadOptions) -> CsvDialect:
    """Detect encoding, delimiter and header of ``path``, honouring the caller's overrides.

    Raises
    ------
    EncodingError
        The sample does not decode, or the file looks binary.
    MalformedDataError
        A row in the sample has a different number of fields than the first, or the header
        repeats a column name.
    """
    raw = read_sample(path)
    encoding = options.encoding or detect_encoding(raw, path)
    text = _decode_sample(raw, encoding, path, complete=len(raw) < SAMPLE_BYTES)
    lines = _complete_lines(text, complete=len(raw) < SAMPLE_BYTES)
    default_delimiter = "\t" if path.name.lower().endswith((".tsv", ".tsv.gz", ".tab")) else None
    delimiter = options.delimiter or default_delimiter or detect_delimiter(lines)
    rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))
    rows = [row for row in rows if row]
    if not rows:
        msg = f"{path} has no rows"
        raise MalformedDataError(msg, hint="check that it is a CSV file", path=str(path))
    check_ragged(rows, path)
    header = options.header if options.header is not None else looks_like_header(rows)
    names = tuple(name.strip() for name in rows[0]) if header else None
    if names is not None:
        check_unique_names(list(names), where=str(path))
    return CsvDialect(
        encoding=encoding, delimiter=delimiter, header_names=names, n_fields=len(rows[0])
    )


def detect_encoding(raw: bytes, path: Path) -> str:
    """Name the encoding of a sample: BOMs, then UTF-8, then Windows-1252, then a guess.

    Windows-1252 (a superset of Latin-1 in practice) is what spreadsheet exports that are
    not UTF-8 almost always use. Statistical detection guesses wrong on short samples of
    it (``cp775`` for ``"José,Zürich"``), so it is only asked when cp1252 cannot decode the
    bytes; other legacy encodings are named with ``--encoding``.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in raw:
        msg = f"{path} looks like a binary file, not text"
        raise EncodingError(msg, hint="check the file, or pass --format", path=str(path))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        msg = f"cannot tell the text encoding of {path}"
        raise EncodingError(msg, hint="pass --encoding (e.g. latin-1, cp1252)", path=str(path))
    return str(best.encoding)


def _decode_sample(raw: bytes, encoding: str, path: Path, *, complete: bool) -> str:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        msg = f"unknown encoding {encoding!r}"
        raise EncodingError(msg, hint="pass a Python codec name such as utf-8 or cp1252") from None
    try:
        return str(decoder.decode(raw, final=complete))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"{path} line {line} is not valid {encoding} (byte {raw[exc.start]:#04x})"
        raise EncodingError(
            msg, hint="pass the right --encoding (e.g. latin-1, cp1252)", path=str(path)
        ) from exc


def _complete_lines(text: str, *, complete: bool) -> list[str]:
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample is partial
    return lines[:SAMPLE_LINES]


def detect_delimiter(lines: list[str]) -> str:
    """Pick the candidate that splits the most lines into the same number (> 1) of fields."""
    best, best_score = ",", 0
    for candidate in DELIMITER_CANDIDATES:
        counts = [len(row) for row in csv.reader(lines, delimiter=candidate) if row]
        if not counts:
            continue
        n_fields, agreeing = Counter(counts).most_common(1)[0]
        if n_fields > 1 and agreeing > best_score:
            best, best_score = candidate, agreeing
    return best


def check_ragged(rows: list[list[str]], path: Path) -> None:
    """Refuse a sample in which a row's field count differs from the first row's."""
    expected = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != expected:
            msg = f"{path} line {number} has {len(row)} fields, expected {expected}"
            hint = "fix that row, or pass --delimiter if the detected one is wrong"
            raise MalformedDataError(msg, hint=hint, path=str(path), line=number)


def looks_like_header(rows: list[list[str]]) -> bool:
    """A first row is a header when none of its fields is a number."""

    def is_number(value: str) -> bool:
        try:
            float(value)
        except ValueError:
            return False
        return True

    # An all-text table is taken to have a header, the usual case; --no-header overrides.
    return not any(is_number(v) for v in rows[0] if v.strip())
