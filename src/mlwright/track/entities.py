"""What the stores hand out: immutable records, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True, slots=True)
class NewDataset:
    """A dataset version about to be recorded; the store assigns its version number."""

    name: str
    fingerprint: str
    artifact_key: str
    n_rows: int
    n_columns: int
    size_bytes: int
    source: str
    schema: dict[str, Any]
    profile: dict[str, Any]
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """One recorded version of a named dataset."""

    name: str
    version: int
    fingerprint: str
    artifact_key: str
    n_rows: int
    n_columns: int
    size_bytes: int
    source: str
    schema: dict[str, Any]
    profile: dict[str, Any]
    created_at: datetime
    created_by: str | None

    @property
    def ref(self) -> str:
        """The reference ``name:version``."""
        return f"{self.name}:{self.version}"
