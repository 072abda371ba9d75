"""Resolving what a user names as data: paths, globs, formats, SQL sources and frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pytest

from mlwright.core.errors import (
    DataError,
    EmptyDataError,
    MalformedDataError,
    SourceNotFoundError,
    UnsupportedFormatError,
)
from mlwright.data.source import (
    SUPPORTED_SUFFIXES,
    FileSource,
    FrameSource,
    ReadOptions,
    SourceFormat,
    SqlSource,
    check_unique_names,
    frame_to_arrow,
    resolve_source,
)

if TYPE_CHECKING:
    from pathlib import Path


def _touch(path: Path, content: bytes = b"a\n1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", SourceFormat.CSV),
        ("a.CSV", SourceFormat.CSV),
        ("a.tsv", SourceFormat.CSV),
        ("a.tab", SourceFormat.CSV),
        ("a.txt", SourceFormat.CSV),
        ("a.csv.gz", SourceFormat.CSV),
        ("a.tsv.gz", SourceFormat.CSV),
        ("a.parquet", SourceFormat.PARQUET),
        ("a.pq", SourceFormat.PARQUET),
        ("a.json", SourceFormat.JSON),
        ("a.jsonl", SourceFormat.JSON),
        ("a.ndjson", SourceFormat.JSON),
        ("a.xlsx", SourceFormat.EXCEL),
        ("a.xlsm", SourceFormat.EXCEL),
    ],
)
def test_format_comes_from_the_suffix(tmp_path: Path, name: str, fmt: SourceFormat) -> None:
    source = resolve_source(_touch(tmp_path / name))
    assert isinstance(source, FileSource)
    assert source.format is fmt
    assert source.paths == (tmp_path / name,)


def test_a_string_path_resolves_like_a_path(tmp_path: Path) -> None:
    path = _touch(tmp_path / "a.csv")
    assert resolve_source(str(path)) == resolve_source(path)


def test_an_unknown_suffix_names_the_supported_ones(tmp_path: Path) -> None:
    path = _touch(tmp_path / "report.docx")
    with pytest.raises(UnsupportedFormatError, match=r"report\.docx: unsupported format") as info:
        resolve_source(path)
    assert all(suffix in str(info.value.hint) for suffix in SUPPORTED_SUFFIXES)
    assert "--format" in str(info.value.hint)
    assert info.value.fields["path"] == str(path)


def test_a_file_without_suffix_is_unsupported(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"'\(no suffix\)'"):
        resolve_source(_touch(tmp_path / "data"))


def test_format_can_be_given_instead_of_the_suffix(tmp_path: Path) -> None:
    source = resolve_source(_touch(tmp_path / "export.dat"), file_format="CSV")
    assert isinstance(source, FileSource)
    assert source.format is SourceFormat.CSV


def test_an_unknown_format_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match="unknown format 'xml'") as info:
        resolve_source(_touch(tmp_path / "a.csv"), file_format="xml")
    assert info.value.hint == "use one of: csv, parquet, json, excel"


def test_a_glob_matches_files_in_sorted_order(tmp_path: Path) -> None:
    for name in ("b.csv", "a.csv", "c.csv"):
        _touch(tmp_path / name)
    (tmp_path / "folder.csv").mkdir()  # a folder that matches is not a file
    source = resolve_source(str(tmp_path / "*.csv"))
    assert isinstance(source, FileSource)
    assert [p.name for p in source.paths] == ["a.csv", "b.csv", "c.csv"]
    assert source.display == str(tmp_path / "*.csv")


def test_a_glob_matching_nothing_names_the_pattern(tmp_path: Path) -> None:
    pattern = str(tmp_path / "*.csv")
    with pytest.raises(SourceNotFoundError, match="no files match") as info:
        resolve_source(pattern)
    assert pattern in info.value.message
    assert info.value.hint == "check the pattern and the folder"


def test_a_glob_mixing_formats_is_refused(tmp_path: Path) -> None:
    _touch(tmp_path / "a.csv")
    _touch(tmp_path / "b.json")
    with pytest.raises(UnsupportedFormatError, match=r"the files mix formats \(csv, json\)"):
        resolve_source(str(tmp_path / "*"))


def test_a_glob_of_several_workbooks_is_refused(tmp_path: Path) -> None:
    _touch(tmp_path / "a.xlsx")
    _touch(tmp_path / "b.xlsx")
    with pytest.raises(UnsupportedFormatError, match="matches 2 Excel files"):
        resolve_source(str(tmp_path / "*.xlsx"))


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match=r"no file at '.*nope\.csv'") as info:
        resolve_source(tmp_path / "nope.csv")
    assert isinstance(info.value, FileNotFoundError)


def test_a_folder_suggests_a_glob(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is a folder") as info:
        resolve_source(tmp_path)
    assert str(tmp_path / "*.csv") in str(info.value.hint)


def test_an_empty_file_is_refused_by_name(tmp_path: Path) -> None:
    _touch(tmp_path / "a.csv")
    empty = _touch(tmp_path / "b.csv", b"")
    with pytest.raises(EmptyDataError, match=r"b\.csv is empty \(0 bytes\)"):
        resolve_source(str(tmp_path / "*.csv"))
    with pytest.raises(EmptyDataError):
        resolve_source(empty)


def test_a_path_with_brackets_that_exists_is_not_a_glob(tmp_path: Path) -> None:
    path = _touch(tmp_path / "data[1].csv")
    source = resolve_source(str(path))
    assert isinstance(source, FileSource)
    assert source.paths == (path,)


def test_options_are_carried_to_the_source(tmp_path: Path) -> None:
    options = ReadOptions(delimiter=";", header=False, encoding="cp1252")
    source = resolve_source(_touch(tmp_path / "a.csv"), options=options)
    assert isinstance(source, FileSource)
    assert source.options == options


@pytest.mark.parametrize("delimiter", ["", ";;", "tab"])
def test_a_delimiter_must_be_one_character(delimiter: str) -> None:
    with pytest.raises(DataError, match="a delimiter must be one character"):
        ReadOptions(delimiter=delimiter)


def test_sql_makes_a_sql_source_with_the_password_hidden() -> None:
    source = resolve_source("postgresql://me:secret@db/shop", sql="SELECT 1")
    assert source == SqlSource(query="SELECT 1", uri="postgresql://me:secret@db/shop")
    assert "secret" not in source.display


def test_sql_needs_a_uri_or_a_file() -> None:
    with pytest.raises(DataError, match="--sql needs a database URI or file"):
        resolve_source(pd.DataFrame({"a": [1]}), sql="SELECT 1")


# --- frames --------------------------------------------------------------------------------


def test_frames_of_every_library_become_arrow_tables() -> None:
    import polars as pl

    expected = pa.table({"a": [1, 2], "b": ["x", "y"]})
    frames = [
        pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
        pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
        expected,
        pa.RecordBatchReader.from_batches(expected.schema, expected.to_batches()),
    ]
    for frame in frames:
        table = frame_to_arrow(frame)
        assert table.to_pydict() == expected.to_pydict()


def test_a_frame_resolves_to_a_frame_source() -> None:
    source = resolve_source(pd.DataFrame({"a": [1]}))
    assert isinstance(source, FrameSource)
    assert source.display == "<DataFrame>"


def test_the_pandas_index_is_not_a_column() -> None:
    frame = pd.DataFrame({"a": [1, 2]}, index=pd.Index([10, 20], name="key"))
    assert frame_to_arrow(frame).column_names == ["a"]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame([[1, 2]], columns=["a", "a"]),
        pd.DataFrame([[1, 2]], columns=["Age", "age"]),
        pa.table([pa.array([1]), pa.array([2])], names=["a", "a"]),
    ],
    ids=["pandas", "pandas-case", "arrow"],
)
def test_frames_with_repeated_column_names_are_refused(frame: object) -> None:
    with pytest.raises(MalformedDataError, match="duplicate column names") as info:
        frame_to_arrow(frame)
    assert info.value.hint == "rename one of them"


def test_a_pandas_column_of_mixed_types_is_refused() -> None:
    frame = pd.DataFrame({"v": [1, "x", 2.5]})
    with pytest.raises(MalformedDataError, match="mixed types") as info:
        frame_to_arrow(frame)
    assert info.value.hint == "cast the column to one type first"


def test_an_object_that_is_not_a_frame_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormatError, match="cannot ingest an object of type list"):
        frame_to_arrow([1, 2, 3])


def test_duplicate_names_report_both_positions() -> None:
    with pytest.raises(MalformedDataError, match=r"'B' \(columns 2 and 4\)") as info:
        check_unique_names(["a", "b", "c", "B"], where="x.csv")
    assert info.value.fields["column"] == "B"
    check_unique_names(["a", "b", "c"], where="x.csv")
