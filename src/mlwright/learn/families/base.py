"""What a model family declares about itself, next to its estimator factory.

A family module defines one or more ``Family`` values: the estimator to build for a task,
strong default configurations (tried first, in order), its Optuna search space, its cost
relative to LightGBM on the same data, and the inputs it needs (a ``PreprocessStyle``).
Adding a family means adding one module and listing it in ``registry.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlwright.learn.preprocess import PreprocessStyle
    from mlwright.learn.task import TaskType

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Family:
    """A model family: how to build it, where to start, where to search, what it costs.

    ``make(params, task_type, seed, n_jobs)`` returns an unfitted scikit-learn estimator;
    ``space(trial, task_type)`` draws parameters from an Optuna trial; ``cost`` is the fit
    time relative to LightGBM's defaults on the same data; ``max_rows`` skips the family on
    larger data (k-NN predicts too slowly there).
    """

    name: str
    style: PreprocessStyle
    tasks: frozenset[TaskType]
    make: Callable[[Params, TaskType, int, int], Any]
    defaults: tuple[Params, ...]
    space: Callable[[Any, TaskType], Params]
    cost: float
    max_rows: int | None = None
    description: str = field(default="")
    # Boosting fits one tree per class and round: its cost grows with the classes.
    per_class: bool = False
    # Fit parameters that stop fitting at a deadline (time.monotonic()), if the family can.
    deadline_params: Callable[[float], Params] | None = None

    def supports(self, task_type: TaskType) -> bool:
        """Whether the family can learn this kind of task."""
        return task_type in self.tasks

    def cost_for(self, n_classes: int) -> float:
        """The cost of a fit relative to LightGBM's on a binary or regression task."""
        return self.cost * (n_classes if self.per_class and n_classes > 2 else 1)
