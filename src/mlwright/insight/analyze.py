"""Failure analysis of a model on labelled data: where it fails, on which rows, and why.

:func:`analyze_model` scores the rows, gives each a loss (a classifier's error at its
threshold; a regressor's absolute error), and reports the slices where the model does
significantly worse (:mod:`mlwright.insight.slices`), the worst-predicted rows, the features
the errors move with, the calibration of a classifier, and next steps in plain words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mlwright.insight.shifts import ShiftResult, shift_scenarios
from mlwright.insight.slices import Slice, find_slices
from mlwright.registry.sensitivity import output_sensitivity

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlwright.registry.loaded import LoadedModel

WORST_ROWS = 10
DRIVERS = 5
# Expected calibration error above which recalibration is suggested.
RECALIBRATE_ABOVE = 0.05
# A simulated shift worsening the metric by more than this share of its value is notable.
NOTABLE_SHIFT = 0.02
# Rows the sensitivity ranking of features shuffles.
SENSITIVITY_ROWS = 1_000


@dataclass(frozen=True, slots=True)
class Driver:
    """A feature the errors move with: the share of the loss's variance it explains."""

    column: str
    strength: float
    how: str

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {"column": self.column, "strength": self.strength, "how": self.how}


@dataclass(frozen=True, slots=True)
class Analysis:
    """What :func:`analyze_model` found."""

    model: str
    n_rows: int
    loss_name: str
    overall_loss: float
    metric: str
    metric_value: float
    slices: list[Slice]
    worst_rows: list[dict[str, Any]]
    drivers: list[Driver]
    calibration_error: float | None
    suggestions: list[str] = field(default_factory=list)
    shifts: list[ShiftResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {
            "model": self.model,
            "n_rows": self.n_rows,
            "loss": self.loss_name,
            "overall_loss": self.overall_loss,
            "metric": self.metric,
            "metric_value": self.metric_value,
            "slices": [s.to_dict() for s in self.slices],
            "worst_rows": self.worst_rows,
            "drivers": [d.to_dict() for d in self.drivers],
            "calibration_error": self.calibration_error,
            "suggestions": self.suggestions,
            "shifts": [r.to_dict() for r in self.shifts],
        }


def analyze_model(model: LoadedModel, frame: pd.DataFrame, *, shifts: bool = False) -> Analysis:
    """Analyse ``model``'s errors on ``frame``, which holds its inputs and its target.

    With ``shifts``, also score it on simulated shifts of the rows
    (:mod:`mlwright.insight.shifts`), along its most relied-on features.
    """
    from mlwright.core.errors import SchemaError
    from mlwright.learn.evaluate import calibration_bins
    from mlwright.learn.metrics import get_metric, predicted_codes, row_loss
    from mlwright.learn.task import TaskType
    from mlwright.registry.labels import encode_truth

    target = model.info.target
    if target not in frame.columns:
        msg = f"the data has no target column {target!r}"
        raise SchemaError(msg, hint="failure analysis needs labelled rows", column=target)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    if frame.empty:
        msg = f"the target column {target!r} holds no values"
        raise SchemaError(msg, hint="failure analysis needs labelled rows", column=target)
    inputs = [c.name for c in model.info.columns]
    features = frame[inputs]
    output = model.output(model.prepare(features, warn_extra=False))
    truth = encode_truth(model, frame[target].tolist())
    threshold = float(getattr(model.model, "threshold", 0.5) or 0.5)
    classifier = model.model.classes is not None
    loss = row_loss(truth, output, threshold)
    predicted = predicted_codes(output, threshold) if classifier else output
    loss_name = "error rate" if classifier else "mean absolute error"
    metric = get_metric(model.info.metrics.get("metric"), TaskType(model.task_type))
    metric_value = float(metric.score(truth, output, threshold))
    slices = find_slices(features, loss, binary_loss=classifier)
    calibration = calibration_bins(truth, output)["error"] if classifier else None
    drivers = _drivers(features, loss)
    worst = _worst_rows(frame, loss, predicted, model, inputs)
    analysis = Analysis(
        model=model.source.ref,
        n_rows=len(frame),
        loss_name=loss_name,
        overall_loss=float(loss.mean()),
        metric=metric.name,
        metric_value=metric_value,
        slices=slices,
        worst_rows=worst,
        drivers=drivers,
        calibration_error=calibration,
    )
    if shifts:
        weights = output_sensitivity(model, features.head(SENSITIVITY_ROWS), inputs, seed=0)
        important = sorted(weights, key=lambda c: -weights[c])
        found = shift_scenarios(model, features, truth, metric, important)
        analysis = replace(analysis, shifts=found)
    return _with_suggestions(analysis)


def _drivers(features: pd.DataFrame, loss: np.ndarray) -> list[Driver]:
    """Features ranked by the share of the loss's variance their bins explain (eta squared)."""
    import numpy as np
    import pandas as pd

    total = float(loss.var())
    if total == 0:
        return []
    found = []
    for column in features.columns:
        values = features[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = values.to_numpy(dtype=float, na_value=np.nan)
            ranks = pd.Series(numbers).rank(pct=True).to_numpy()
            groups = np.where(np.isnan(ranks), -1, np.minimum((ranks * 5).astype(int), 4))
        else:
            groups = pd.factorize(values.astype("string"), use_na_sentinel=True)[0]
        frame = pd.DataFrame({"g": groups, "loss": loss})
        means = frame.groupby("g")["loss"].agg(["mean", "size"])
        between = float((means["size"] * (means["mean"] - loss.mean()) ** 2).sum()) / len(loss)
        worst = means["mean"].idxmax()
        how = _describe_group(values, groups, worst)
        found.append(Driver(str(column), between / total, how))
    found.sort(key=lambda d: -d.strength)
    return found[:DRIVERS]


def _describe_group(values: pd.Series, groups: np.ndarray, group: int) -> str:
    import numpy as np
    import pandas as pd

    if group == -1:
        return "errors are highest where it is missing"
    rows = groups == group
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        inside = values[rows]
        return f"errors are highest for values {inside.min():.4g} to {inside.max():.4g}"
    level = values[rows].astype("string").iloc[0] if np.any(rows) else "?"
    return f"errors are highest for {level!r}"


def _worst_rows(
    frame: pd.DataFrame,
    loss: np.ndarray,
    predicted: np.ndarray,
    model: LoadedModel,
    inputs: list[str],
) -> list[dict[str, Any]]:
    import numpy as np

    order = np.argsort(-loss, kind="stable")[:WORST_ROWS]
    classes = model.model.classes
    rows = []
    for i in order:
        guess = classes[int(predicted[i])] if classes is not None else float(predicted[i])
        record = {c: _plain(frame.at[i, c]) for c in inputs}
        rows.append(
            {
                "row": int(i),
                "actual": _plain(frame.at[i, model.info.target]),
                "predicted": _plain(guess),
                "loss": float(loss[i]),
                "values": record,
            }
        )
    return rows


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, (int, float, bool, str)) or value is None else str(value)


def _with_suggestions(analysis: Analysis) -> Analysis:
    """Next steps in plain words, from what was found."""
    said = []
    for found in analysis.slices[:3]:
        share = found.n_rows / analysis.n_rows
        said.append(
            f"Where {found.rule} ({found.n_rows:,} rows, {share:.0%} of the data) the "
            f"{analysis.loss_name} is {found.loss:.3g} against {analysis.overall_loss:.3g} "
            "overall: collect more labelled rows like these, or add a feature that tells "
            "them apart."
        )
    if analysis.calibration_error is not None and analysis.calibration_error > RECALIBRATE_ABOVE:
        said.append(
            f"Its probabilities are off by {analysis.calibration_error:.1%} on average "
            "(expected calibration error): recalibrate them before using them as chances, "
            "or choose the threshold again."
        )
    if analysis.drivers and analysis.drivers[0].strength > 0.02:
        top = analysis.drivers[0]
        said.append(
            f"Errors depend most on {top.column} ({top.how}): check how it is measured there."
        )
    falls = [
        r for r in analysis.shifts if r.worse and abs(r.change) > NOTABLE_SHIFT * abs(r.baseline)
    ]
    if falls:
        worst = falls[0]
        said.append(
            f"Under {worst.scenario} its {worst.metric} worsens from {worst.baseline:.3g} to "
            f"{worst.value:.3g}: watch that in production (mlwright monitor), and train on "
            "data that covers it."
        )
    if not said:
        said.append("No weak spot stands out: more data or features would help everywhere.")
    return replace(analysis, suggestions=said)
