"""URIs in messages: never show a password."""

from __future__ import annotations


def redact_uri(uri: str) -> str:
    """Hide the password in ``scheme://user:password@host/...``."""
    scheme, sep, rest = uri.partition("://")
    if not sep or "@" not in rest:
        return uri
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else uri
