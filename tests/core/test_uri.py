"""Database URIs: the default driver, and passwords kept out of messages."""

from __future__ import annotations

import pytest

from mlwright.core.uri import redact_uri, with_default_driver


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("data.duckdb", "data.duckdb"),
    ],
)
def test_with_default_driver(uri: str, expected: str) -> None:
    assert with_default_driver(uri) == expected


def test_redact_uri_hides_only_the_password() -> None:
    assert redact_uri("postgresql://me:s3cret@h:5432/db") == "postgresql://me:***@h:5432/db"
    assert redact_uri("postgresql://me@h/db") == "postgresql://me@h/db"
