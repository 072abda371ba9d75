"""Run a SQL query against a database and stream its result into Parquet parts.

DuckDB files are attached read-only and queried by DuckDB itself. Every other database goes
through SQLAlchemy with a server-side cursor, so that a result larger than memory streams
through in batches.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import (
    EmptyDataError,
    MalformedDataError,
    MissingDependencyError,
    SourceNotFoundError,
    SourceQueryError,
)
from mlwright.core.uri import with_default_driver
from mlwright.data.duck import literal
from mlwright.data.source import SqlSource, check_unique_names

if TYPE_CHECKING:
    from collections.abc import Iterator

BATCH_ROWS = 50_000
CONNECT_TIMEOUT_S = 10
_DUCKDB_SUFFIXES = (".duckdb", ".ddb")
_SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
_TRAILING_SEMICOLONS = re.compile(r"[\s;]+$")


def normalise_uri(uri: str) -> str:
    """Turn bare database file paths and driverless PostgreSQL URIs into SQLAlchemy URIs."""
    lowered = uri.lower()
    if "://" not in uri:
        if lowered.endswith(_DUCKDB_SUFFIXES):
            return f"duckdb:///{Path(uri).resolve()}"
        if lowered.endswith(_SQLITE_SUFFIXES):
            return f"sqlite:///{Path(uri).resolve()}"
        return uri
    return with_default_driver(uri)


def duckdb_relation(source: SqlSource, con: Any) -> str | None:
    """Attach a DuckDB file and return the query to read, or None if the URI is not DuckDB."""
    uri = normalise_uri(source.uri)
    if not uri.startswith("duckdb:///"):
        return None
    path = Path(uri.removeprefix("duckdb:///"))
    if not path.is_file():
        msg = f"no DuckDB database at {str(path)!r}"
        raise SourceNotFoundError(msg, hint="check the path after --from", path=str(path))
    con.execute(f"ATTACH {literal(str(path))} AS mlwright_source (READ_ONLY)")
    con.execute("USE mlwright_source")
    # Binding the query alone keeps its column names as written; as a subquery DuckDB
    # would rename a repeated name ("a", "a_1") without a word.
    relation = con.sql(source.query)
    if relation is None:
        msg = f"the statement on {source.display} returns no result set"
        raise SourceQueryError(msg, hint="pass a query that returns rows (SELECT ...)")
    check_unique_names([str(name) for name in relation.columns], where="the query result")
    return f"({_TRAILING_SEMICOLONS.sub('', source.query)})"


def stage_query(source: SqlSource, parts_dir: Path) -> list[Path]:
    """Run the query through SQLAlchemy and write its rows as Parquet parts in ``parts_dir``.

    Raises
    ------
    SourceNotFoundError
        A SQLite file that does not exist.
    SourceQueryError
        The database cannot be reached or rejects the query.
    EmptyDataError
        The query returns no rows.
    """
    import pyarrow.parquet as pq

    parts_dir.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    for number, table in enumerate(_query_batches(source)):
        part = parts_dir / f"part-{number:06d}.parquet"
        pq.write_table(table, part)
        parts.append(part)
    if not parts:
        msg = f"the query on {source.display} returned no rows"
        raise EmptyDataError(msg, hint="check its WHERE clause")
    return parts


def _query_batches(source: SqlSource) -> Iterator[Any]:
    import sqlalchemy as sa

    engine = _engine(source)
    try:
        with _connect(engine, source) as conn:
            result = conn.execution_options(stream_results=True).execute(sa.text(source.query))
            if not result.returns_rows:
                msg = f"the statement on {source.display} returns no result set"
                raise SourceQueryError(msg, hint="pass a query that returns rows (SELECT ...)")
            # Not `for name in result`: that iterates (and consumes) the rows.
            names = [str(name) for name in result.keys()]  # noqa: SIM118
            check_unique_names(names, where="the query result")
            for rows in result.partitions(BATCH_ROWS):
                yield _batch_table(names, rows)
    except sa.exc.DBAPIError as exc:
        raise _query_error(source, exc, connecting=False) from exc
    finally:
        engine.dispose()


def _batch_table(names: list[str], rows: list[Any]) -> Any:
    """An Arrow table of one batch of rows; a column Arrow cannot type is an error."""
    import pyarrow as pa

    arrays = {}
    for name, values in zip(names, zip(*rows, strict=True), strict=True):
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            detail = str(exc).strip().splitlines()[0]
            msg = f"column {name!r} of the query result cannot be read: {detail}"
            hint = "CAST it to one type in the query, e.g. CAST(x AS TEXT)"
            raise MalformedDataError(msg, hint=hint, column=name) from exc
    return pa.table(arrays)


def _connect(engine: Any, source: SqlSource) -> Any:
    """Open a connection; a failure here means the database cannot be reached."""
    import sqlalchemy as sa

    try:
        return engine.connect()
    except sa.exc.DBAPIError as exc:
        raise _query_error(source, exc, connecting=True) from exc


def _engine(source: SqlSource) -> Any:
    import sqlalchemy as sa

    uri = normalise_uri(source.uri)
    if uri.startswith("sqlite:///"):
        path = Path(uri.removeprefix("sqlite:///"))
        if not path.is_file():
            msg = f"no SQLite database at {str(path)!r}"
            raise SourceNotFoundError(msg, hint="check the path after --from", path=str(path))
        uri = f"sqlite:///file:{path}?mode=ro&uri=true"
    connect_args: dict[str, Any] = {}
    if uri.startswith("postgresql"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        return sa.create_engine(uri, connect_args=connect_args)
    except ImportError as exc:
        msg = f"the driver for {source.display} is not installed ({exc.name})"
        raise MissingDependencyError(msg, hint="pip install 'mlwright[postgres]'") from exc
    except sa.exc.ArgumentError as exc:
        msg = f"{source.display} is not a database URI"
        hint = "use e.g. postgresql://user@host/db, sqlite:///file.db or a .duckdb file"
        raise SourceQueryError(msg, hint=hint) from exc


def _query_error(source: SqlSource, exc: Exception, *, connecting: bool) -> SourceQueryError:
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if connecting:
        msg = f"cannot reach the database {source.display}: {detail}"
        return SourceQueryError(msg, hint="check host, port, credentials and that it is running")
    msg = f"the query failed on {source.display}: {detail}"
    return SourceQueryError(msg, hint="fix the SQL and run it again")
