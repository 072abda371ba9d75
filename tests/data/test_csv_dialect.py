"""CSV dialect detection: encoding, delimiter, header, and the checks on the sample."""

from __future__ import annotations

import codecs
import gzip
from typing import TYPE_CHECKING

import pytest

from mlwright.core.errors import EncodingError, MalformedDataError
from mlwright.data.csv_dialect import (
    SAMPLE_BYTES,
    CsvDialect,
    check_ragged,
    detect_delimiter,
    detect_encoding,
    looks_like_header,
    read_sample,
    sniff_dialect,
)
from mlwright.data.source import ReadOptions
from tests.data.samples import PEOPLE, PEOPLE_CP1252, write_delimited

if TYPE_CHECKING:
    from pathlib import Path


def _sniff(path: Path, **options: object) -> CsvDialect:
    return sniff_dialect(path, ReadOptions(**options))  # type: ignore[arg-type]


# --- encoding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (b"a,b\n1,2\n", "utf-8"),
        ("name\nJosé\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + b"a\n1\n", "utf-8"),
        ("a\n1\n".encode("utf-16"), "utf-16"),
        ("name\nJosé\nZoë\n".encode("latin-1"), "cp1252"),
        ("name\n€uro\n“quoted”\nŒuvre\n".encode("cp1252"), "cp1252"),
    ],
    ids=["ascii", "utf-8", "utf-8-bom", "utf-16-bom", "latin-1", "cp1252"],
)
def test_detect_encoding(tmp_path: Path, raw: bytes, encoding: str) -> None:
    assert detect_encoding(raw, tmp_path / "x.csv") == encoding


def test_a_utf8_sample_cut_inside_a_character_is_still_utf8(tmp_path: Path) -> None:
    raw = "é".encode() * 10
    assert detect_encoding(raw[:-1], tmp_path / "x.csv") == "utf-8"


def test_bytes_that_are_not_cp1252_fall_back_to_detection(tmp_path: Path) -> None:
    text = "東京都の天気は晴れです。明日も良い天気でしょう。\n" * 20
    raw = text.encode("shift_jis")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("cp1252")  # the premise: cp1252 cannot read these bytes
    encoding = detect_encoding(raw, tmp_path / "x.csv")
    assert raw.decode(encoding) == text


def test_a_binary_file_is_an_encoding_error(tmp_path: Path) -> None:
    with pytest.raises(EncodingError, match=r"x\.csv looks like a binary file") as info:
        detect_encoding(b"PK\x03\x04\x00\x00", tmp_path / "x.csv")
    assert "--format" in str(info.value.hint)


def test_a_cp1252_file_decodes_right(tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "p.csv", PEOPLE_CP1252, encoding="cp1252")
    dialect = _sniff(path)
    assert dialect.encoding == "cp1252"
    assert dialect.duckdb_encoding is None  # transcoded to UTF-8 before DuckDB reads it


def test_encodings_duckdb_reads_itself_are_not_transcoded() -> None:
    def dialect(encoding: str) -> CsvDialect:
        return CsvDialect(encoding=encoding, delimiter=",", header_names=None, n_fields=1)

    assert dialect("UTF8").duckdb_encoding == "utf-8"
    assert dialect("latin-1").duckdb_encoding == "latin-1"
    assert dialect("iso-8859-1").duckdb_encoding == "latin-1"
    assert dialect("utf-16").duckdb_encoding == "utf-16"
    assert dialect("cp1252").duckdb_encoding is None


def test_a_given_encoding_that_does_not_fit_names_line_and_byte(tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "p.csv", PEOPLE_CP1252, encoding="cp1252")
    with pytest.raises(EncodingError, match=r"p\.csv line 2 is not valid utf-8 \(byte 0xe9\)"):
        _sniff(path, encoding="utf-8")


def test_a_given_encoding_wins_over_detection(tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "p.csv", PEOPLE_CP1252, encoding="cp1252")
    assert _sniff(path, encoding="latin-1").encoding == "latin-1"


