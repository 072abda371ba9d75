"""Database URIs: the default PostgreSQL driver, and never a password in a message."""

from __future__ import annotations


def redact_uri(uri: str) -> str:
    """Hide the password in ``scheme://user:password@host/...``."""
    scheme, sep, rest = uri.partition("://")
    if not sep or "@" not in rest:
        return uri
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else uri


def with_default_driver(uri: str) -> str:
    """Name psycopg (3) as the driver of a driverless ``postgresql://`` or ``postgres://`` URI."""
    scheme, sep, rest = uri.partition("://")
    if sep and scheme.lower() in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return uri
