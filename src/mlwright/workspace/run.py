"""The ``Run`` handle: a recorded training run and the model it trained."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import NotFoundError

if TYPE_CHECKING:
    from datetime import datetime

    from mlwright.learn.model import TabularModel
    from mlwright.track.entities import ModelVersionRecord, RunRecord, TrialRecord
    from mlwright.workspace.facade import Workspace


@dataclass(frozen=True, slots=True)
class Run:
    """A training run in a workspace: its candidates, its evaluation and its model.

    ``leaderboard`` lists the candidates that completed, best first; ``test_metrics`` the
    held-out test metrics with 95% bootstrap intervals; ``model()`` loads the trained model.
    """

    record: RunRecord
    workspace: Workspace = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        """The run's id."""
        return self.record.id

    @property
    def status(self) -> str:
        """``running``, ``finished`` or ``failed``."""
        return self.record.status

    @property
    def dataset_ref(self) -> str:
        """The dataset version it trained on."""
        return self.record.dataset_ref

    @property
    def started_at(self) -> datetime:
        """When it started (UTC)."""
        return self.record.started_at

    @property
    def leaderboard(self) -> list[TrialRecord]:
        """Completed candidates, best first by the run's metric."""
        record = self._full()
        done = [t for t in record.trials if t.status == "ok" and t.mean is not None]
        higher = bool(record.result.get("greater_is_better", True))
        return sorted(done, key=lambda t: -(t.mean or 0.0) if higher else (t.mean or 0.0))

    @property
    def test_metrics(self) -> dict[str, dict[str, Any]]:
        """Test-set metrics by name: ``value``, ``low``, ``high`` (95% bootstrap interval)."""
        return {m["name"]: m for m in self.record.result.get("test_metrics", [])}

    @property
    def notes(self) -> tuple[str, ...]:
        """What the run found about the data and its plan."""
        return self._full().notes

    def _full(self) -> RunRecord:
        """The record with its trials and notes (a listed run carries neither; read them)."""
        if self.record.trials or self.record.notes:
            return self.record
        return self.workspace.store.get_run(self.record.id)

    def register(self, name: str, *, alias: str | None = None) -> ModelVersionRecord:
        """Register this run's model as the next version of ``name`` (see Workspace.register)."""
        return self.workspace.register(self.id, name, alias=alias)

    def model(self) -> TabularModel:
        """Load the trained model (a scikit-learn-like estimator)."""
        from mlwright.learn.persist import model_from_bytes

        key = self.record.model_key
        if key is None:
            msg = f"run {self.id} has no model (status: {self.status})"
            raise NotFoundError(msg, hint="train again; a failed run keeps no model")
        with self.workspace.artifacts.open(key) as handle:
            return model_from_bytes(handle.read())
