"""Run a SQL query against a database and stream its result into Parquet parts.

DuckDB files are attached read-only and queried by DuckDB itself. Every other database goes
through SQLAlchemy with a server-side cursor, so that a result larger than memory streams
through in batches.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import (
    EmptyDataError,
    MissingDependencyError,
    SourceNotFoundError,
    SourceQueryError,
)
from mlwright.data.duck import literal
from mlwright.data.source import SqlSource, check_unique_names

if TYPE_CHECKING:
    from collections.abc import Iterator

BATCH_ROWS = 50_000
CONNECT_TIMEOUT_S = 10
_DUCKDB_SUFFIXES = (".duckdb", ".ddb")
_SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def normalise_uri(uri: str) -> str:
    """Turn bare database file paths and driverless PostgreSQL URIs into SQLAlchemy URIs."""
    lowered = uri.lower()
    if "://" not in uri:
        if lowered.endswith(_DUCKDB_SUFFIXES):
            return f"duckdb:///{Path(uri).resolve()}"
        if lowered.endswith(_SQLITE_SUFFIXES):
            return f"sqlite:///{Path(uri).resolve()}"
        return uri
    if lowered.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + uri.split("://", 1)[1]
    return uri


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
    return f"({source.query})"


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
    import pyarrow as pa
    import sqlalchemy as sa

    engine = _engine(source)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(sa.text(source.query))
            names = [str(name) for name in result]
            check_unique_names(names, where="the query result")
            for rows in result.partitions(BATCH_ROWS):
                columns = list(zip(*rows, strict=True))
                yield pa.table({n: pa.array(c) for n, c in zip(names, columns, strict=True)})
    except sa.exc.OperationalError as exc:
        raise _query_error(source, exc, connecting=_is_connect_error(exc)) from exc
    except sa.exc.DBAPIError as exc:
        raise _query_error(source, exc, connecting=False) from exc
    finally:
        engine.dispose()


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


def _is_connect_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("connect", "refused", "timeout", "resolve", "host"))


def _query_error(source: SqlSource, exc: Exception, *, connecting: bool) -> SourceQueryError:
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if connecting:
        msg = f"cannot reach the database {source.display}: {detail}"
        return SourceQueryError(msg, hint="check host, port, credentials and that it is running")
    msg = f"the query failed on {source.display}: {detail}"
    return SourceQueryError(msg, hint="fix the SQL and run it again")
