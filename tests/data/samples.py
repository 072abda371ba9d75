"""Sample inputs for the ingestion tests: good files in every format, and bad inputs.

The API tests (``tests/data``) and the CLI tests (``tests/cli``) share these tables, so each
format and each failure is checked through both doors with the same expectations.
"""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import (
    EmptyDataError,
    EncodingError,
    MalformedDataError,
    SourceNotFoundError,
    SourceQueryError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from mlwright.data.profile import Analysis
    from mlwright.workspace import Workspace

# A small table with non-ASCII text, so that every encoding path is exercised.
PEOPLE: dict[str, list[Any]] = {
    "name": ["José", "Zoë", "Renée", "Łukasz", "Ana"],
    "age": [31, 45, 27, 38, 52],
    "city": ["Zürich", "Köln", "Besançon", "Kraków", "Málaga"],
}
# The same table without characters that Windows-1252 cannot encode ("Ł").
PEOPLE_CP1252: dict[str, list[Any]] = {**PEOPLE, "name": ["José", "Zoë", "Renée", "Œdipe", "€va"]}
PEOPLE_LATIN1: dict[str, list[Any]] = {**PEOPLE, "name": ["José", "Zoë", "Renée", "Ñuño", "Ana"]}
LARGE_N_LINES = 40_000
FAR_LINE = 30_000


@dataclass(frozen=True)
class Call:
    """One ingest request, spelled as Python keyword arguments or as CLI options."""

    source: str
    sql: str | None = None
    encoding: str | None = None
    header: bool | None = None

    def api_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Workspace.ingest`` besides ``name``."""
        kwargs: dict[str, Any] = {"sql": self.sql, "encoding": self.encoding}
        if self.header is not None:
            kwargs["header"] = self.header
        return kwargs

    def cli_args(self) -> list[str]:
        """Arguments of ``mlwright ingest`` besides ``--name``."""
        args = ["--sql", self.sql, "--from", self.source] if self.sql else [self.source]
        if self.encoding:
            args += ["--encoding", self.encoding]
        if self.header is not None:
            args.append("--header" if self.header else "--no-header")
        return args


@dataclass(frozen=True)
class GoodInput:
    """A file (or database) to write, and the table that ingesting it must give."""

    make: Callable[[Path], Call]
    expected: dict[str, list[Any]]


@dataclass(frozen=True)
class BadInput:
    """A broken input, and the error (class and message pattern) ingesting it must raise."""

    make: Callable[[Path], Call]
    error: type[Exception]
    match: str


def rows_of(table: dict[str, list[Any]]) -> list[list[Any]]:
    """The rows of a column-wise table."""
    return [list(row) for row in zip(*table.values(), strict=True)]


def sorted_by(table: dict[str, list[Any]], column: str) -> dict[str, list[Any]]:
    """The table with its rows sorted by one column."""
    order = sorted(range(len(table[column])), key=table[column].__getitem__)
    return {name: [values[i] for i in order] for name, values in table.items()}


def write_delimited(
    path: Path,
    table: dict[str, list[Any]],
    *,
    delimiter: str = ",",
    header: bool = True,
    encoding: str = "utf-8",
) -> Path:
    """Write a table as delimited text (gzipped when the name ends in .gz)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        if header:
            writer.writerow(table)
        writer.writerows(rows_of(table))
    return path


def write_sqlite(path: Path, table: dict[str, list[Any]]) -> Path:
    """A SQLite file with the table ``people``."""
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE people (name TEXT, age INTEGER, city TEXT)")
        con.executemany("INSERT INTO people VALUES (?, ?, ?)", rows_of(table))
    con.close()
    return path


def write_duckdb(path: Path, table: dict[str, list[Any]]) -> Path:
    """A DuckDB file with the table ``people``."""
    import duckdb
    import pyarrow as pa

    con = duckdb.connect(str(path))
    con.register("frame", pa.table(table))
    con.execute("CREATE TABLE people AS SELECT * FROM frame")
    con.close()
    return path


def write_xlsx(path: Path, table: dict[str, list[Any]], *, sheet: str = "Sheet1") -> Path:
    """An Excel workbook whose sheet holds the table, written by openpyxl."""
    import openpyxl

    book = openpyxl.Workbook()
    page = book.active
    page.title = sheet
    page.append(list(table))
    for row in rows_of(table):
        page.append(row)
    book.save(path)
    return path


def write_large_csv(path: Path, *, bad_line: int | None = None, bad_text: str = "") -> Path:
    """A CSV of LARGE_N_LINES lines (header included) with ``bad_text`` at line ``bad_line``.

    The bad line lies far beyond the sample that dialect detection reads.
    """
    lines = ["a,b,c"] + [f"{i},{i % 7},{i * 3}" for i in range(1, LARGE_N_LINES)]
    if bad_line is not None:
        lines[bad_line - 1] = bad_text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- good inputs ---------------------------------------------------------------------------


def _csv(tmp: Path) -> Call:
    return Call(str(write_delimited(tmp / "people.csv", PEOPLE)))


def _tsv(tmp: Path) -> Call:
    return Call(str(write_delimited(tmp / "people.tsv", PEOPLE, delimiter="\t")))


def _semicolon(tmp: Path) -> Call:
    return Call(str(write_delimited(tmp / "people.csv", PEOPLE, delimiter=";")))


def _headerless(tmp: Path) -> Call:
    return Call(str(write_delimited(tmp / "people.csv", PEOPLE, header=False)), header=False)


def _cp1252(tmp: Path) -> Call:
    return Call(str(write_delimited(tmp / "people.csv", PEOPLE_CP1252, encoding="cp1252")))


def _latin1_named(tmp: Path) -> Call:
    path = write_delimited(tmp / "people.csv", PEOPLE_LATIN1, encoding="latin-1")
    return Call(str(path), encoding="latin-1")


def _gzip(tmp: Path) -> Call:
    return Call(str(write_delimited(tmp / "people.csv.gz", PEOPLE)))


def _parquet(tmp: Path) -> Call:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(PEOPLE), tmp / "people.parquet")
    return Call(str(tmp / "people.parquet"))


