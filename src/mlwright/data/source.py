"""Turn what a user names as data (a path, a glob, a SQL query, a frame) into a checked source."""

from __future__ import annotations

import glob as globlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from mlwright.core.errors import (
    DataError,
    EmptyDataError,
    MalformedDataError,
    SourceNotFoundError,
    UnsupportedFormatError,
)
from mlwright.core.uri import redact_uri


class SourceFormat(StrEnum):
    """File formats that mlwright reads."""

    CSV = "csv"
    PARQUET = "parquet"
    JSON = "json"
    EXCEL = "excel"


# Longest suffixes first so that ".csv.gz" wins over ".gz".
_SUFFIX_FORMATS: dict[str, SourceFormat] = {
    ".csv.gz": SourceFormat.CSV,
    ".tsv.gz": SourceFormat.CSV,
    ".csv": SourceFormat.CSV,
    ".tsv": SourceFormat.CSV,
    ".tab": SourceFormat.CSV,
    ".txt": SourceFormat.CSV,
    ".parquet": SourceFormat.PARQUET,
    ".pq": SourceFormat.PARQUET,
    ".json": SourceFormat.JSON,
    ".jsonl": SourceFormat.JSON,
    ".ndjson": SourceFormat.JSON,
    ".xlsx": SourceFormat.EXCEL,
    ".xlsm": SourceFormat.EXCEL,
}
SUPPORTED_SUFFIXES = tuple(_SUFFIX_FORMATS)
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read a file when detection should be overridden.

    ``delimiter``, ``header`` and ``encoding`` apply to CSV/TSV; ``sheet`` to Excel.
    ``None`` means detect.
    """

    delimiter: str | None = None
    header: bool | None = None
    encoding: str | None = None
    sheet: str | None = None

    def __post_init__(self) -> None:
        if self.delimiter is not None and len(self.delimiter) != 1:
            msg = f"a delimiter must be one character, got {self.delimiter!r}"
            raise DataError(msg, hint="pass e.g. --delimiter ';' or --delimiter '\\t'")


@dataclass(frozen=True, slots=True)
class FileSource:
    """One file or several (a glob) of one format."""

    paths: tuple[Path, ...]
    format: SourceFormat
    display: str
    options: ReadOptions = field(default_factory=ReadOptions)


@dataclass(frozen=True, slots=True)
class SqlSource:
    """A SQL query against a database URI (SQLAlchemy URI, or a DuckDB/SQLite file)."""

    query: str
    uri: str

    @property
    def display(self) -> str:
        """The database URI with any password hidden, for messages."""
        return redact_uri(self.uri)


@dataclass(frozen=True, slots=True)
class FrameSource:
    """An in-memory table, already converted to Arrow."""

    table: Any  # pyarrow.Table; Any keeps pyarrow out of import time
    display: str


Source = FileSource | SqlSource | FrameSource


def resolve_source(
    source: Any,
    *,
    sql: str | None = None,
    file_format: SourceFormat | str | None = None,
    options: ReadOptions | None = None,
) -> Source:
    """Check what the caller named as data and say how to read it.

    Parameters
    ----------
    source
        A path or glob (``str`` or :class:`~pathlib.Path`), a database URI when ``sql`` is
        given, or a pandas / Polars / PyArrow table.
    sql
        A query to run against the database ``source`` names.
    file_format
        Override format detection from the file suffix.
    options
        Override CSV dialect or Excel sheet detection.

    Raises
    ------
    SourceNotFoundError, EmptyDataError, UnsupportedFormatError, MalformedDataError
        With the path and what to do.
    """
    options = options or ReadOptions()
    if sql is not None:
        if not isinstance(source, str | Path):
            msg = f"--sql needs a database URI or file to run against, got {type(source).__name__}"
            raise DataError(msg, hint="pass --from postgresql://... or a .duckdb/.sqlite file")
        return SqlSource(query=sql, uri=str(source))
    if isinstance(source, str | Path):
        return _resolve_files(str(source), file_format, options)
    return FrameSource(table=frame_to_arrow(source), display=f"<{type(source).__name__}>")


def _resolve_files(
    text: str, file_format: SourceFormat | str | None, options: ReadOptions
) -> Source:
    if _GLOB_CHARS & set(text) and not Path(text).exists():  # "[" may be part of a name
        matches = sorted(globlib.glob(text))  # noqa: PTH207 - a user's pattern may be absolute
        paths = tuple(Path(p) for p in matches if Path(p).is_file())
        if not paths:
            msg = f"no files match {text!r}"
            raise SourceNotFoundError(msg, hint="check the pattern and the folder", path=text)
    else:
        path = Path(text)
        if path.is_dir():
            msg = f"{text!r} is a folder"
            raise DataError(msg, hint=f"name the files, e.g. '{path / '*.csv'}'", path=text)
        if not path.exists():
            msg = f"no file at {text!r}"
            raise SourceNotFoundError(msg, hint="check the path and the current folder", path=text)
        paths = (path,)
    fmt = _format_of(paths, file_format)
    for path in paths:
        if path.stat().st_size == 0:
            msg = f"{path} is empty (0 bytes)"
            raise EmptyDataError(msg, hint="export the data again", path=str(path))
    if len(paths) > 1 and fmt is SourceFormat.EXCEL:
        msg = f"{text!r} matches {len(paths)} Excel files; mlwright reads one workbook at a time"
        raise UnsupportedFormatError(msg, hint="ingest them one by one", path=text)
    return FileSource(paths=paths, format=fmt, display=text, options=options)


def _format_of(paths: tuple[Path, ...], file_format: SourceFormat | str | None) -> SourceFormat:
    if file_format is not None:
        try:
            return SourceFormat(str(file_format).lower())
        except ValueError:
            valid = ", ".join(f.value for f in SourceFormat)
            msg = f"unknown format {file_format!r}"
            raise UnsupportedFormatError(msg, hint=f"use one of: {valid}") from None
    formats = {_suffix_format(p) for p in paths}
    if len(formats) > 1:
        found = ", ".join(sorted(f.value for f in formats))
        msg = f"the files mix formats ({found})"
        raise UnsupportedFormatError(msg, hint="ingest one format at a time")
    return formats.pop()


def _suffix_format(path: Path) -> SourceFormat:
    name = path.name.lower()
    for suffix, fmt in _SUFFIX_FORMATS.items():
        if name.endswith(suffix):
            return fmt
    msg = f"{path}: unsupported format {path.suffix or '(no suffix)'!r}"
    hint = f"supported: {', '.join(SUPPORTED_SUFFIXES)}; or pass --format csv|parquet|json|excel"
    raise UnsupportedFormatError(msg, hint=hint, path=str(path))


def frame_to_arrow(frame: Any) -> Any:
    """Convert a pandas or Polars frame, or an Arrow table or batch reader, to an Arrow table."""
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        table = frame
    elif isinstance(frame, pa.RecordBatchReader):
        table = frame.read_all()
    elif type(frame).__module__.startswith("polars"):
        table = frame.to_arrow()
    elif type(frame).__module__.startswith("pandas"):
        table = _pandas_to_arrow(frame)
    else:
        msg = f"cannot ingest an object of type {type(frame).__name__}"
        hint = "pass a path, a glob, a SQL query, or a pandas/Polars/PyArrow table"
        raise UnsupportedFormatError(msg, hint=hint)
    check_unique_names([str(n) for n in table.column_names], where="the table")
    return table


def _pandas_to_arrow(frame: Any) -> Any:
    import pyarrow as pa

    check_unique_names([str(c) for c in frame.columns], where="the DataFrame")
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid) as exc:
        msg = f"the DataFrame has a column of mixed types: {str(exc).splitlines()[0]}"
        raise MalformedDataError(msg, hint="cast the column to one type first") from exc


def check_unique_names(names: list[str], *, where: str) -> None:
    """Refuse column names that repeat (compared case-insensitively, as SQL does)."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        key = name.strip().lower()
        if key in seen:
            msg = (
                f"{where} has duplicate column names: {name!r} (columns {seen[key]} and {position})"
            )
            raise MalformedDataError(msg, hint="rename one of them", column=name)
        seen[key] = position
