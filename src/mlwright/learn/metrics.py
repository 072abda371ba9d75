"""Metrics: each one's name, direction, the tasks it fits and how it reads predictions.

Predictions reach a metric in one shape per task: class probabilities (an ``(n, k)`` array)
for classification, values for regression. A metric that needs labels derives them from the
probabilities with the decision threshold (binary) or the most probable class.
"""

from __future__ import annotations

import functools
import math
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


def predicted_codes(proba: np.ndarray, threshold: float) -> np.ndarray:
    """Class codes from probabilities: P(positive) >= threshold for two classes, else argmax."""
    import numpy as np

    if proba.shape[1] == 2:
        return (proba[:, 1] >= threshold).astype(np.int64)
    return np.asarray(np.argmax(proba, axis=1), dtype=np.int64)


def row_loss(y: np.ndarray, output: np.ndarray, threshold: float) -> np.ndarray:
    """Each row's loss: a classifier's error (0 or 1) at ``threshold``, else the absolute error.

    ``output`` is probabilities (one column per class) or values; rows without a prediction
    (NaN, e.g. never in a validation fold) get a NaN loss.
    """
    import numpy as np

    if output.ndim == 1:
        return np.asarray(np.abs(output - y), dtype=float)
    unknown = np.isnan(output).any(axis=1)
    loss = np.asarray(predicted_codes(np.nan_to_num(output), threshold) != y, dtype=float)
    loss[unknown] = np.nan
    return loss


def confidence_accuracy(proba: np.ndarray, threshold: float) -> tuple[float, float]:
    """Expected accuracy of a classifier from its probabilities, and its standard error.

    Each row counts as right with the probability the model gives its decision: what a
    monitor can say without labels (confidence-based performance estimation).
    """
    import numpy as np

    if proba.shape[1] == 2:
        positive = proba[:, 1] >= threshold
        right = np.where(positive, proba[:, 1], proba[:, 0])
    else:
        right = proba.max(axis=1)
    n = len(right)
    if n == 0:
        return math.nan, math.nan
    return float(right.mean()), float(math.sqrt(float(np.sum(right * (1 - right)))) / n)


# Metrics are computed with NumPy rather than scikit-learn's functions: the bootstrap scores
# each metric hundreds of times, and scikit-learn's input checks cost milliseconds per call.
# tests/learn/test_metrics.py checks every one against scikit-learn.


def confusion_counts(y: np.ndarray, proba: np.ndarray, threshold: float) -> np.ndarray:
    """Counts of (true class, predicted class) pairs, as a float matrix."""
    import numpy as np

    k = proba.shape[1]
    labels = predicted_codes(proba, threshold)
    return np.bincount(y * k + labels, minlength=k * k).reshape(k, k).astype(float)


