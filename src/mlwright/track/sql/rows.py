"""ORM rows of the metadata store; each converts itself to an entity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mlwright.track.entities import DatasetRecord


class Base(DeclarativeBase):
    """Declarative base of every row."""


class DatasetNameRow(Base):
    """A dataset name and the last version number it handed out (never reused)."""

    __tablename__ = "dataset_names"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DatasetRow(Base):
    """One version of a dataset."""

    __tablename__ = "datasets"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_datasets_name_version"),
        Index("ix_datasets_name_fingerprint", "name", "fingerprint"),
        Index("ix_datasets_artifact_key", "artifact_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    artifact_key: Mapped[str] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(BigInteger)
    n_columns: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(Text)
    schema_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    profile_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(255), nullable=True)

    def to_entity(self) -> DatasetRecord:
        """The immutable record of this row."""
        created = self.created_at
        if created.tzinfo is None:  # SQLite keeps no zone; everything is written in UTC
            created = created.replace(tzinfo=UTC)
        return DatasetRecord(
            name=self.name,
            version=self.version,
            fingerprint=self.fingerprint,
            artifact_key=self.artifact_key,
            n_rows=self.n_rows,
            n_columns=self.n_columns,
            size_bytes=self.size_bytes,
            source=self.source,
            schema=self.schema_json,
            profile=self.profile_json,
            created_at=created,
            created_by=self.created_by,
        )
