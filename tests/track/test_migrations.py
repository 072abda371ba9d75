"""A store written by an older mlwright opens in a newer one; a newer store is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from mlwright.core.errors import SchemaVersionError
from mlwright.track.sql import migrate
from mlwright.track.sql.engine import make_engine
from mlwright.track.sql.rows import Base
from mlwright.track.sql.store import SqlMetadataStore
from tests.track.test_sql_store import new_dataset


def test_store_at_first_revision_is_upgraded_with_its_data(store_uri: str) -> None:
    engine = make_engine(store_uri)
    assert migrate.upgrade(engine, "0001") == "0001"
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO dataset_names (name, last_version) VALUES ('old', 1)"))
        conn.execute(
            sa.text(
                "INSERT INTO datasets (name, version, fingerprint, artifact_key, n_rows, "
                "n_columns, size_bytes, source, schema_json, profile_json, created_at) VALUES "
                "('old', 1, :fp, :key, 5, 1, 99, 'old.csv', :schema, '{}', :at)"
            ),
            {
                "fp": "f" * 64,
                "key": "a" * 64,
                "schema": '{"columns": []}',
                "at": datetime(2026, 1, 1, tzinfo=UTC),
            },
        )
    engine.dispose()

    store = SqlMetadataStore(store_uri)
    try:
        assert store.schema_revision() == migrate.head_revision() != "0001"
        old = store.get_dataset("old")
        assert (old.version, old.n_rows, old.created_by) == (1, 5, None)
        newer = replace(new_dataset(), name="old")
        assert store.add_dataset(newer).version == 2
    finally:
        store.close()


def test_reopening_at_head_changes_nothing(store_uri: str) -> None:
    SqlMetadataStore(store_uri).close()
    store = SqlMetadataStore(store_uri)
    assert store.schema_revision() == migrate.head_revision()
    store.close()


def test_store_from_a_newer_mlwright_is_refused(store_uri: str) -> None:
    SqlMetadataStore(store_uri).close()
    engine = make_engine(store_uri)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="newer than this mlwright"):
        SqlMetadataStore(store_uri)


def test_head_constant_matches_the_migration_scripts() -> None:
    assert migrate.head_revision() == migrate.HEAD_REVISION


def _schema_snapshot(engine: sa.engine.Engine) -> dict[str, object]:
    """Every table's columns, keys, unique constraints and indexes, as the database has them."""
    inspector = sa.inspect(engine)
    snapshot: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        columns = [
            (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
            for c in inspector.get_columns(table)
        ]
        uniques = sorted(
            (u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
        )
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
        )
        primary = inspector.get_pk_constraint(table)["constrained_columns"]
        snapshot[table] = {"columns": columns, "pk": primary, "uniques": uniques, "idx": indexes}
    return snapshot


def test_a_new_store_has_the_schema_the_revisions_build(store_uri: str) -> None:
    """A new database is built from the ORM rows in one step; it must equal the upgrades."""
    engine = make_engine(store_uri)
    migrate.upgrade(engine, "0001")
    migrate.upgrade(engine)  # not empty: the Alembic revisions run
    by_revisions = _schema_snapshot(engine)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE alembic_version"))
    assert migrate.upgrade(engine) == migrate.HEAD_REVISION  # empty: built in one step
    assert _schema_snapshot(engine) == by_revisions
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD_REVISION
    engine.dispose()
