"""Ingestion through ``Workspace.ingest``: every format, versions, and every kind of bad input.

Everything here is real: files written to ``tmp_path``, SQLite and DuckDB files, a
PostgreSQL database from the ``postgres_uri`` fixture, and the workspace's own stores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlwright.core.errors import (
    DataError,
    MalformedDataError,
    SchemaError,
    SourceQueryError,
    UnsupportedFormatError,
)
from mlwright.data.ingest import stage
from mlwright.data.source import resolve_source
from tests.data.samples import (
    BAD_INPUTS,
    GOOD_INPUTS,
    PEOPLE,
    BadInput,
    GoodInput,
    assert_workspace_empty,
    write_delimited,
    write_sqlite,
)

if TYPE_CHECKING:
    from pathlib import Path

    from mlwright.workspace import Workspace


@pytest.mark.parametrize("case", GOOD_INPUTS.values(), ids=GOOD_INPUTS.keys())
def test_every_format_ingests_to_the_same_table(
    workspace: Workspace, tmp_path: Path, case: GoodInput
) -> None:
    call = case.make(tmp_path)
    result = workspace.ingest(call.source, name="people", **call.api_kwargs())
    ds = result.dataset
    assert result.is_new
    assert ds.ref == "people:1"
    assert ds.n_rows == len(PEOPLE["name"])
    assert ds.schema.names == list(case.expected)
    assert ds.to_arrow().to_pydict() == case.expected
    assert ds.source == call.source


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_in_memory_tables_ingest(workspace: Workspace, kind: str) -> None:
    import polars as pl

    frame = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table}[kind](PEOPLE)
    ds = workspace.ingest(frame, name="people").dataset
    assert ds.to_arrow().to_pydict() == PEOPLE
    assert ds.source == f"<{type(frame).__name__}>"


def test_an_arrow_record_batch_reader_ingests(workspace: Workspace) -> None:
    reader = pa.RecordBatchReader.from_batches(
        pa.schema([("x", pa.int64())]), [pa.record_batch([pa.array([1, 2, 3])], names=["x"])]
    )
    assert workspace.ingest(reader, name="stream").dataset.n_rows == 3


def test_identical_tables_from_pandas_and_a_csv_file_share_a_fingerprint(
    workspace: Workspace, tmp_path: Path
) -> None:
    from_csv = workspace.ingest(write_delimited(tmp_path / "p.csv", PEOPLE), name="people")
    from_frame = workspace.ingest(pd.DataFrame(PEOPLE), name="people")
    assert from_frame.is_new is False
    assert from_frame.dataset.ref == from_csv.dataset.ref == "people:1"


def test_a_sql_query_can_end_with_a_semicolon(workspace: Workspace, tmp_path: Path) -> None:
    for case in ("sqlite_query", "duckdb_query"):
        call = GOOD_INPUTS[case].make(tmp_path)
        ds = workspace.ingest(call.source, name=case, sql=f"{call.sql} ;").dataset
        assert ds.n_rows == len(PEOPLE["name"])


def test_a_legacy_encoding_other_than_cp1252_is_read_when_named(
    workspace: Workspace, tmp_path: Path
) -> None:
    table = {"city": ["Москва", "Київ", "Минск"], "n": [1, 2, 3]}
    path = write_delimited(tmp_path / "cities.csv", table, encoding="cp1251")
    ds = workspace.ingest(path, name="cities", encoding="cp1251").dataset
    assert ds.to_arrow().to_pydict() == table


def test_a_sqlite_uri_works_like_a_bare_file(workspace: Workspace, tmp_path: Path) -> None:
    path = write_sqlite(tmp_path / "shop.db", PEOPLE)
    ds = workspace.ingest(f"sqlite:///{path}", name="people", sql="SELECT * FROM people").dataset
    assert ds.to_arrow().to_pydict() == PEOPLE


def test_a_query_larger_than_one_batch_streams_in_parts(
    workspace: Workspace, tmp_path: Path
) -> None:
    import sqlite3

    path = tmp_path / "big.sqlite"
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE t (i INTEGER, label TEXT)")
        # `label` is missing in the whole first batch: the parts must still line up.
        rows = [(i, None if i < 60_000 else f"v{i % 3}") for i in range(120_000)]
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.close()
    ds = workspace.ingest(str(path), name="big", sql="SELECT * FROM t ORDER BY i").dataset
    assert ds.n_rows == 120_000
    assert ds.profile.column("label").n_missing == 60_000
    assert ds.schema["label"].dtype == "VARCHAR"


def test_a_sqlite_column_of_mixed_types_is_refused_by_name(
    workspace: Workspace, tmp_path: Path
) -> None:
    import sqlite3

    path = tmp_path / "loose.sqlite"
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE t (v)")  # SQLite lets one column hold ints and text
        con.executemany("INSERT INTO t VALUES (?)", [(1,), ("x",)])
    con.close()
    with pytest.raises(MalformedDataError, match="column 'v' of the query result") as info:
        workspace.ingest(str(path), name="loose", sql="SELECT v FROM t")
    assert "CAST" in str(info.value.hint)
    assert_workspace_empty(workspace)


@pytest.mark.parametrize("sql", ["SELECT name, name FROM people", "SELECT age, AGE FROM people"])
@pytest.mark.parametrize("database", ["sqlite_query", "duckdb_query"])
def test_a_query_result_with_repeated_column_names_is_refused(
    workspace: Workspace, tmp_path: Path, database: str, sql: str
) -> None:
    call = GOOD_INPUTS[database].make(tmp_path)
    with pytest.raises(MalformedDataError, match="the query result has duplicate column names"):
        workspace.ingest(call.source, name="dupes", sql=sql)
    assert_workspace_empty(workspace)


def test_a_parquet_file_with_repeated_column_names_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    table = pa.table([pa.array([1, 2]), pa.array([3, 4])], names=["a", "a"])
    pq.write_table(table, tmp_path / "dupes.parquet")
    with pytest.raises(MalformedDataError, match=r"dupes\.parquet has duplicate column names"):
        workspace.ingest(tmp_path / "dupes.parquet", name="dupes")
    assert_workspace_empty(workspace)


def test_a_statement_that_returns_no_rows_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    path = write_sqlite(tmp_path / "shop.sqlite", PEOPLE)
    with pytest.raises(SourceQueryError, match="returns no result set"):
        workspace.ingest(str(path), name="x", sql="PRAGMA foreign_keys = ON")
    assert_workspace_empty(workspace)


@pytest.mark.parametrize("database", ["sqlite_query", "duckdb_query"])
def test_a_query_with_no_rows_is_refused(
    workspace: Workspace, tmp_path: Path, database: str
) -> None:
    call = GOOD_INPUTS[database].make(tmp_path)
    with pytest.raises(DataError, match="returned no rows") as info:
        workspace.ingest(call.source, name="x", sql="SELECT * FROM people WHERE age > 200")
    assert info.value.hint == "check its WHERE clause"
    assert_workspace_empty(workspace)


def test_a_path_with_glob_characters_that_exists_is_read_as_a_file(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "exports [2024]"
    folder.mkdir()
    path = write_delimited(folder / "people.csv", PEOPLE)
    assert workspace.ingest(str(path), name="people").dataset.n_rows == len(PEOPLE["name"])


# --- versions ------------------------------------------------------------------------------


def _people(n: int) -> pd.DataFrame:
    return pd.DataFrame({"id": range(n), "score": [i * 0.5 for i in range(n)]})


def test_re_ingesting_identical_data_adds_nothing(workspace: Workspace, tmp_path: Path) -> None:
    first = workspace.ingest(write_delimited(tmp_path / "a.csv", PEOPLE), name="people")
    again = workspace.ingest(write_delimited(tmp_path / "copy.csv", PEOPLE), name="people")
    assert first.is_new is True
    assert again.is_new is False
    assert again.dataset.ref == "people:1"
    assert again.dataset.fingerprint == first.dataset.fingerprint
    assert [ds.ref for ds in workspace.datasets()] == ["people:1"]
    assert len(workspace.artifacts.keys()) == 1


def test_re_ingesting_with_other_roles_applies_them(workspace: Workspace, tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    workspace.ingest(path, name="people")
    result = workspace.ingest(path, name="people", roles={"age": "identifier"})
    assert result.is_new
    assert result.dataset.ref == "people:2"
    assert result.dataset.schema["age"].role.value == "identifier"
    assert len(workspace.artifacts.keys()) == 1, "the same bytes are stored once"


def test_changed_data_adds_a_version(workspace: Workspace) -> None:
    v1 = workspace.ingest(_people(3), name="people").dataset
    v2 = workspace.ingest(_people(4), name="people").dataset
    assert (v1.ref, v2.ref) == ("people:1", "people:2")
    assert v1.fingerprint != v2.fingerprint
    assert workspace.dataset("people").ref == "people:2"
    assert workspace.dataset("people:1").n_rows == 3
    assert [ds.ref for ds in workspace.datasets("people")] == ["people:1", "people:2"]


def test_the_same_data_under_another_name_is_a_new_dataset(workspace: Workspace) -> None:
    workspace.ingest(_people(3), name="a")
    result = workspace.ingest(_people(3), name="b")
    assert result.is_new
    assert result.dataset.ref == "b:1"
    assert len(workspace.artifacts.keys()) == 1  # one file, two names


def test_deleting_one_name_keeps_a_file_another_name_uses(workspace: Workspace) -> None:
    workspace.ingest(_people(3), name="a")
    b = workspace.ingest(_people(3), name="b").dataset
    workspace.delete_dataset("a")
    assert workspace.dataset("b").to_arrow().num_rows == 3
    assert len(workspace.artifacts.keys()) == 1
    assert b.uri == workspace.dataset("b").uri


def test_deleting_a_version_keeps_the_others(workspace: Workspace) -> None:
    for n in (3, 4, 5):
        workspace.ingest(_people(n), name="people")
    deleted = workspace.delete_dataset("people:2")
    assert [ds.ref for ds in deleted] == ["people:2"]
    assert [ds.ref for ds in workspace.datasets()] == ["people:1", "people:3"]
    assert len(workspace.artifacts.keys()) == 2


def test_version_numbers_are_never_reused(workspace: Workspace) -> None:
    workspace.ingest(_people(3), name="people")
    workspace.ingest(_people(4), name="people")
    workspace.delete_dataset("people:2")
    assert workspace.ingest(_people(5), name="people").dataset.ref == "people:3"
    deleted = workspace.delete_dataset("people")
    assert [ds.ref for ds in deleted] == ["people:1", "people:3"]
    assert_workspace_empty(workspace)
    assert workspace.ingest(_people(3), name="people").dataset.ref == "people:4"


def test_data_of_a_deleted_version_is_new_again(workspace: Workspace) -> None:
    workspace.ingest(_people(3), name="people")
    workspace.delete_dataset("people:1")
    result = workspace.ingest(_people(3), name="people")
    assert result.is_new
    assert result.dataset.ref == "people:2"


def test_an_invalid_dataset_name_is_refused_before_reading(
    workspace: Workspace, tmp_path: Path
) -> None:
    from mlwright.core.errors import ConfigError

    with pytest.raises(ConfigError, match="invalid dataset name 'my data'"):
        workspace.ingest(tmp_path / "does-not-matter.csv", name="my data")


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_raises_a_clear_error_and_leaves_nothing(
    workspace: Workspace, tmp_path: Path, case: BadInput
) -> None:
    call = case.make(tmp_path)
    with pytest.raises(case.error, match=case.match) as info:
        workspace.ingest(call.source, name="bad", **call.api_kwargs())
    assert info.value.hint, "every data error says what to do"
    assert "\n" not in info.value.message
    assert_workspace_empty(workspace)


def test_bad_data_errors_are_value_errors(workspace: Workspace, tmp_path: Path) -> None:
    call = BAD_INPUTS["ragged_row_early"].make(tmp_path)
    with pytest.raises(ValueError, match="line 3"):
        workspace.ingest(call.source, name="bad")


def test_a_missing_file_is_a_file_not_found_error(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        workspace.ingest(tmp_path / "nope.csv", name="bad")


def test_a_role_error_found_after_reading_leaves_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    with pytest.raises(SchemaError, match="unknown role 'feature' for column 'age'"):
        workspace.ingest(path, name="people", roles={"age": "feature"})
    with pytest.raises(SchemaError, match="target column 'churn' is not in the data"):
        workspace.ingest(path, name="people", target="churn")
    assert_workspace_empty(workspace)


def test_an_object_that_is_not_a_table_is_refused(workspace: Workspace) -> None:
    with pytest.raises(UnsupportedFormatError, match="cannot ingest an object of type dict"):
        workspace.ingest({"a": [1]}, name="x")


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture
def shop_database(postgres_uri: str) -> str:
    """A PostgreSQL database with a ``customers`` table of 300 rows."""
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_uri)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE customers (id serial PRIMARY KEY, age int, income numeric(10, 2), "
                "city text, signup date, active boolean)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO customers (age, income, city, signup, active) "
                "SELECT 20 + g % 50, 1000 + g * 1.5, (ARRAY['Paris', 'Lyon', 'Nice'])[1 + g % 3], "
                "DATE '2024-01-01' + g, g % 2 = 0 FROM generate_series(1, 300) AS g"
            )
        )
    engine.dispose()
    return postgres_uri


@pytest.mark.postgres
def test_a_postgresql_query_ingests_with_types_and_roles(
    workspace: Workspace, shop_database: str
) -> None:
    plain_uri = shop_database.replace("postgresql+psycopg://", "postgresql://")
    ds = workspace.ingest(plain_uri, name="customers", sql="SELECT * FROM customers").dataset
    assert ds.n_rows == 300
    roles = {c.name: c.role.value for c in ds.schema.columns}
    assert roles == {
        "id": "identifier",
        "age": "numeric",
        "income": "numeric",
        "city": "categorical",
        "signup": "datetime",
        "active": "boolean",
    }
    assert ds.profile.column("city").top_values == (("Lyon", 100), ("Nice", 100), ("Paris", 100))


@pytest.mark.postgres
def test_a_failing_postgresql_query_names_the_problem(
    workspace: Workspace, shop_database: str
) -> None:
    with pytest.raises(SourceQueryError, match='relation "nope" does not exist'):
        workspace.ingest(shop_database, name="x", sql="SELECT * FROM nope")
    # A column called "hostname" must not be mistaken for a connection problem.
    with pytest.raises(SourceQueryError, match=r"the query failed on .*hostname"):
        workspace.ingest(shop_database, name="x", sql="SELECT hostname FROM customers")
    assert_workspace_empty(workspace)


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_unreachable(
    workspace: Workspace, shop_database: str
) -> None:
    missing = shop_database.rsplit("/", 1)[0] + "/no_such_database_here"
    with pytest.raises(SourceQueryError, match=r"cannot reach the database .*no_such_database"):
        workspace.ingest(missing, name="x", sql="SELECT 1")


def test_a_password_in_the_uri_is_hidden_in_errors(workspace: Workspace) -> None:
    with pytest.raises(SourceQueryError) as info:
        workspace.ingest("postgresql://me:s3cret@127.0.0.1:1/x", name="x", sql="SELECT 1")
    assert "s3cret" not in str(info.value)


# --- round trip ----------------------------------------------------------------------------

_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
_TEXT = st.text(alphabet="abcxyz ,'\"-", min_size=1, max_size=8).filter(lambda s: s.strip())
_CELLS = {
    "int": st.integers(min_value=-(10**12), max_value=10**12),
    "float": st.floats(allow_nan=False, allow_infinity=False, width=32),
    "text": _TEXT,
}


@st.composite
def small_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Frames of 2-5 typed columns and 1-20 rows, some cells missing."""
    names = draw(st.lists(_NAMES, min_size=2, max_size=5, unique_by=str.lower))
    n_rows = draw(st.integers(min_value=1, max_value=20))
    columns = {}
    for name in names:
        cell = _CELLS[draw(st.sampled_from(sorted(_CELLS)))]
        columns[name] = draw(st.lists(st.none() | cell, min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(columns)


_FIXTURE_REUSE = [HealthCheck.function_scoped_fixture]  # tmp_path is only written over


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=_FIXTURE_REUSE)
@given(frame=small_frames())
def test_csv_round_trip_keeps_rows_and_column_names(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "frame.csv"
    frame.to_csv(path, index=False)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    staged = stage(resolve_source(str(path)), work / "data.parquet", work_dir=work)
    assert staged.n_rows == len(frame)
    assert [name for name, _ in staged.columns] == list(frame.columns)
