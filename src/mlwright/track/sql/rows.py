"""ORM rows of the metadata store; each converts itself to an entity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mlwright.track.entities import (
    AliasEvent,
    CheckRecord,
    DatasetRecord,
    ModelVersionRecord,
    RunRecord,
    TrialRecord,
)


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


class RunRow(Base):
    """One training run."""

    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_dataset", "dataset_name", "dataset_version"),
        Index("ix_runs_model_key", "model_key"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    dataset_name: Mapped[str] = mapped_column(String(255))
    dataset_version: Mapped[int] = mapped_column(Integer)
    dataset_fingerprint: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    task_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    metric: Mapped[str | None] = mapped_column(String(64), nullable=True)
    config_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    lineage_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    result_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    model_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(255), nullable=True)

    def to_entity(
        self, trials: tuple[TrialRecord, ...] = (), notes: tuple[str, ...] = ()
    ) -> RunRecord:
        """The immutable record of this row, with the trials and notes given."""
        return RunRecord(
            id=self.id,
            status=self.status,
            dataset_name=self.dataset_name,
            dataset_version=self.dataset_version,
            dataset_fingerprint=self.dataset_fingerprint,
            target=self.target,
            task_type=self.task_type,
            metric=self.metric,
            config=self.config_json,
            lineage=self.lineage_json,
            result=self.result_json,
            model_key=self.model_key,
            error=self.error,
            started_at=_utc(self.started_at),
            finished_at=None if self.finished_at is None else _utc(self.finished_at),
            created_by=self.created_by,
            trials=trials,
            notes=notes,
        )


class RunTrialRow(Base):
    """One candidate of a run."""

    __tablename__ = "run_trials"
    __table_args__ = (UniqueConstraint("run_id", "number", name="uq_run_trials_run_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), ForeignKey("runs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    family: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    params_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    fold_scores_json: Mapped[list[float]] = mapped_column(JSON)
    mean: Mapped[float | None] = mapped_column(Float, nullable=True)
    std: Mapped[float | None] = mapped_column(Float, nullable=True)
    fit_time_s: Mapped[float] = mapped_column(Float)
    predict_ms_per_1k: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text)

    def to_entity(self) -> TrialRecord:
        """The immutable record of this row."""
        return TrialRecord(
            number=self.number,
            family=self.family,
            phase=self.phase,
            status=self.status,
            params=self.params_json,
            fold_scores=tuple(self.fold_scores_json),
            mean=self.mean,
            std=self.std,
            fit_time_s=self.fit_time_s,
            predict_ms_per_1k=self.predict_ms_per_1k,
            message=self.message,
        )


class RunNoteRow(Base):
    """A finding a run recorded about the data or its plan."""

    __tablename__ = "run_notes"
    __table_args__ = (Index("ix_run_notes_run_id", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), ForeignKey("runs.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)


def _utc(moment: datetime) -> datetime:
    """SQLite keeps no zone; everything is written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class ModelNameRow(Base):
    """A model name and the last version number it handed out (never reused)."""

    __tablename__ = "model_names"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ModelVersionRow(Base):
    """One registered version of a model."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
        Index("ix_model_versions_run_id", "run_id"),
        Index("ix_model_versions_package_key", "package_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str] = mapped_column(String(32))
    package_key: Mapped[str] = mapped_column(String(64))
    task_type: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(255))
    metrics_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    dataset_name: Mapped[str] = mapped_column(String(255))
    dataset_version: Mapped[int] = mapped_column(Integer)
    dataset_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(255), nullable=True)

    def to_entity(self, aliases: tuple[str, ...] = ()) -> ModelVersionRecord:
        """The immutable record of this row, with the aliases given."""
        return ModelVersionRecord(
            name=self.name,
            version=self.version,
            run_id=self.run_id,
            package_key=self.package_key,
            task_type=self.task_type,
            target=self.target,
            metrics=self.metrics_json,
            dataset_name=self.dataset_name,
            dataset_version=self.dataset_version,
            dataset_fingerprint=self.dataset_fingerprint,
            created_at=_utc(self.created_at),
            created_by=self.created_by,
            aliases=aliases,
        )


class ModelAliasRow(Base):
    """Where an alias of a model points now."""

    __tablename__ = "model_aliases"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class AliasEventRow(Base):
    """One move of an alias, kept as history."""

    __tablename__ = "model_alias_events"
    __table_args__ = (Index("ix_model_alias_events_name", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    alias: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    previous: Mapped[int | None] = mapped_column(Integer, nullable=True)
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    moved_by: Mapped[str | None] = mapped_column(String(255), nullable=True)

    def to_entity(self) -> AliasEvent:
        """The immutable record of this row."""
        return AliasEvent(
            name=self.name,
            alias=self.alias,
            version=self.version,
            previous=self.previous,
            moved_at=_utc(self.moved_at),
            moved_by=self.moved_by,
        )


class CheckRow(Base):
    """One drift check or retrain decision of a model, kept as monitoring history."""

    __tablename__ = "monitor_checks"
    __table_args__ = (Index("ix_monitor_checks_model_name", "model_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    model_name: Mapped[str] = mapped_column(String(255))
    model_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    summary_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(255), nullable=True)

    def to_entity(self) -> CheckRecord:
        """The immutable record of this row."""
        return CheckRecord(
            id=self.id,
            kind=self.kind,
            model_name=self.model_name,
            model_version=self.model_version,
            status=self.status,
            summary=self.summary_json,
            created_at=_utc(self.created_at),
            created_by=self.created_by,
        )
