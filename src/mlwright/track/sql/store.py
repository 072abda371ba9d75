"""The metadata store on SQLAlchemy: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from mlwright.core.errors import DatasetNotFoundError, StoreError
from mlwright.core.uri import redact_uri
from mlwright.track.sql import migrate
from mlwright.track.sql.checks import SqlCheckStore
from mlwright.track.sql.counters import next_version
from mlwright.track.sql.engine import WRITE_OPTION, make_engine, retry_write, store_error
from mlwright.track.sql.models import SqlModelStore
from mlwright.track.sql.rows import DatasetNameRow, DatasetRow, ModelVersionRow, RunRow
from mlwright.track.sql.runs import SqlRunStore
from mlwright.track.store import MetadataStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mlwright.track.entities import DatasetRecord, NewDataset

T = TypeVar("T")


class SqlMetadataStore(SqlRunStore, SqlModelStore, SqlCheckStore, MetadataStore):
    """Metadata on any database SQLAlchemy reaches; the schema is upgraded on open.

    Parameters
    ----------
    uri
        ``sqlite:///path/to/mlwright.db`` or ``postgresql+psycopg://user@host/db``.
    """

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self._engine = make_engine(uri)
        self._write_engine = self._engine.execution_options(**{WRITE_OPTION: True})
        try:
            self._revision = migrate.upgrade(self._engine)
        except (OperationalError, IntegrityError) as exc:
            self._engine.dispose()
            msg = f"cannot open the store {redact_uri(uri)}: {_first_line(exc)}"
            raise StoreError(msg, hint="check that the database is reachable") from exc
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"SqlMetadataStore({redact_uri(self.uri)!r})"

    def schema_revision(self) -> str | None:
        """The schema revision the store was upgraded to on open."""
        return self._revision

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Session]:
        try:
            with Session(self._engine) as session:
                yield session
        except SQLAlchemyError as exc:
            raise store_error(exc, what="reading", uri=self.uri) from exc

    def _write(self, work: Callable[[Session], T], *, what: str) -> T:
        def attempt() -> T:
            with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                return work(session)

        return retry_write(attempt, what=what, uri=self.uri)

    def add_dataset(self, new: NewDataset) -> DatasetRecord:
        """Record a new version of ``new.name``, numbered after the last one ever given."""

        def work(session: Session) -> DatasetRecord:
            version = next_version(session, DatasetNameRow, new.name)
            row = DatasetRow(
                name=new.name,
                version=version,
                fingerprint=new.fingerprint,
                artifact_key=new.artifact_key,
                n_rows=new.n_rows,
                n_columns=new.n_columns,
                size_bytes=new.size_bytes,
                source=new.source,
                schema_json=new.schema,
                profile_json=new.profile,
                created_at=datetime.now(UTC),
                created_by=new.created_by,
            )
            session.add(row)
            session.flush()
            return row.to_entity()

        return self._write(work, what=f"recording dataset {new.name!r}")

    def get_dataset(self, name: str, version: int | None = None) -> DatasetRecord:
        """One version of ``name``; the latest when ``version`` is None."""
        query = select(DatasetRow).where(DatasetRow.name == name)
        if version is None:
            query = query.order_by(DatasetRow.version.desc()).limit(1)
        else:
            query = query.where(DatasetRow.version == version)
        with self._reading() as session:
            row = session.scalars(query).first()
            if row is not None:
                return row.to_entity()
        ref = name if version is None else f"{name}:{version}"
        known = sorted({r.name for r in self.list_datasets()})
        hint = f"datasets: {', '.join(known)}" if known else "ingest one with: mlwright ingest"
        msg = f"no dataset {ref!r} in this workspace"
        raise DatasetNotFoundError(msg, hint=hint, name=name, version=version)

    def list_datasets(self, name: str | None = None) -> list[DatasetRecord]:
        """Every version, ordered by name then version."""
        query = select(DatasetRow).order_by(DatasetRow.name, DatasetRow.version)
        if name is not None:
            query = query.where(DatasetRow.name == name)
        with self._reading() as session:
            return [row.to_entity() for row in session.scalars(query)]

    def find_dataset(self, name: str, fingerprint: str) -> DatasetRecord | None:
        """The version of ``name`` holding exactly this content, if any."""
        query = (
            select(DatasetRow)
            .where(DatasetRow.name == name, DatasetRow.fingerprint == fingerprint)
            .order_by(DatasetRow.version.desc())
        )
        with self._reading() as session:
            row = session.scalars(query).first()
            return None if row is None else row.to_entity()

    def delete_dataset(self, name: str, version: int | None = None) -> list[DatasetRecord]:
        """Delete one version or all of them; raises DatasetNotFoundError if none match."""
        doomed = self.list_datasets(name) if version is None else [self.get_dataset(name, version)]
        if not doomed:
            self.get_dataset(name)  # raises the not-found error with the known names

        def work(session: Session) -> None:
            query = delete(DatasetRow).where(DatasetRow.name == name)
            if version is not None:
                query = query.where(DatasetRow.version == version)
            session.execute(query)

        self._write(work, what=f"deleting dataset {name!r}")
        return doomed

    def is_artifact_referenced(self, key: str) -> bool:
        """Whether a dataset version, a run or a model version still points at the artifact."""
        with self._reading() as session:
            return any(
                session.scalar(select(exists().where(column == key)))
                for column in (
                    DatasetRow.artifact_key,
                    RunRow.model_key,
                    ModelVersionRow.package_key,
                )
            )


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
