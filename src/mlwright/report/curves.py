"""The curves a report plots, computed from a test set's truth and the model's output.

Classification: ROC and precision-recall (one-vs-rest per class beyond two), calibration
in ten equal-width bins, the confusion matrix, and (binary) precision, recall and cost by
threshold. Regression: predicted against actual and the residuals, as an evenly spaced
sample of the rows. Every curve is thinned to at most ``MAX_POINTS`` points: the page draws
it and the JSON twin keeps it small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from mlwright.learn.cost import CostMatrix

MAX_POINTS = 200
# Classes beyond this many get no ROC/PR curve of their own (the page stays readable).
MAX_CURVE_CLASSES = 8
SCATTER_POINTS = 1500
THRESHOLDS = 99


def classification_curves(
    truth: np.ndarray,
    proba: np.ndarray,
    classes: list[str],
    threshold: float,
    cost: CostMatrix | None = None,
) -> dict[str, Any]:
    """ROC, PR, calibration, confusion and threshold curves of a classifier's test output."""
    from mlwright.learn.evaluate import calibration_bins
    from mlwright.learn.metrics import confusion_counts

    curves: dict[str, Any] = {
        "roc": [],
        "pr": [],
        "calibration": calibration_bins(truth, proba),
        "confusion": {
            "labels": classes,
            "matrix": [[int(n) for n in row] for row in confusion_counts(truth, proba, threshold)],
        },
    }
    shown = [1] if len(classes) == 2 else list(range(min(len(classes), MAX_CURVE_CLASSES)))
    for code in shown:
        positive = truth == code
        if positive.all() or not positive.any():
            continue
        curves["roc"].append({"class": classes[code], **_roc(positive, proba[:, code])})
        curves["pr"].append({"class": classes[code], **_pr(positive, proba[:, code])})
    if len(classes) == 2:
        curves["thresholds"] = threshold_curve(truth, proba[:, 1], cost)
    return curves


def _roc(positive: np.ndarray, score: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(positive, score)
    keep = _thin(len(fpr))
    return {
        "auc": float(roc_auc_score(positive, score)),
        "fpr": _floats(fpr[keep]),
        "tpr": _floats(tpr[keep]),
    }


def _pr(positive: np.ndarray, score: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    precision, recall, _ = precision_recall_curve(positive, score)
    keep = _thin(len(recall))
    return {
        "average_precision": float(average_precision_score(positive, score)),
        "base_rate": float(positive.mean()),
        "recall": _floats(recall[keep]),
        "precision": _floats(precision[keep]),
    }


def threshold_curve(
    truth: np.ndarray, p_positive: np.ndarray, cost: CostMatrix | None
) -> dict[str, Any]:
    """Precision, recall, share flagged and (with a cost matrix) cost per row by threshold."""
    import numpy as np

    thresholds = np.linspace(0.01, 0.99, THRESHOLDS)
    order = np.argsort(-p_positive, kind="stable")
    ranked, positives = p_positive[order], truth[order] == 1
    true_above = np.concatenate([[0], np.cumsum(positives)])
    # Rows at or above each threshold, by binary search on the scores sorted high to low.
    flagged = np.searchsorted(-ranked, -thresholds, side="right")
    tp = true_above[flagged].astype(float)
    n, n_pos = len(truth), float(positives.sum())
    fp, fn = flagged - tp, n_pos - tp
    tn = n - tp - fp - fn
    curve: dict[str, Any] = {
        "threshold": _floats(thresholds),
        "precision": _floats(np.divide(tp, flagged, out=np.ones_like(tp), where=flagged > 0)),
        "recall": _floats(tp / n_pos if n_pos else np.zeros_like(tp)),
        "flagged": _floats(flagged / n),
    }
    if cost is not None:
        total = cost.fp * fp + cost.fn * fn + cost.tp * tp + cost.tn * tn
        curve["cost_per_row"] = _floats(total / n)
    return curve


def regression_curves(truth: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """An evenly spaced sample of (actual, predicted, residual), and the residuals' spread."""
    import numpy as np

    residual = truth - predicted
    keep = np.unique(np.linspace(0, len(truth) - 1, min(SCATTER_POINTS, len(truth))).astype(int))
    quantiles = np.quantile(np.abs(residual), [0.5, 0.9, 0.99])
    return {
        "actual": _floats(truth[keep]),
        "predicted": _floats(predicted[keep]),
        "residual": _floats(residual[keep]),
        "abs_error_quantiles": {
            "p50": float(quantiles[0]),
            "p90": float(quantiles[1]),
            "p99": float(quantiles[2]),
        },
        "bias": float(residual.mean()),
    }


def _thin(n: int) -> np.ndarray:
    """At most ``MAX_POINTS`` evenly spaced positions of ``n``, keeping both ends."""
    import numpy as np

    return np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).round().astype(int))


def _floats(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]
