"""Shared fixtures: workspaces in temporary folders, and a real PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mlwright.workspace import Workspace

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace with the embedded SQLite store."""
    from mlwright.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    yield ws
    ws.close()


def _postgres_admin_uri() -> str:
    return os.environ.get("MLWRIGHT_TEST_POSTGRES_URI", DEFAULT_POSTGRES)


@pytest.fixture
def postgres_uri() -> Iterator[str]:
    """A URI of a new, empty PostgreSQL database, dropped afterwards.

    Skips with the reason when no server can be reached, unless MLWRIGHT_REQUIRE_POSTGRES=1
    (set by CI), where a missing server is a failure.
    """
    psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    admin = _postgres_admin_uri()
    plain = admin.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(plain, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"no PostgreSQL server at {admin}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("MLWRIGHT_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"mlwright_test_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(plain, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
