"""SQLAlchemy engines tuned for many writers: SQLite in WAL mode with immediate write locks.

SQLite lets one writer in at a time. A deferred transaction that reads and then writes can
fail at once with "database is locked" when another process wrote in between, whatever
the busy timeout. Write transactions therefore begin with ``BEGIN IMMEDIATE``, which takes
the write lock up front and waits for it (busy timeout), and are retried on the rare lock
error that remains.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError

from mlwright.core._optional import import_optional
from mlwright.core.errors import ConfigError, StoreError
from mlwright.core.uri import redact_uri, with_default_driver

if TYPE_CHECKING:
    from collections.abc import Callable

WRITE_OPTION = "mlwright_write"
SQLITE_BUSY_TIMEOUT_S = 30.0
PG_CONNECT_TIMEOUT_S = 10
MAX_WRITE_ATTEMPTS = 8
T = TypeVar("T")


def make_engine(uri: str) -> Engine:
    """An engine for ``uri``, with SQLite pragmas or PostgreSQL timeouts set."""
    try:
        url = make_url(with_default_driver(uri))
    except ArgumentError as exc:
        msg = f"{redact_uri(uri)!r} is not a database URI"
        raise ConfigError(msg, hint="use sqlite:///path or postgresql+psycopg://...") from exc
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql+psycopg":
            import_optional("psycopg", extra="postgres")
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    return create_engine(url)


def _sqlite_engine(url: Any) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below decide
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def retry_write(operation: Callable[[], T], *, what: str, uri: str) -> T:
    """Run a write, retrying on lock contention and on lost races for a unique key."""
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        try:
            return operation()
        except (OperationalError, IntegrityError) as exc:
            if attempt == MAX_WRITE_ATTEMPTS or not _is_transient(exc):
                raise store_error(exc, what=what, uri=uri) from exc
            time.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.5))
        except SQLAlchemyError as exc:  # the database refused the values themselves
            raise store_error(exc, what=what, uri=uri) from exc
    raise AssertionError  # pragma: no cover - the loop always returns or raises


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # a concurrent writer took the same unique key first
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "deadlock" in text or "serializ" in text


def store_error(exc: Exception, *, what: str, uri: str) -> StoreError:
    """A one-line StoreError for a database failure."""
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    msg = f"{what} failed on the store {redact_uri(uri)}: {detail}"
    return StoreError(msg, hint="check that the database is reachable and writable")
