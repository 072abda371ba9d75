"""Protocols and aliases shared across layers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping


class ProgressCallback(Protocol):
    """Receives progress of long work; only the CLI turns it into a progress display.

    ``stage`` names the step in a few words; ``fraction`` is the share done (0..1) when known.
    """

    def __call__(self, stage: str, fraction: float | None = None) -> None:
        """Report that work reached ``stage``."""


def ignore_progress(stage: str, fraction: float | None = None) -> None:
    """Drop progress reports; the default callback of the Python API."""


@dataclass(frozen=True, slots=True)
class TrialReport:
    """One candidate tried by a training run, as the run's recorder receives it.

    ``status`` is ``ok``, ``pruned`` (stopped after a fold that showed it could not win),
    ``skipped`` (would not fit the budget or the data) or ``failed`` (``message`` says why).
    Scores are in the run's metric, in its own direction.
    """

    number: int
    family: str
    params: Mapping[str, Any]
    phase: str
    status: str
    fold_scores: tuple[float, ...] = ()
    mean: float | None = None
    std: float | None = None
    fit_time_s: float = 0.0
    predict_ms_per_1k: float | None = None
    message: str = ""


class RunRecorder(Protocol):
    """Receives what a training run does as it happens, so that a crash loses nothing."""

    def trial(self, report: TrialReport) -> None:
        """Record one candidate."""

    def note(self, text: str) -> None:
        """Record a finding about the data or the plan (a dropped column, a degradation)."""

    def task(self, task_type: str, metric: str, greater_is_better: bool) -> None:
        """Record what is being learned, as soon as it is known."""


class TrainingProgress(Protocol):
    """Receives the state of a training run; only the CLI turns it into a progress bar."""

    def __call__(
        self, *, stage: str, elapsed_s: float, budget_s: float, n_trials: int, best: float | None
    ) -> None:
        """Report the stage, the time used, the candidates tried and the best score yet."""


def ignore_training_progress(
    *, stage: str, elapsed_s: float, budget_s: float, n_trials: int, best: float | None
) -> None:
    """Drop training progress; the default of the Python API."""
