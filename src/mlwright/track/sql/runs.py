"""The run half of the SQL metadata store: runs, their candidates and notes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, func, select

from mlwright.core.errors import ConfigError, RunNotFoundError
from mlwright.core.jsonable import jsonable
from mlwright.track.sql.rows import RunNoteRow, RunRow, RunTrialRow

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session

    from mlwright.core.types import TrialReport
    from mlwright.track.entities import NewRun, RunRecord

T = TypeVar("T")
MIN_ID_PREFIX = 4
RUNNING, FINISHED, FAILED = "running", "finished", "failed"


class SqlRunStore:
    """Runs on SQLAlchemy; mixed into ``SqlMetadataStore``, which provides the sessions."""

    _reading: Callable[[], AbstractContextManager[Session]]
    _write: Callable[..., Any]

    def create_run(self, new: NewRun) -> RunRecord:
        """Record a run that is starting, with a new random id."""
        row = RunRow(
            id=uuid.uuid4().hex[:12],
            status=RUNNING,
            dataset_name=new.dataset_name,
            dataset_version=new.dataset_version,
            dataset_fingerprint=new.dataset_fingerprint,
            target=new.target,
            config_json=new.config,
            lineage_json=new.lineage,
            result_json={},
            started_at=datetime.now(UTC),
            created_by=new.created_by,
        )

        def work(session: Session) -> RunRecord:
            session.add(row)
            session.flush()
            return row.to_entity()

        result: RunRecord = self._write(work, what="recording a new run")
        return result

    def add_trial(self, run_id: str, report: TrialReport) -> None:
        """Record one candidate."""
        row = RunTrialRow(
            run_id=run_id,
            number=report.number,
            family=report.family,
            phase=report.phase,
            status=report.status,
            params_json=jsonable(dict(report.params)),
            fold_scores_json=jsonable(list(report.fold_scores)),
            mean=jsonable(report.mean),
            std=jsonable(report.std),
            fit_time_s=report.fit_time_s,
            predict_ms_per_1k=report.predict_ms_per_1k,
            message=report.message,
        )
        self._write(lambda session: session.add(row), what=f"recording a trial of run {run_id}")

    def add_note(self, run_id: str, text: str) -> None:
        """Record a finding."""
        row = RunNoteRow(run_id=run_id, text=text)
        self._write(lambda session: session.add(row), what=f"recording a note of run {run_id}")

    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        task_type: str | None = None,
        metric: str | None = None,
        result: dict[str, Any] | None = None,
        model_key: str | None = None,
        error: str | None = None,
    ) -> RunRecord:
        """Close a run with its outcome."""

        def work(session: Session) -> None:
            row = session.get(RunRow, run_id)
            if row is None:
                msg = f"no run {run_id!r} to finish"
                raise RunNotFoundError(msg)
            row.status = status
            row.task_type = task_type or row.task_type
            row.metric = metric or row.metric
            row.result_json = jsonable(result or {})
            row.model_key = model_key
            row.error = error
            row.finished_at = datetime.now(UTC)

        self._write(work, what=f"finishing run {run_id}")
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> RunRecord:
        """A run by id or unique prefix, with its trials and notes."""
        with self._reading() as session:
            row = self._find(session, run_id)
            trials = session.scalars(
                select(RunTrialRow).where(RunTrialRow.run_id == row.id).order_by(RunTrialRow.number)
            )
            notes = session.scalars(
                select(RunNoteRow.text).where(RunNoteRow.run_id == row.id).order_by(RunNoteRow.id)
            )
            return row.to_entity(tuple(t.to_entity() for t in trials), tuple(notes))

    def _find(self, session: Session, run_id: str) -> RunRow:
        run_id = run_id.strip().lower()  # ids are lower-case hex on every database
        row = session.get(RunRow, run_id)
        if row is not None:
            return row
        if len(run_id) < MIN_ID_PREFIX:
            msg = f"run id {run_id!r} is too short"
            raise ConfigError(msg, hint=f"give at least {MIN_ID_PREFIX} characters of the id")
        escaped = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches = session.scalars(
            select(RunRow).where(RunRow.id.like(escaped + "%", escape="\\")).limit(2)
        ).all()
        if len(matches) == 1:
            return matches[0]
        if matches:
            msg = f"run id prefix {run_id!r} matches several runs"
            raise ConfigError(msg, hint="give more characters of the id")
        msg = f"no run {run_id!r} in this workspace"
        raise RunNotFoundError(msg, hint="list runs with: mlwright runs list", run=run_id)

    def list_runs(
        self,
        dataset_name: str | None = None,
        *,
        dataset_version: int | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[RunRecord]:
        """Runs, newest first (one page of them with ``limit`` and ``offset``)."""
        query = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id)
        if dataset_name is not None:
            query = query.where(RunRow.dataset_name == dataset_name)
        if dataset_version is not None:
            query = query.where(RunRow.dataset_version == dataset_version)
        query = query.offset(offset).limit(limit)
        with self._reading() as session:
            return [row.to_entity() for row in session.scalars(query)]

    def count_runs(self, dataset_name: str | None = None) -> int:
        """How many runs there are (of one dataset name if given)."""
        query = select(func.count()).select_from(RunRow)
        if dataset_name is not None:
            query = query.where(RunRow.dataset_name == dataset_name)
        with self._reading() as session:
            return int(session.scalar(query) or 0)

    def delete_run(self, run_id: str) -> RunRecord:
        """Delete a run and everything recorded under it."""
        doomed = self.get_run(run_id)

        def work(session: Session) -> None:
            session.execute(delete(RunTrialRow).where(RunTrialRow.run_id == doomed.id))
            session.execute(delete(RunNoteRow).where(RunNoteRow.run_id == doomed.id))
            session.execute(delete(RunRow).where(RunRow.id == doomed.id))

        self._write(work, what=f"deleting run {doomed.id}")
        return doomed