def _per_class(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 and support of each class (0 where undefined, as sklearn)."""
    import numpy as np

    tp = np.diag(matrix)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return precision, recall, f1, actual


def _accuracy(y: np.ndarray, proba: np.ndarray, threshold: float) -> float:
    matrix = confusion_counts(y, proba, threshold)
    return float(matrix.trace() / matrix.sum())


def _balanced_accuracy(y: np.ndarray, proba: np.ndarray, threshold: float) -> float:
    _, recall, _, support = _per_class(confusion_counts(y, proba, threshold))
    return float(recall[support > 0].mean())


def _binary(index: int) -> Callable[[np.ndarray, np.ndarray, float], float]:
    def score(y: np.ndarray, proba: np.ndarray, threshold: float) -> float:
        return float(_per_class(confusion_counts(y, proba, threshold))[index][1])

    return score


def _f1_average(weighted: bool) -> Callable[[np.ndarray, np.ndarray, float], float]:
    import numpy as np

    def score(y: np.ndarray, proba: np.ndarray, threshold: float) -> float:
        matrix = confusion_counts(y, proba, threshold)
        _, _, f1, support = _per_class(matrix)
        present = (support > 0) | (matrix.sum(axis=0) > 0)
        if weighted:
            return float(np.sum(f1 * support) / support.sum())
        return float(f1[present].mean())

    return score


def _auc(truth: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of one positive class, from ranks (ties count a half), like Mann-Whitney U."""
    from scipy.stats import rankdata

    n_pos = int(truth.sum())
    n_neg = len(truth) - n_pos
    if n_pos == 0 or n_neg == 0:
        msg = "ROC AUC is undefined with one class only"
        raise ValueError(msg)
    ranks = rankdata(scores)
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _roc_auc(y: np.ndarray, proba: np.ndarray, _threshold: float) -> float:
    import numpy as np

    if proba.shape[1] == 2:
        return _auc(y == 1, proba[:, 1])
    present = [k for k in range(proba.shape[1]) if 0 < np.sum(y == k) < len(y)]
    if len(present) < proba.shape[1]:
        msg = "ROC AUC (one against the rest) needs every class in the data"
        raise ValueError(msg)
    return float(np.mean([_auc(y == k, proba[:, k]) for k in present]))


def _pr_auc(y: np.ndarray, proba: np.ndarray, _threshold: float) -> float:
    """Average precision: precision at each distinct threshold, weighted by recall gained."""
    import numpy as np

    truth = y == 1
    n_pos = int(truth.sum())
    if n_pos == 0:
        msg = "average precision is undefined without positives"
        raise ValueError(msg)
    order = np.argsort(-proba[:, 1], kind="mergesort")
    scores, hits = proba[order, 1], truth[order]
    last = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tp = np.cumsum(hits)[last]
    precision = tp / (last + 1)
    recall_gain = np.diff(np.r_[0, tp]) / n_pos
    return float(np.sum(recall_gain * precision))


def _log_loss(y: np.ndarray, proba: np.ndarray, _threshold: float) -> float:
    import numpy as np

    eps = np.finfo(float).eps
    p = proba / proba.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], eps, 1.0))))


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
    import numpy as np

    total = np.sum((y - y.mean()) ** 2)
    residual = np.sum((y - pred) ** 2)
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return float(1 - residual / total)


def _mape(y: np.ndarray, pred: np.ndarray, _threshold: float) -> float:
    import numpy as np

    return float(np.mean(np.abs(y - pred) / np.maximum(np.abs(y), np.finfo(float).eps)))


@functools.cache
def _build() -> dict[str, Metric]:
    table = [
        Metric("accuracy", True, _CLASSIFICATION, _accuracy),
        Metric("balanced_accuracy", True, _CLASSIFICATION, _balanced_accuracy),
        Metric("precision", True, _BINARY, _binary(0)),
        Metric("recall", True, _BINARY, _binary(1)),
        Metric("f1", True, _BINARY, _binary(2)),
        Metric("f1_macro", True, _CLASSIFICATION, _f1_average(weighted=False)),
        Metric("f1_weighted", True, _CLASSIFICATION, _f1_average(weighted=True)),
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


def check_metric_name(name: str) -> str:
    """The metric's canonical name (``PR-AUC`` is ``pr_auc``); an unknown name is refused."""
    chosen = name.lower().replace("-", "_")
    if chosen not in _build():
        msg = f"unknown metric {name!r}"
        raise ConfigError(msg, hint=f"use one of: {', '.join(_build())}")
    return chosen


def get_metric(name: str | None, task_type: TaskType) -> Metric:
    """The named metric (the task's default when ``name`` is None), checked against the task."""
    metrics = _build()
    chosen = check_metric_name(name or DEFAULT_METRICS[task_type])
    metric = metrics[chosen]
    if task_type not in metric.tasks:
        fitting = [n for n, m in metrics.items() if task_type in m.tasks]
        msg = f"metric {chosen!r} does not apply to a {task_type.value} task"
        raise ConfigError(msg, hint=f"use one of: {', '.join(fitting)}")
    return metric


def report_metrics(task_type: TaskType) -> list[Metric]:
    """The metrics a run reports on its test set for this task."""
    return [m for m in _build().values() if task_type in m.tasks]
