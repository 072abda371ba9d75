"""Fixtures of the store tests: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from mlwright.track.store import open_store

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mlwright.track.store import MetadataStore


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URI of a new, empty store: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mlwright.db'}"
    return str(request.getfixturevalue("postgres_uri"))


@pytest.fixture
def store(store_uri: str) -> Iterator[MetadataStore]:
    """The store at ``store_uri``, opened, and closed after the test."""
    opened = open_store(store_uri)
    yield opened
    opened.close()
