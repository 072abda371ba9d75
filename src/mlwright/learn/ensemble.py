"""Greedy ensemble selection (Caruana et al., 2004) over out-of-fold predictions.

Starting from the best single candidate, repeatedly add (with replacement) the candidate
whose inclusion lowers the loss of the averaged predictions most. Weights are how often each
was picked. Because it works on out-of-fold predictions only, its gain is itself an honest
cross-validated estimate, which decides whether the ensemble replaces the best single model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from mlwright.learn.metrics import Metric

MAX_STEPS = 25


def pooled_loss(metric: Metric, y: np.ndarray, predictions: np.ndarray) -> float:
    """The metric over all out-of-fold predictions at once, as a loss (lower is better)."""
    return metric.loss(y, predictions)


def select_ensemble(
    oof: list[np.ndarray], y: np.ndarray, metric: Metric, max_steps: int = MAX_STEPS
) -> tuple[list[float], float]:
    """Weights (summing to 1) over the candidates of ``oof``, and the ensemble's loss."""
    import numpy as np

    losses = [pooled_loss(metric, y, p) for p in oof]
    counts = np.zeros(len(oof))
    first = int(np.argmin(losses))
    counts[first] = 1
    total = oof[first].copy()
    best_loss, best_counts = losses[first], counts.copy()
    for step in range(2, max_steps + 1):
        trial_losses = [pooled_loss(metric, y, (total + p) / step) for p in oof]
        pick = int(np.argmin(trial_losses))
        counts[pick] += 1
        total += oof[pick]
        if trial_losses[pick] < best_loss - 1e-12:
            best_loss, best_counts = trial_losses[pick], counts.copy()
    weights = best_counts / best_counts.sum()
    return weights.tolist(), float(best_loss)
