"""The model registry contract of the store, run on the embedded SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from mlwright.core.errors import ConfigError, ModelNotFoundError
from mlwright.track.entities import NewModelVersion
from mlwright.track.sql import migrate
from mlwright.track.sql.engine import make_engine
from mlwright.track.sql.store import SqlMetadataStore
from tests.track.test_sql_store import new_dataset

if TYPE_CHECKING:
    from mlwright.track.store import MetadataStore


def new_version(name: str = "churn", *, key: str = "p" * 64, run_id: str = "r1") -> NewModelVersion:
    return NewModelVersion(
        name=name,
        run_id=run_id,
        package_key=key,
        task_type="binary",
        target="churned",
        metrics={"metric": "roc_auc", "cv_score": {"mean": 0.9, "std": 0.01}},
        dataset_name="customers",
        dataset_version=3,
        dataset_fingerprint="f" * 64,
        created_by="tester@host",
    )


def register(store: MetadataStore, name: str = "churn", times: int = 1) -> list[int]:
    return [store.add_model_version(new_version(name)).version for _ in range(times)]


# --- versions --------------------------------------------------------------------------------


def test_versions_count_up_from_one_per_name(store: MetadataStore) -> None:
    assert register(store, "churn", 3) == [1, 2, 3]
    assert register(store, "fraud", 2) == [1, 2]
    assert register(store, "churn") == [4]


def test_a_record_round_trips(store: MetadataStore) -> None:
    added = store.add_model_version(new_version(run_id="abc123"))
    got = store.get_model_version("churn", 1)
    assert got == added
    assert (got.ref, got.dataset_ref, got.run_id) == ("churn:1", "customers:3", "abc123")
    assert got.metrics == {"metric": "roc_auc", "cv_score": {"mean": 0.9, "std": 0.01}}
    assert got.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - got.created_at).total_seconds()) < 60
    assert (got.created_by, got.aliases) == ("tester@host", ())


def test_numbers_are_never_reused_after_a_delete(store: MetadataStore) -> None:
    register(store, "churn", 3)
    store.delete_model_version("churn", 3)
    assert register(store) == [4]
    assert [r.version for r in store.delete_model_version("churn")] == [1, 2, 4]
    assert store.list_model_versions("churn") == []
    assert register(store) == [5]  # even with every version gone, the count goes on


def test_get_the_latest_by_number_and_by_alias(store: MetadataStore) -> None:
    register(store, "churn", 3)
    store.set_alias("churn", "production", 2)
    assert store.get_model_version("churn").version == 3
    assert store.get_model_version("churn", 1).version == 1
    by_alias = store.get_model_version("churn", alias="production")
    assert (by_alias.version, by_alias.aliases) == (2, ("production",))
    store.delete_model_version("churn", 3)
    assert store.get_model_version("churn").version == 2  # the latest left


def test_unknown_name_says_which_models_exist(store: MetadataStore) -> None:
    with pytest.raises(ModelNotFoundError, match="no model 'churn'") as empty:
        store.get_model_version("churn")
    assert empty.value.hint is not None
    assert "register one with" in empty.value.hint
    register(store, "fraud")
    register(store, "churn")
    with pytest.raises(ModelNotFoundError) as missing:
        store.get_model_version("nope")
    assert missing.value.hint == "registered models: churn, fraud"
    assert missing.value.fields["name"] == "nope"


def test_unknown_version_and_alias_are_not_found(store: MetadataStore) -> None:
    register(store, "churn", 2)
    with pytest.raises(ModelNotFoundError, match="no model 'churn:7'") as version:
        store.get_model_version("churn", 7)
    assert version.value.hint == "registered models: churn"
    with pytest.raises(ModelNotFoundError, match="no model 'churn@production'") as alias:
        store.get_model_version("churn", alias="production")
    assert alias.value.fields == {"name": "churn", "alias": "production"}
    assert alias.value.hint == "registered models: churn"


def test_list_is_by_name_then_version_with_aliases(store: MetadataStore) -> None:
    for name in ["b", "a", "b", "c", "a"]:
        register(store, name)
    store.set_alias("a", "staging", 2)
    store.set_alias("a", "production", 2)
    store.set_alias("b", "production", 1)
    listed = store.list_model_versions()
    assert [(r.name, r.version) for r in listed] == [
        ("a", 1),
        ("a", 2),
        ("b", 1),
        ("b", 2),
        ("c", 1),
    ]
    assert [r.aliases for r in listed] == [(), ("production", "staging"), ("production",), (), ()]
    assert [r.ref for r in store.list_model_versions("b")] == ["b:1", "b:2"]
    assert store.list_model_versions("unknown") == []


# --- aliases ---------------------------------------------------------------------------------


def test_an_alias_moves_and_every_move_is_kept(store: MetadataStore) -> None:
    register(store, "churn", 3)
    register(store, "other")
    first = store.set_alias("churn", "production", 1, moved_by="alice@host")
    assert (first.name, first.alias, first.version, first.previous) == (
        "churn",
        "production",
        1,
        None,
    )
    store.set_alias("churn", "production", 3, moved_by="bob@host")
    store.set_alias("churn", "staging", 2)
    store.set_alias("churn", "production", 2)
    store.set_alias("other", "production", 1)
    assert store.get_model_version("churn", alias="production").version == 2
    assert store.get_model_version("churn", 2).aliases == ("production", "staging")
    assert store.get_model_version("churn", 3).aliases == ()
    history = store.alias_history("churn")
    assert [(e.alias, e.version, e.previous) for e in history] == [
        ("production", 1, None),
        ("production", 3, 1),
        ("staging", 2, None),
        ("production", 2, 3),
    ]
    assert [e.moved_by for e in history] == ["alice@host", "bob@host", None, None]
    assert all(e.moved_at.tzinfo is not None for e in history)
    assert [e.moved_at for e in history] == sorted(e.moved_at for e in history)
    assert [(e.name, e.version) for e in store.alias_history("other")] == [("other", 1)]
    assert store.alias_history("unknown") == []


def test_removing_an_alias_keeps_the_removal(store: MetadataStore) -> None:
    register(store, "churn", 2)
    store.set_alias("churn", "production", 2)
    removed = store.set_alias("churn", "production", None, moved_by="carol@host")
    assert (removed.version, removed.previous, removed.moved_by) == (None, 2, "carol@host")
    assert store.get_model_version("churn", 2).aliases == ()
    with pytest.raises(ModelNotFoundError, match="churn@production"):
        store.get_model_version("churn", alias="production")
    assert [(e.version, e.previous) for e in store.alias_history("churn")] == [(2, None), (None, 2)]
    again = store.set_alias("churn", "production", 1)  # a removed alias can be set anew
    assert (again.version, again.previous) == (1, None)


def test_removing_an_alias_that_is_not_there_is_refused(store: MetadataStore) -> None:
    register(store, "churn")
    with pytest.raises(ModelNotFoundError, match="has no alias 'production'") as info:
        store.set_alias("churn", "production", None)
    assert info.value.hint is not None
    assert store.alias_history("churn") == []


def test_an_alias_on_a_missing_version_is_refused(store: MetadataStore) -> None:
    register(store, "churn", 2)
    with pytest.raises(ModelNotFoundError, match="no model 'churn:5'"):
        store.set_alias("churn", "production", 5)
    with pytest.raises(ModelNotFoundError, match="no model 'ghost:1'"):
        store.set_alias("ghost", "production", 1)
    assert store.alias_history("churn") == []
    assert store.get_model_version("churn", 1).aliases == ()


# --- deleting --------------------------------------------------------------------------------


def test_delete_refuses_a_version_an_alias_points_at(store: MetadataStore) -> None:
    register(store, "churn", 3)
    store.set_alias("churn", "production", 2)
    with pytest.raises(ConfigError, match=r"churn@production -> 2") as info:
        store.delete_model_version("churn", 2)
    assert info.value.hint is not None
    assert "move or remove the alias first" in info.value.hint
    with pytest.raises(ConfigError, match="alias points to"):
        store.delete_model_version("churn")  # all of them: refused as a whole
    assert [r.version for r in store.list_model_versions("churn")] == [1, 2, 3]
    assert [r.version for r in store.delete_model_version("churn", 3)] == [3]
    store.set_alias("churn", "production", None)
    assert [r.version for r in store.delete_model_version("churn")] == [1, 2]
    assert len(store.alias_history("churn")) == 2  # history outlives the versions


def test_deleting_what_is_not_there_is_not_found(store: MetadataStore) -> None:
    register(store, "churn")
    with pytest.raises(ModelNotFoundError, match="churn:9"):
        store.delete_model_version("churn", 9)
    with pytest.raises(ModelNotFoundError, match="'ghost'"):
        store.delete_model_version("ghost")
    assert [r.version for r in store.list_model_versions()] == [1]


def test_deleted_records_are_returned_whole(store: MetadataStore) -> None:
    added = store.add_model_version(new_version())
    assert store.delete_model_version("churn", 1) == [added]


def test_package_keys_are_artifact_references(store: MetadataStore) -> None:
    store.add_model_version(new_version(key="k" * 64))
    store.add_model_version(new_version(key="k" * 64))  # same bytes, registered twice
    store.add_model_version(new_version("other", key="j" * 64))
    assert store.is_artifact_referenced("k" * 64)
    assert store.is_artifact_referenced("j" * 64)
    assert not store.is_artifact_referenced("x" * 64)
    store.delete_model_version("churn", 1)
    assert store.is_artifact_referenced("k" * 64)  # version 2 still holds it
    store.delete_model_version("churn", 2)
    assert not store.is_artifact_referenced("k" * 64)
    store.delete_model_version("other")
    assert not store.is_artifact_referenced("j" * 64)


# --- migration -------------------------------------------------------------------------------


def test_a_store_at_revision_0003_upgrades_and_registers(store_uri: str) -> None:
    engine = make_engine(store_uri)
    assert migrate.upgrade(engine, "0003") == "0003"
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert "datasets" in tables
    assert "model_versions" not in tables
    with engine.begin() as conn:  # data written by the mlwright of revision 0003
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
        assert store.schema_revision() == migrate.HEAD_REVISION
        assert store.get_dataset("old").n_rows == 5  # the data of 0003 is still there
        assert store.list_model_versions() == []
        assert register(store, "churn", 2) == [1, 2]
        store.set_alias("churn", "production", 2)
        assert store.get_model_version("churn", alias="production").version == 2
        assert store.add_dataset(replace(new_dataset(), name="old")).version == 2
    finally:
        store.close()
    reopened = SqlMetadataStore(store_uri)
    try:
        assert [r.ref for r in reopened.list_model_versions()] == ["churn:1", "churn:2"]
    finally:
        reopened.close()
