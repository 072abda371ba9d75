"""Bring a metadata store's schema to the revision this mlwright needs.

An empty database is built from the ORM rows in one step and stamped at the head revision,
as Alembic's documentation recommends for a new database; this also spares importing Alembic.
A database that holds a store is brought up to date by the Alembic revisions.

Procedure to change the schema: change ``rows.py``, then add a revision under
``migrations/versions/`` named ``NNNN_what.py`` whose ``down_revision`` is the previous head
(write the operations by hand; on SQLite use ``op.batch_alter_table``), set
``HEAD_REVISION``, then add a test that upgrades a store written at the previous revision.
A test checks that the revisions and the ORM rows build the same schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from mlwright.core.errors import SchemaVersionError
from mlwright.track.sql.engine import WRITE_OPTION
from mlwright.track.sql.rows import Base

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest revision under migrations/versions/; a test keeps it equal to Alembic's head.
# Knowing it without Alembic lets an up-to-date store open without importing Alembic.
HEAD_REVISION = "0005"
# Serialises concurrent upgrades of one PostgreSQL database ("mlwr" in ASCII).
PG_MIGRATION_LOCK = 0x6D6C7772


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _scripts(config: Config) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    """The newest schema revision this mlwright knows."""
    head = _scripts(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision a store is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _is_at_head(engine: Engine) -> bool:
    """Whether the store is already at ``HEAD_REVISION`` (False when it cannot tell)."""
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False  # a new database has no alembic_version table yet
    return found == [HEAD_REVISION]


def _version_table() -> Table:
    """Alembic's own table of the current revision, declared as Alembic creates it."""
    return Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})


def _create_if_empty(engine: Engine) -> bool:
    """Build the head schema in a database that holds no store yet; False if it holds one."""
    version = _version_table()
    ours = {version.name, *Base.metadata.tables}
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        _lock(conn)
        if ours & set(inspect(conn).get_table_names()):
            return False
        Base.metadata.create_all(conn)
        version.create(conn)
        conn.execute(version.insert().values(version_num=HEAD_REVISION))
    return True


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Upgrade the store to ``revision`` in one transaction, safe against concurrent openers.

    Raises
    ------
    SchemaVersionError
        The store is at a revision this mlwright does not know (written by a newer one).
    """
    if revision == "head" and (_is_at_head(engine) or _create_if_empty(engine)):
        return HEAD_REVISION
    from alembic import command

    config = _config()
    scripts = _scripts(config)
    target = scripts.get_current_head() if revision == "head" else revision
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        _lock(conn)
        current = current_revision(conn)
        if current is not None and current == target:
            return current
        known = {s.revision for s in scripts.walk_revisions()}
        if current is not None and current not in known:
            msg = f"the store's schema revision {current!r} is newer than this mlwright knows"
            raise SchemaVersionError(msg, hint="upgrade mlwright: pip install -U mlwright")
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    assert target is not None
    return target