def test_an_unknown_encoding_name_is_refused(tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "p.csv", PEOPLE)
    with pytest.raises(EncodingError, match="unknown encoding 'klingon'"):
        _sniff(path, encoding="klingon")


# --- delimiter and header ------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_detect_delimiter(delimiter: str) -> None:
    lines = [delimiter.join(row) + "\n" for row in (["a", "b", "c"], ["1", "2,5", "x"])]
    assert detect_delimiter(lines) == delimiter


def test_one_column_defaults_to_comma() -> None:
    assert detect_delimiter(["a\n", "1\n", "2\n"]) == ","


def test_a_semicolon_file_with_decimal_commas_is_split_on_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("name;price;qty\napple;1,50;3\npear;2,25;4\n")
    dialect = _sniff(path)
    assert dialect.delimiter == ";"
    assert dialect.header_names == ("name", "price", "qty")


def test_tsv_files_are_split_on_tabs_without_guessing(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text("a,b\tc\n1,2\t3\n")  # commas would win the vote; the suffix says tab
    assert _sniff(path).delimiter == "\t"


def test_a_given_delimiter_wins(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n")
    dialect = _sniff(path, delimiter=";")
    assert (dialect.delimiter, dialect.n_fields) == (";", 1)


@pytest.mark.parametrize(
    ("first_row", "is_header"),
    [
        (["id", "name"], True),
        (["1", "alice"], False),
        (["-2.5", "x"], False),
        (["", "name"], True),
        (["a", "b"], True),
    ],
)
def test_looks_like_header(first_row: list[str], is_header: bool) -> None:
    assert looks_like_header([first_row, ["3", "bob"]]) is is_header


def test_a_numeric_first_row_is_data(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("1,2,3\n4,5,6\n")
    assert _sniff(path).header_names is None


def test_header_can_be_forced_either_way(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x,y\nfoo,bar\n")
    assert _sniff(path).header_names == ("x", "y")
    assert _sniff(path, header=False).header_names is None
    numbers = tmp_path / "b.csv"
    numbers.write_text("1,2\n3,4\n")
    assert _sniff(numbers, header=True).header_names == ("1", "2")


def test_header_names_are_stripped(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(" id , name \n1,a\n")
    assert _sniff(path).header_names == ("id", "name")


def test_a_repeated_header_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,Name,name\n1,a,b\n")
    with pytest.raises(MalformedDataError, match=r"a\.csv has duplicate column names: 'name'"):
        _sniff(path)


def test_repeated_values_in_a_headerless_first_row_are_data(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x,x\ny,z\n")
    assert _sniff(path, header=False).n_fields == 2


# --- shape of the sample -------------------------------------------------------------------


def test_a_ragged_row_names_its_line(tmp_path: Path) -> None:
    rows = [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"], ["7", "8"]]
    with pytest.raises(MalformedDataError, match=r"x\.csv line 4 has 2 fields, expected 3") as info:
        check_ragged(rows, tmp_path / "x.csv")
    assert info.value.fields["line"] == 4
    assert "--delimiter" in str(info.value.hint)


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n\n1,2\n\n3,4\n")
    assert _sniff(path).n_fields == 2


def test_quoted_delimiters_do_not_make_rows_ragged(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('name,city\n"Doe, Jane","Paris, FR"\nBob,Lyon\n')
    assert _sniff(path).n_fields == 2


def test_a_file_of_blank_lines_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("\n\n\n")
    with pytest.raises(MalformedDataError, match=r"a\.csv has no rows"):
        _sniff(path)


def test_a_partial_last_line_of_a_cut_sample_is_not_ragged(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    row = "1,2,3\n"
    path.write_text("a,b,c\n" + row * (SAMPLE_BYTES // len(row) + 100))
    assert _sniff(path).n_fields == 3  # the sample ends mid-row; that row is dropped


def test_gzip_files_are_sampled_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "a.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("a;b\n1;2\n")
    assert read_sample(path) == b"a;b\n1;2\n"
    assert _sniff(path).delimiter == ";"
