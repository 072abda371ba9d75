"""How well the model does on current data: measured where labels exist, estimated where not.

With labels, the model's own metric (and accuracy or RMSE beside it) on the current rows,
with a bootstrap interval, next to the estimate made at validation (the run's test set).
Without labels, a classifier's accuracy is estimated from its confidence (confidence-based
performance estimation): a calibrated model is right on a row with the probability it gives
its prediction, so the mean of those probabilities estimates the accuracy, and its
uncertainty follows from a sum of Bernoulli variances. It is compared with the accuracy
measured on the run's held-out test rows (or, without one, the same estimate on reference
rows).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


# Resamples of the bootstrap interval, and rows they draw from at most.
BOOTSTRAP = 200
BOOTSTRAP_ROWS = 20_000
Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class PerformanceCheck:
    """A metric on current data against its expected value.

    ``measured`` is True when labels gave it, False when it is estimated from confidence.
    ``degraded``: worse than ``expected`` by more than the tolerance, beyond the interval.
    """

    metric: str
    value: float
    low: float
    high: float
    expected: float | None
    greater_is_better: bool
    measured: bool
    n_rows: int
    degraded: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def is_degraded(
    value: float,
    low: float,
    high: float,
    expected: float | None,
    greater_is_better: bool,
    tolerance: float,
) -> bool:
    """Worse than ``expected`` by more than ``tolerance``, and the interval agrees."""
    if expected is None or not math.isfinite(value):
        return False
    if greater_is_better:
        return value < expected - tolerance and high < expected
    return value > expected + tolerance and low > expected


def measured(
    metric: Any,
    y: np.ndarray,
    output: np.ndarray,
    threshold: float,
    expected: float | None,
    tolerance: float,
    seed: int = 0,
) -> PerformanceCheck:
    """``metric`` (a :class:`mlwright.learn.metrics.Metric`) on labelled rows, with its interval."""
    import numpy as np

    value = float(metric.score(y, output, threshold))
    rng = np.random.default_rng(seed)
    n = len(y)
    take = min(n, BOOTSTRAP_ROWS)
    scores = []
    for _ in range(BOOTSTRAP):
        rows = rng.integers(0, n, take)
        try:
            scores.append(float(metric.score(y[rows], output[rows], threshold)))
        except ValueError:  # a resample with one class only, for AUC
            continue
    spread = np.asarray(scores) - value
    # The bootstrap's spread at ``take`` rows, scaled to the ``n`` rows the value is from.
    scale = math.sqrt(take / n) if n else 1.0
    low = value + float(np.quantile(spread, 0.025)) * scale if scores else value
    high = value + float(np.quantile(spread, 0.975)) * scale if scores else value
    return PerformanceCheck(
        metric=metric.name,
        value=value,
        low=low,
        high=high,
        expected=expected,
        greater_is_better=metric.greater_is_better,
        measured=True,
        n_rows=n,
        degraded=is_degraded(value, low, high, expected, metric.greater_is_better, tolerance),
    )


@dataclass(frozen=True, slots=True)
class WindowCheck:
    """A metric over one time window (``start`` inclusive, ``end`` exclusive, ISO text)."""

    start: str
    end: str
    check: PerformanceCheck

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {"start": self.start, "end": self.end, **self.check.to_dict()}


# A window with fewer labelled rows than this gets no metric of its own.
MIN_WINDOW_ROWS = 30


def by_window(
    metric: Any,
    y: np.ndarray,
    output: np.ndarray,
    times: np.ndarray,
    threshold: float,
    expected: float | None,
    tolerance: float,
    seed: int = 0,
) -> list[WindowCheck]:
    """``metric`` per day (per hour when the rows span less than two days), with intervals.

    ``times`` is datetime64; rows without a time are left out. Under two hours, no windows.
    """
    import numpy as np

    present = ~np.isnat(times)
    if present.sum() < MIN_WINDOW_ROWS:
        return []
    span = times[present].max() - times[present].min()
    if span >= np.timedelta64(2, "D"):
        step = np.timedelta64(1, "D")
    elif span >= np.timedelta64(2, "h"):
        step = np.timedelta64(1, "h")
    else:
        return []
    starts = times.astype(f"datetime64[{np.datetime_data(step)[0]}]")
    found = []
    for start in np.unique(starts[present]):
        rows = present & (starts == start)
        if rows.sum() < MIN_WINDOW_ROWS:
            continue
        try:
            check = measured(metric, y[rows], output[rows], threshold, expected, tolerance, seed)
        except ValueError:  # one class only in the window, for AUC
            continue
        end = start + step
        found.append(WindowCheck(str(start), str(end), check))
    return found


def estimated(
    current: np.ndarray,
    reference: np.ndarray,
    threshold: float,
    tolerance: float,
    *,
    expected: float | None = None,
) -> PerformanceCheck:
    """Accuracy estimated from confidence on current rows, against ``expected``.

    ``expected`` is the same estimate on the held-out test rows (or the accuracy measured
    there); without it, the same estimate on reference rows.
    """
    from mlwright.learn.metrics import confidence_accuracy

    value, error = confidence_accuracy(current, threshold)
    if expected is None:
        expected, _ = confidence_accuracy(reference, threshold)
    low, high = value - Z95 * error, value + Z95 * error
    return PerformanceCheck(
        metric="accuracy (estimated from confidence)",
        value=value,
        low=low,
        high=high,
        expected=expected,
        greater_is_better=True,
        measured=False,
        n_rows=len(current),
        degraded=is_degraded(value, low, high, expected, True, tolerance),
    )
