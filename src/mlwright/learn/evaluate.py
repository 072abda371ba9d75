"""Cross-validated evaluation of one candidate, and test-set metrics with bootstrap intervals.

A candidate is a whole pipeline (preprocessing + estimator) that is cloned and fitted inside
each fold, so nothing learned from a validation fold reaches the model scored on it. The
out-of-fold predictions are kept for ensembling and threshold selection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlwright.learn.task import TaskType

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np
    import pandas as pd

    from mlwright.data.split import Fold
    from mlwright.learn.metrics import Metric

BOOTSTRAP_RESAMPLES = 200
# Fewer resamples on large test sets, whose intervals are narrow anyway: about this many
# predictions are scored per metric in all.
BOOTSTRAP_MAX_SCORED = 2_000_000
MIN_RESAMPLES = 20
CONFIDENCE = 0.95
CALIBRATION_BINS = 10


class Pruned(Exception):
    """The search stopped a candidate after a fold that showed it cannot win.

    ``score`` holds the folds done until then.
    """

    def __init__(self, score: CandidateScore | None = None) -> None:
        super().__init__("pruned")
        self.score = score


@dataclass(slots=True)
class CandidateScore:
    """What cross-validating one candidate gave: fold scores, timing, out-of-fold predictions."""

    fold_scores: list[float] = field(default_factory=list)
    fit_time_s: float = 0.0
    predict_ms_per_1k: float = 0.0
    oof: np.ndarray | None = None

    @property
    def mean(self) -> float:
        """Mean of the fold scores."""
        return sum(self.fold_scores) / len(self.fold_scores)

    @property
    def std(self) -> float:
        """Sample standard deviation of the fold scores (0 for one fold)."""
        n = len(self.fold_scores)
        if n < 2:
            return 0.0
        mean = self.mean
        return float((sum((s - mean) ** 2 for s in self.fold_scores) / (n - 1)) ** 0.5)


def predict_output(model: Any, X: pd.DataFrame, task_type: TaskType, n_classes: int) -> np.ndarray:
    """Probabilities for every class (columns in class-code order), or regression values.

    A fold may miss a rare class; its column is then zero rather than shifting the others.
    """
    import numpy as np

    if task_type is TaskType.REGRESSION:
        return np.asarray(model.predict(X), dtype=float)
    proba = np.asarray(model.predict_proba(X), dtype=float)
    seen = np.asarray(model.classes_, dtype=np.int64)
    if len(seen) == n_classes:
        return proba
    full = np.zeros((len(proba), n_classes))
    full[:, seen] = proba
    return full


def cross_validate(
    make_pipeline: Callable[[], Any],
    X: pd.DataFrame,
    y: np.ndarray,
    folds: list[Fold],
    task_type: TaskType,
    metric: Metric,
    n_classes: int,
    *,
    after_fold: Callable[[int, float], None] | None = None,
    fit_params: dict[str, Any] | None = None,
) -> CandidateScore:
    """Fit a fresh pipeline per fold and score it on the fold's validation rows.

    ``after_fold(index, score)`` runs after each fold and may raise :class:`Pruned`;
    ``fit_params`` go to the estimator's ``fit`` (a deadline callback, for instance).
    """
    import numpy as np

    shape = (len(y), n_classes) if task_type.is_classification else (len(y),)
    result = CandidateScore(oof=np.full(shape, np.nan))
    predict_s, predicted_rows = 0.0, 0
    for index, (train, valid) in enumerate(folds):
        pipeline = make_pipeline()
        start = time.perf_counter()
        pipeline.fit(
            X.iloc[train], y[train], **{f"model__{k}": v for k, v in (fit_params or {}).items()}
        )
        result.fit_time_s += time.perf_counter() - start
        start = time.perf_counter()
        predictions = predict_output(pipeline, X.iloc[valid], task_type, n_classes)
        predict_s += time.perf_counter() - start
        predicted_rows += len(valid)
        result.oof[valid] = predictions  # type: ignore[index]
        score = metric.score(y[valid], predictions, 0.5)
        result.fold_scores.append(score)
        if after_fold is not None:
            try:
                after_fold(index, score)
            except Pruned as pruned:
                raise Pruned(result) from pruned
    result.predict_ms_per_1k = 1e6 * predict_s / max(predicted_rows, 1)
    return result


@dataclass(frozen=True, slots=True)
class MetricEstimate:
    """A metric on the test set with its bootstrap confidence interval."""

    name: str
    value: float
    low: float
    high: float
    greater_is_better: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "name": self.name,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "greater_is_better": self.greater_is_better,
        }


def bootstrap_metrics(
    metrics: list[Metric],
    y: np.ndarray,
    predictions: np.ndarray,
    *,
    threshold: float,
    seed: int,
    n_resamples: int | None = None,
) -> list[MetricEstimate]:
    """Each metric on the test set, with a percentile bootstrap interval at ``CONFIDENCE``.

    A resample where a metric is undefined (one class only, for ROC AUC) is skipped.
    """
    import numpy as np

    if n_resamples is None:
        fit = BOOTSTRAP_MAX_SCORED // max(len(y), 1)
        n_resamples = min(BOOTSTRAP_RESAMPLES, max(MIN_RESAMPLES, fit))
    rng = np.random.default_rng(seed)
    samples = [rng.integers(0, len(y), len(y)) for _ in range(n_resamples)]
    estimates = []
    alpha = (1 - CONFIDENCE) / 2
    for metric in metrics:
        value = _safe_score(metric, y, predictions, threshold)
        if value is None:
            continue
        values = [_safe_score(metric, y[s], predictions[s], threshold) for s in samples]
        finite = np.array([v for v in values if v is not None and np.isfinite(v)])
        low, high = (
            (float(np.quantile(finite, alpha)), float(np.quantile(finite, 1 - alpha)))
            if len(finite)
            else (value, value)
        )
        estimates.append(MetricEstimate(metric.name, value, low, high, metric.greater_is_better))
    return estimates


def _safe_score(
    metric: Metric, y: np.ndarray, predictions: np.ndarray, threshold: float
) -> float | None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return metric.score(y, predictions, threshold)
        except ValueError:
            return None


def confusion(y: np.ndarray, proba: np.ndarray, threshold: float) -> list[list[int]]:
    """The confusion matrix (rows: true class, columns: predicted) at ``threshold``."""
    from mlwright.learn.metrics import confusion_counts

    return [[int(n) for n in row] for row in confusion_counts(y, proba, threshold)]


def calibration_bins(truth: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    """Mean predicted probability against the observed rate, in equal-width bins.

    Binary: of the positive class. More classes: of the predicted (top) class, against how
    often it was right. ``error`` is the expected calibration error (bins weighted by rows).
    """
    import numpy as np

    if proba.shape[1] == 2:
        confidence, hit = proba[:, 1], truth == 1
    else:
        confidence, hit = proba.max(axis=1), proba.argmax(axis=1) == truth
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    counts = np.bincount(bins, minlength=CALIBRATION_BINS)
    used = counts > 0
    mean_p = np.bincount(bins, weights=confidence, minlength=CALIBRATION_BINS)[used]
    rate = np.bincount(bins, weights=hit.astype(float), minlength=CALIBRATION_BINS)[used]
    n = counts[used]
    gap = np.abs(mean_p / n - rate / n)
    return {
        "predicted": _rounded(mean_p / n),
        "observed": _rounded(rate / n),
        "rows": [int(c) for c in n],
        "error": float((gap * n).sum() / n.sum()),
    }


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]
