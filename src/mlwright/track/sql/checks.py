"""The monitoring half of the SQL metadata store: drift checks and retrain decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from mlwright.core.errors import ConfigError
from mlwright.core.jsonable import jsonable
from mlwright.track.entities import CheckKind
from mlwright.track.sql.rows import CheckRow

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session

    from mlwright.track.entities import CheckRecord, NewCheck

# The width of the ``status`` column; SQLite would keep a longer one, PostgreSQL not.
MAX_STATUS_CHARS = 16


class SqlCheckStore:
    """Checks on SQLAlchemy; mixed into ``SqlMetadataStore``, which gives sessions.

    Newest first means by id: ids only grow, so the order is that of recording even when
    two checks share a timestamp.
    """

    _reading: Callable[[], AbstractContextManager[Session]]
    _write: Callable[..., Any]

    def add_check(self, new: NewCheck) -> CheckRecord:
        """Record a check of ``new.model_name``; its summary is kept as plain JSON."""
        _require_kind(new.kind)
        _require_status(new.status)
        row = CheckRow(
            kind=str(new.kind),
            model_name=new.model_name,
            model_version=new.model_version,
            status=new.status,
            summary_json=jsonable(new.summary),
            created_at=datetime.now(UTC),
            created_by=new.created_by,
        )

        def work(session: Session) -> CheckRecord:
            session.add(row)
            session.flush()
            return row.to_entity()

        what = f"recording a {new.kind} check of model {new.model_name!r}"
        record: CheckRecord = self._write(work, what=what)
        return record

    def list_checks(
        self, model_name: str | None = None, *, kind: str | None = None, limit: int | None = None
    ) -> list[CheckRecord]:
        """Checks, newest first; of one model and one kind if given, at most ``limit``."""
        query = select(CheckRow).order_by(CheckRow.id.desc())
        if model_name is not None:
            query = query.where(CheckRow.model_name == model_name)
        if kind is not None:
            _require_kind(kind)
            query = query.where(CheckRow.kind == str(kind))
        if limit is not None:
            if limit < 0:
                msg = f"limit must be 0 or more; got {limit}"
                raise ConfigError(msg, hint="leave it out to list every check", value=limit)
            query = query.limit(limit)
        with self._reading() as session:
            return [row.to_entity() for row in session.scalars(query)]

    def delete_checks(self, model_name: str) -> int:
        """Delete every check of ``model_name``; return how many there were."""

        def work(session: Session) -> int:
            doomed = delete(CheckRow).where(CheckRow.model_name == model_name)
            return len(session.scalars(doomed.returning(CheckRow.id)).all())

        n_deleted: int = self._write(work, what=f"deleting the checks of model {model_name!r}")
        return n_deleted


def _require_kind(kind: str) -> None:
    allowed = [k.value for k in CheckKind]
    if kind not in allowed:
        msg = f"check kind {kind!r} is not one of: {', '.join(allowed)}"
        hint = "record drift checks as 'drift' and retrain decisions as 'retrain'"
        raise ConfigError(msg, hint=hint, value=kind, valid=allowed)


def _require_status(status: str) -> None:
    if not 0 < len(status) <= MAX_STATUS_CHARS:
        msg = f"check status {status!r} must be 1 to {MAX_STATUS_CHARS} characters long"
        raise ConfigError(msg, hint="use a short word such as healthy, drift or kept", value=status)
