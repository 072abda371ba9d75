"""The metadata store contract, run on the embedded SQLite store and on a real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from mlwright.core.errors import ConfigError, DatasetNotFoundError, StoreError
from mlwright.track.entities import NewDataset
from mlwright.track.sql import migrate
from mlwright.track.store import open_store

if TYPE_CHECKING:
    from mlwright.track.store import MetadataStore


def new_dataset(
    name: str = "churn", fingerprint: str = "f" * 64, key: str = "a" * 64
) -> NewDataset:
    return NewDataset(
        name=name,
        fingerprint=fingerprint,
        artifact_key=key,
        n_rows=3,
        n_columns=1,
        size_bytes=10,
        source="test.csv",
        schema={"columns": [{"name": "x", "dtype": "BIGINT", "role": "numeric"}]},
        profile={"n_rows": 3},
        created_by="tester@host",
    )


class TestDatasetVersions:
    def test_versions_count_up_from_one(self, store: MetadataStore) -> None:
        first = store.add_dataset(new_dataset())
        second = store.add_dataset(new_dataset(fingerprint="e" * 64))
        assert (first.version, second.version) == (1, 2)
        assert second.ref == "churn:2"

    def test_names_have_independent_versions(self, store: MetadataStore) -> None:
        store.add_dataset(new_dataset("a"))
        assert store.add_dataset(new_dataset("b")).version == 1

    def test_get_latest_and_specific(self, store: MetadataStore) -> None:
        store.add_dataset(new_dataset())
        store.add_dataset(new_dataset(fingerprint="e" * 64))
        assert store.get_dataset("churn").version == 2
        assert store.get_dataset("churn", 1).fingerprint == "f" * 64

    def test_record_round_trips(self, store: MetadataStore) -> None:
        added = store.add_dataset(new_dataset())
        got = store.get_dataset("churn", 1)
        assert got == added
        assert got.schema["columns"][0]["role"] == "numeric"
        assert got.created_at.tzinfo is not None
        assert got.created_by == "tester@host"

    def test_find_by_fingerprint(self, store: MetadataStore) -> None:
        store.add_dataset(new_dataset())
        assert store.find_dataset("churn", "f" * 64) is not None
        assert store.find_dataset("churn", "0" * 64) is None
        assert store.find_dataset("other", "f" * 64) is None

    def test_list_is_ordered_by_name_then_version(self, store: MetadataStore) -> None:
        for name in ("b", "a", "b"):
            store.add_dataset(new_dataset(name))
        assert [r.ref for r in store.list_datasets()] == ["a:1", "b:1", "b:2"]
        assert [r.ref for r in store.list_datasets("b")] == ["b:1", "b:2"]

    def test_deleted_version_numbers_are_not_reused(self, store: MetadataStore) -> None:
        store.add_dataset(new_dataset())
        store.add_dataset(new_dataset())
        store.delete_dataset("churn", 2)
        assert store.add_dataset(new_dataset()).version == 3

    def test_delete_all_versions(self, store: MetadataStore) -> None:
        store.add_dataset(new_dataset())
        store.add_dataset(new_dataset())
        deleted = store.delete_dataset("churn")
        assert [r.version for r in deleted] == [1, 2]
        assert store.list_datasets() == []

    def test_unknown_dataset_names_the_known_ones(self, store: MetadataStore) -> None:
        store.add_dataset(new_dataset("known"))
        with pytest.raises(DatasetNotFoundError, match="'missing'") as info:
            store.get_dataset("missing")
        assert "known" in str(info.value)
        with pytest.raises(DatasetNotFoundError):
            store.delete_dataset("missing")
        with pytest.raises(DatasetNotFoundError, match="known:7"):
            store.get_dataset("known", 7)

    def test_artifact_references(self, store: MetadataStore) -> None:
        store.add_dataset(new_dataset(key="b" * 64))
        assert store.is_artifact_referenced("b" * 64)
        assert not store.is_artifact_referenced("c" * 64)

    def test_schema_is_at_head(self, store: MetadataStore) -> None:
        assert store.schema_revision() == migrate.head_revision()


@pytest.mark.postgres
def test_values_the_database_refuses_are_a_store_error(postgres_uri: str) -> None:
    store = open_store(postgres_uri)
    try:
        with pytest.raises(StoreError, match="recording dataset 'churn' failed"):
            store.add_dataset(replace(new_dataset(), source="nul \x00 byte"))
        assert store.list_datasets() == []
    finally:
        store.close()


def test_unknown_scheme_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError, match="available schemes: postgresql, sqlite"):
        open_store("mongodb://localhost/x")


def test_unreachable_postgres_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store("postgresql+psycopg://postgres@127.0.0.1:1/none")