def _json_array(tmp: Path) -> Call:
    records = [dict(zip(PEOPLE, row, strict=True)) for row in rows_of(PEOPLE)]
    (tmp / "people.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return Call(str(tmp / "people.json"))


def _ndjson(tmp: Path) -> Call:
    records = [dict(zip(PEOPLE, row, strict=True)) for row in rows_of(PEOPLE)]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (tmp / "people.ndjson").write_text(lines, encoding="utf-8")
    return Call(str(tmp / "people.ndjson"))


def _xlsx(tmp: Path) -> Call:
    return Call(str(write_xlsx(tmp / "people.xlsx", PEOPLE)))


def _glob(tmp: Path) -> Call:
    folder = tmp / "exports"
    folder.mkdir()
    head = {k: v[:2] for k, v in PEOPLE.items()}
    tail = {k: v[2:] for k, v in PEOPLE.items()}
    write_delimited(folder / "people-1.csv", head)
    write_delimited(folder / "people-2.csv", tail)
    return Call(str(folder / "people-*.csv"))


def _sqlite(tmp: Path) -> Call:
    path = write_sqlite(tmp / "shop.sqlite", PEOPLE)
    return Call(str(path), sql="SELECT name, age, city FROM people ORDER BY rowid")


def _duckdb(tmp: Path) -> Call:
    path = write_duckdb(tmp / "shop.duckdb", PEOPLE)
    return Call(str(path), sql="SELECT * FROM people ORDER BY age")


GOOD_INPUTS: dict[str, GoodInput] = {
    "csv": GoodInput(_csv, PEOPLE),
    "tsv": GoodInput(_tsv, PEOPLE),
    "semicolon_detected": GoodInput(_semicolon, PEOPLE),
    "headerless": GoodInput(
        _headerless, {f"column{i}": values for i, values in enumerate(PEOPLE.values())}
    ),
    "cp1252_detected": GoodInput(_cp1252, PEOPLE_CP1252),
    "latin1_named": GoodInput(_latin1_named, PEOPLE_LATIN1),
    "gzip_csv": GoodInput(_gzip, PEOPLE),
    "parquet": GoodInput(_parquet, PEOPLE),
    "json_array": GoodInput(_json_array, PEOPLE),
    "ndjson": GoodInput(_ndjson, PEOPLE),
    "xlsx": GoodInput(_xlsx, PEOPLE),
    "glob_of_csvs": GoodInput(_glob, PEOPLE),
    "sqlite_query": GoodInput(_sqlite, PEOPLE),
    "duckdb_query": GoodInput(_duckdb, sorted_by(PEOPLE, "age")),
}


# --- bad inputs ----------------------------------------------------------------------------


def _missing_file(tmp: Path) -> Call:
    return Call(str(tmp / "nope.csv"))


def _glob_matching_nothing(tmp: Path) -> Call:
    (tmp / "exports").mkdir()
    return Call(str(tmp / "exports" / "*.csv"))


def _empty_file(tmp: Path) -> Call:
    (tmp / "empty.csv").write_bytes(b"")
    return Call(str(tmp / "empty.csv"))


def _header_only(tmp: Path) -> Call:
    (tmp / "header_only.csv").write_text("name,age,city\n")
    return Call(str(tmp / "header_only.csv"))


def _utf8_forced_on_cp1252(tmp: Path) -> Call:
    path = write_delimited(tmp / "people.csv", PEOPLE_CP1252, encoding="cp1252")
    return Call(str(path), encoding="utf-8")


def _binary(tmp: Path) -> Call:
    (tmp / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return Call(str(tmp / "image.csv"))


def _bad_utf8_far_down(tmp: Path) -> Call:
    path = write_large_csv(tmp / "big.csv", bad_line=FAR_LINE, bad_text="1,2,@@")
    path.write_bytes(path.read_bytes().replace(b"@@", "café".encode("cp1252")))
    return Call(str(path))


def _ragged_early(tmp: Path) -> Call:
    (tmp / "ragged.csv").write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    return Call(str(tmp / "ragged.csv"))


def _ragged_far_down(tmp: Path) -> Call:
    return Call(str(write_large_csv(tmp / "big.csv", bad_line=FAR_LINE, bad_text="1,2,3,4")))


def _duplicate_columns(tmp: Path) -> Call:
    (tmp / "dupes.csv").write_text("id,name,id\n1,a,2\n3,b,4\n")
    return Call(str(tmp / "dupes.csv"))


def _docx(tmp: Path) -> Call:
    (tmp / "report.docx").write_bytes(b"PK\x03\x04 not really a document")
    return Call(str(tmp / "report.docx"))


def _malformed_json(tmp: Path) -> Call:
    (tmp / "cut.json").write_text('[{"a": 1}, {"a": ')
    return Call(str(tmp / "cut.json"))


def _sqlite_bad_table(tmp: Path) -> Call:
    return Call(str(write_sqlite(tmp / "shop.sqlite", PEOPLE)), sql="SELECT * FROM nope")


def _duckdb_bad_table(tmp: Path) -> Call:
    return Call(str(write_duckdb(tmp / "shop.duckdb", PEOPLE)), sql="SELECT * FROM nope")


def _unreachable_database(tmp: Path) -> Call:
    return Call("postgresql://postgres@127.0.0.1:1/x", sql="SELECT 1")


def _missing_sqlite(tmp: Path) -> Call:
    return Call(str(tmp / "missing.sqlite"), sql="SELECT * FROM people")


def _missing_duckdb(tmp: Path) -> Call:
    return Call(str(tmp / "missing.duckdb"), sql="SELECT * FROM people")


BAD_INPUTS: dict[str, BadInput] = {
    "missing_file": BadInput(_missing_file, SourceNotFoundError, r"no file at '.*nope\.csv'"),
    "glob_matching_nothing": BadInput(
        _glob_matching_nothing, SourceNotFoundError, r"no files match '.*exports/\*\.csv'"
    ),
    "empty_file": BadInput(_empty_file, EmptyDataError, r"empty\.csv is empty \(0 bytes\)"),
    "header_only": BadInput(
        _header_only, EmptyDataError, r"header_only\.csv has a header but no data rows"
    ),
    "utf8_forced_on_cp1252": BadInput(
        _utf8_forced_on_cp1252,
        EncodingError,
        r"people\.csv line 2 is not valid utf-8 \(byte 0xe9\)",
    ),
    "binary_file": BadInput(_binary, EncodingError, r"image\.csv looks like a binary file"),
    "bad_utf8_far_down": BadInput(
        _bad_utf8_far_down, EncodingError, rf"big\.csv line {FAR_LINE} is not valid UTF-8"
    ),
    "ragged_row_early": BadInput(
        _ragged_early, MalformedDataError, r"ragged\.csv line 3 has 2 fields, expected 3"
    ),
    "ragged_row_far_down": BadInput(
        _ragged_far_down,
        MalformedDataError,
        rf"big\.csv line {FAR_LINE} has 4 fields, expected 3",
    ),
    "duplicate_columns": BadInput(
        _duplicate_columns,
        MalformedDataError,
        r"dupes\.csv has duplicate column names: 'id' \(columns 1 and 3\)",
    ),
    "unsupported_format": BadInput(
        _docx, UnsupportedFormatError, r"report\.docx: unsupported format '\.docx'"
    ),
    "malformed_json": BadInput(
        _malformed_json, MalformedDataError, r"cut\.json is not valid for its format"
    ),
    "sqlite_bad_table": BadInput(
        _sqlite_bad_table,
        SourceQueryError,
        r"the query failed on .*shop\.sqlite: no such table: nope",
    ),
    "duckdb_bad_table": BadInput(
        _duckdb_bad_table,
        SourceQueryError,
        r"the query failed on .*shop\.duckdb: .*nope",
    ),
    "unreachable_database": BadInput(
        _unreachable_database,
        SourceQueryError,
        r"cannot reach the database postgresql://postgres@127\.0\.0\.1:1/x",
    ),
    "missing_sqlite_file": BadInput(
        _missing_sqlite, SourceNotFoundError, r"no SQLite database at '.*missing\.sqlite'"
    ),
    "missing_duckdb_file": BadInput(
        _missing_duckdb, SourceNotFoundError, r"no DuckDB database at '.*missing\.duckdb'"
    ),
}


# --- checks --------------------------------------------------------------------------------


def assert_workspace_empty(ws: Workspace) -> None:
    """No dataset, no artifact file, and nothing left in the workspace's scratch folder."""
    assert ws.datasets() == []
    artifacts = ws.path / "artifacts"
    assert [p for p in artifacts.rglob("*") if p.is_file()] == []
    scratch = ws.path / "tmp"
    assert not scratch.exists() or list(scratch.iterdir()) == []


def analyze_source(source: Any, tmp_path: Path, **kwargs: Any) -> Analysis:
    """Stage a file or a table to Parquet and analyze it, as ingest does (without a store)."""
    from mlwright.data.ingest import stage
    from mlwright.data.profile import analyze
    from mlwright.data.source import resolve_source

    work = tmp_path / f"work-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    staged = stage(resolve_source(source), work / "data.parquet", work_dir=work)
    return analyze(staged.path, staged.columns, **kwargs)
