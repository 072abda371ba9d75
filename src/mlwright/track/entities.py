"""What the stores hand out: immutable records, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
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


@dataclass(frozen=True, slots=True)
class NewRun:
    """A training run about to start; the store assigns its id and start time."""

    dataset_name: str
    dataset_version: int
    dataset_fingerprint: str
    target: str
    config: dict[str, Any]
    lineage: dict[str, Any]
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """One candidate a run tried (see :class:`mlwright.core.types.TrialReport`)."""

    number: int
    family: str
    phase: str
    status: str
    params: dict[str, Any]
    fold_scores: tuple[float, ...]
    mean: float | None
    std: float | None
    fit_time_s: float
    predict_ms_per_1k: float | None
    message: str


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A training run: what it was asked, what it tried, and (once finished) what it found.

    ``status`` is ``running``, ``finished`` or ``failed``; ``result`` holds the leaderboard
    choice, cross-validated and test metrics, and the plan; ``model_key`` is the artifact of
    the trained model.
    """

    id: str
    status: str
    dataset_name: str
    dataset_version: int
    dataset_fingerprint: str
    target: str
    task_type: str | None
    metric: str | None
    config: dict[str, Any]
    lineage: dict[str, Any]
    result: dict[str, Any]
    model_key: str | None
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    created_by: str | None
    trials: tuple[TrialRecord, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def dataset_ref(self) -> str:
        """The reference ``name:version`` of the dataset it trained on."""
        return f"{self.dataset_name}:{self.dataset_version}"

    @property
    def artifact_keys(self) -> tuple[str, ...]:
        """The artifacts the run owns: its model, and its candidates' out-of-fold losses."""
        keys = (self.model_key, self.result.get("oof_losses_key"))
        return tuple(k for k in keys if isinstance(k, str))


@dataclass(frozen=True, slots=True)
class NewModelVersion:
    """A model version about to be registered; the store assigns its number."""

    name: str
    run_id: str
    package_key: str
    task_type: str
    target: str
    metrics: dict[str, Any]
    dataset_name: str
    dataset_version: int
    dataset_fingerprint: str
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class ModelVersionRecord:
    """One registered version of a named model, and the aliases that point at it now."""

    name: str
    version: int
    run_id: str
    package_key: str
    task_type: str
    target: str
    metrics: dict[str, Any]
    dataset_name: str
    dataset_version: int
    dataset_fingerprint: str
    created_at: datetime
    created_by: str | None
    aliases: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        """The reference ``name:version``."""
        return f"{self.name}:{self.version}"

    @property
    def dataset_ref(self) -> str:
        """The reference ``name:version`` of the dataset its run trained on."""
        return f"{self.dataset_name}:{self.dataset_version}"


@dataclass(frozen=True, slots=True)
class AliasEvent:
    """One move of an alias: to ``version`` (None when it was removed) from ``previous``."""

    name: str
    alias: str
    version: int | None
    previous: int | None
    moved_at: datetime
    moved_by: str | None


class CheckKind(StrEnum):
    """What a monitoring check recorded: a drift check or a retrain decision."""

    DRIFT = "drift"
    RETRAIN = "retrain"


@dataclass(frozen=True, slots=True)
class NewCheck:
    """A monitoring check about to be recorded; the store assigns its id and time.

    ``kind`` is a :class:`CheckKind`; ``status`` is its outcome (``healthy``, ``drift``,
    ``degraded``, ``promoted``, ``kept``); ``summary`` holds its details as JSON.
    """

    kind: str
    model_name: str
    model_version: int | None
    status: str
    summary: dict[str, Any]
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One recorded drift check or retrain decision of a model."""

    id: int
    kind: str
    model_name: str
    model_version: int | None
    status: str
    summary: dict[str, Any]
    created_at: datetime
    created_by: str | None
