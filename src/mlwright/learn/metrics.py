"""Metrics: each one's name, direction, the tasks it fits and how it reads predictions.

Predictions reach a metric in one shape per task: class probabilities (an ``(n, k)`` array)
for classification, values for regression. A metric that needs labels derives them from the
probabilities with the decision threshold (binary) or the most probable class.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlwright.core.errors import ConfigError
from mlwright.learn.task import TaskType

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

_CLASSIFICATION = frozenset({TaskType.BINARY, TaskType.MULTICLASS})
_BINARY = frozenset({TaskType.BINARY})
_REGRESSION = frozenset({TaskType.REGRESSION})

DEFAULT_METRICS = {
    TaskType.BINARY: "roc_auc",
    TaskType.MULTICLASS: "log_loss",
    TaskType.REGRESSION: "rmse",
}


@dataclass(frozen=True, slots=True)
class Metric:
    """A named score, ``score(y, predictions, threshold)``, and which direction is better."""

    name: str
    greater_is_better: bool
    tasks: frozenset[TaskType]
    score: Callable[[np.ndarray, np.ndarray, float], float]

    def loss(self, y: np.ndarray, predictions: np.ndarray, threshold: float = 0.5) -> float:
        """The score turned so that lower is better, for the search to minimise."""
        value = self.score(y, predictions, threshold)
        return -value if self.greater_is_better else value


def _labels(proba: np.ndarray, threshold: float) -> np.ndarray:
    import numpy as np

    if proba.shape[1] == 2:
        return (proba[:, 1] >= threshold).astype(np.int64)
    return np.asarray(np.argmax(proba, axis=1), dtype=np.int64)


def _with_labels(function: Callable[..., float], **kwargs: object) -> Callable[..., float]:
    def score(y: np.ndarray, proba: np.ndarray, threshold: float) -> float:
        return float(function(y, _labels(proba, threshold), **kwargs))

    return score


def _roc_auc(y: np.ndarray, proba: np.ndarray, _threshold: float) -> float:
    from sklearn.metrics import roc_auc_score

    if proba.shape[1] == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    return float(
        roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=range(proba.shape[1]))
    )


def _pr_auc(y: np.ndarray, proba: np.ndarray, _threshold: float) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, proba[:, 1]))


def _log_loss(y: np.ndarray, proba: np.ndarray, _threshold: float) -> float:
    from sklearn.metrics import log_loss

    return float(log_loss(y, proba, labels=list(range(proba.shape[1]))))


def _brier(y: np.ndarray, proba: np.ndarray, _threshold: float) -> float:
    import numpy as np

    onehot = np.eye(proba.shape[1])[y]
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def _rmse(y: np.ndarray, pred: np.ndarray, _threshold: float) -> float:
    import numpy as np

    return float(np.sqrt(np.mean((y - pred) ** 2)))


def _mae(y: np.ndarray, pred: np.ndarray, _threshold: float) -> float:
    import numpy as np

    return float(np.mean(np.abs(y - pred)))


def _r2(y: np.ndarray, pred: np.ndarray, _threshold: float) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y, pred))


def _mape(y: np.ndarray, pred: np.ndarray, _threshold: float) -> float:
    from sklearn.metrics import mean_absolute_percentage_error

    return float(mean_absolute_percentage_error(y, pred))


@functools.cache
def _build() -> dict[str, Metric]:
    from sklearn import metrics as m

    table = [
        Metric("accuracy", True, _CLASSIFICATION, _with_labels(m.accuracy_score)),
        Metric("balanced_accuracy", True, _CLASSIFICATION, _with_labels(m.balanced_accuracy_score)),
        Metric("precision", True, _BINARY, _with_labels(m.precision_score, zero_division=0)),
        Metric("recall", True, _BINARY, _with_labels(m.recall_score, zero_division=0)),
        Metric("f1", True, _BINARY, _with_labels(m.f1_score, zero_division=0)),
        Metric(
            "f1_macro",
            True,
            _CLASSIFICATION,
            _with_labels(m.f1_score, average="macro", zero_division=0),
        ),
        Metric(
            "f1_weighted",
            True,
            _CLASSIFICATION,
            _with_labels(m.f1_score, average="weighted", zero_division=0),
        ),
        Metric("roc_auc", True, _CLASSIFICATION, _roc_auc),
        Metric("pr_auc", True, _BINARY, _pr_auc),
        Metric("log_loss", False, _CLASSIFICATION, _log_loss),
        Metric("brier", False, _CLASSIFICATION, _brier),
        Metric("rmse", False, _REGRESSION, _rmse),
        Metric("mae", False, _REGRESSION, _mae),
        Metric("r2", True, _REGRESSION, _r2),
        Metric("mape", False, _REGRESSION, _mape),
    ]
    return {metric.name: metric for metric in table}


def metric_names() -> list[str]:
    """Every metric's name."""
    return list(_build())


def get_metric(name: str | None, task_type: TaskType) -> Metric:
    """The named metric (the task's default when ``name`` is None), checked against the task."""
    metrics = _build()
    chosen = (name or DEFAULT_METRICS[task_type]).lower().replace("-", "_")
    if chosen not in metrics:
        msg = f"unknown metric {name!r}"
        raise ConfigError(msg, hint=f"use one of: {', '.join(metrics)}")
    metric = metrics[chosen]
    if task_type not in metric.tasks:
        fitting = [n for n, m in metrics.items() if task_type in m.tasks]
        msg = f"metric {chosen!r} does not apply to a {task_type.value} task"
        raise ConfigError(msg, hint=f"use one of: {', '.join(fitting)}")
    return metric


def report_metrics(task_type: TaskType) -> list[Metric]:
    """The metrics a run reports on its test set for this task."""
    return [m for m in _build().values() if task_type in m.tasks]
