"""Which inputs a model relies on, and how its output moves with them.

- Permutation importance: how much the metric worsens when one input column is shuffled
  (model-agnostic, on a seeded sample, a few repeats).
- Tree SHAP: LightGBM's own per-row contributions (``pred_contrib``), summed back onto the
  input columns they came from (a date's parts, a text's words), mean absolute per column.
- Partial dependence: the mean output with one column set to each value of a grid, every
  other column kept, on a seeded sample; all grid points scored in one call.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import pandas as pd

    from mlwright.learn.metrics import Metric
    from mlwright.learn.model import TabularModel

MAX_LEVELS = 12


@dataclass(frozen=True, slots=True)
class Importance:
    """How much worse the metric is with ``column`` shuffled: mean, min and max of repeats."""

    column: str
    drop: float
    low: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ShapValue:
    """Mean absolute contribution of one input column to the output."""

    column: str
    mean_abs: float


@dataclass(frozen=True, slots=True)
class TreeShap:
    """Tree SHAP of one LightGBM member of the model (``weight``: its share of the output)."""

    member: str
    weight: float
    values: list[ShapValue]

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {
            "member": self.member,
            "weight": self.weight,
            "values": [asdict(v) for v in self.values],
        }


@dataclass(frozen=True, slots=True)
class Dependence:
    """Mean output per grid value of one column; one series per output (class or value)."""

    column: str
    kind: str
    grid: list[Any]
    series: dict[str, list[float]]

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


def permutation_importance(
    model: TabularModel,
    features: pd.DataFrame,
    truth: np.ndarray,
    metric: Metric,
    *,
    n_rows: int = 5000,
    repeats: int = 3,
    seed: int = 0,
) -> list[Importance]:
    """The metric's loss when each input column is shuffled, largest first."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = _sample(len(features), n_rows, rng)
    frame = features.iloc[rows].reset_index(drop=True)
    y = truth[rows]
    sign = 1.0 if metric.greater_is_better else -1.0
    base = metric.score(y, model.output(frame), model.threshold)
    found = []
    for column in model.feature_columns:
        original = frame[column]
        drops = []
        for _ in range(repeats):
            frame[column] = original.iloc[rng.permutation(len(frame))].to_numpy()
            drops.append(sign * (base - metric.score(y, model.output(frame), model.threshold)))
        frame[column] = original
        found.append(Importance(column, float(np.mean(drops)), min(drops), max(drops)))
    found.sort(key=lambda i: -i.drop)
    return found


def tree_shap(
    model: TabularModel, features: pd.DataFrame, *, n_rows: int = 2000, seed: int = 0
) -> TreeShap | None:
    """LightGBM's SHAP values per input column, or None when no member is LightGBM."""
    import numpy as np

    members = [
        (w, p)
        for w, p in zip(model.weights, model.pipelines, strict=True)
        if type(p.named_steps["model"]).__module__.startswith("lightgbm")
    ]
    if not members:
        return None
    weight, pipeline = max(members, key=lambda m: m[0])
    prepare, estimator = pipeline.named_steps["prepare"], pipeline.named_steps["model"]
    sources = transformed_sources(prepare)
    if sources is None:
        return None
    rows = _sample(len(features), n_rows, np.random.default_rng(seed))
    prepared = prepare.transform(features.iloc[rows][model.feature_columns])
    contributions = np.asarray(estimator.booster_.predict(prepared, pred_contrib=True))
    width = len(sources) + 1  # each output's block ends with the expected value
    blocks = contributions.reshape(len(rows), -1, width)[:, :, :-1]
    per_feature = np.abs(blocks).sum(axis=1)  # summed over classes
    per_column = {c: np.zeros(len(rows)) for c in model.feature_columns}
    for index, column in enumerate(sources):
        per_column[column] += per_feature[:, index]
    values = sorted(
        (ShapValue(c, float(v.mean())) for c, v in per_column.items()), key=lambda v: -v.mean_abs
    )
    return TreeShap(type(estimator).__name__, float(weight), values)


def transformed_sources(prepare: Any) -> list[str] | None:
    """The input column behind each output feature of a fitted ``ColumnTransformer``.

    A block of k columns with k times as many outputs is read as k equal runs in column
    order (dates expand part by part per column); None when a block fits neither pattern.
    """
    sources: list[str] = []
    for name, _, columns in prepare.transformers_:
        if name == "remainder":
            continue
        block = prepare.output_indices_[name]
        width = block.stop - block.start
        if width == 0:
            continue
        columns = list(columns)
        if width % len(columns):
            return None
        per_column = width // len(columns)
        sources += [c for c in columns for _ in range(per_column)]
    return sources


def partial_dependence(
    model: TabularModel,
    features: pd.DataFrame,
    columns: Sequence[str],
    *,
    n_rows: int = 1000,
    grid: int = 20,
    seed: int = 0,
) -> list[Dependence]:
    """The mean output with each of ``columns`` set to each grid value, all else kept."""
    import numpy as np
    import pandas as pd

    rows = _sample(len(features), n_rows, np.random.default_rng(seed))
    sample = features.iloc[rows].reset_index(drop=True)
    found = []
    for column in columns:
        values = features[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            if pd.api.types.is_datetime64_any_dtype(values):
                continue
            levels = values.dropna().astype("string").value_counts().index[:MAX_LEVELS]
            if len(levels) == 0 or values.nunique() > len(values) / 2:  # free text: no grid
                continue
            kind = "categorical"
            points = [values[values.astype("string") == level].iloc[0] for level in levels]
            shown: list[Any] = [str(level) for level in levels]
        else:
            numbers = values.to_numpy(dtype=float, na_value=np.nan)
            numbers = numbers[np.isfinite(numbers)]
            if len(numbers) == 0:
                continue
            kind = "numeric"
            points = list(np.unique(np.quantile(numbers, np.linspace(0.02, 0.98, grid))))
            shown = [float(p) for p in points]
        stacked = pd.concat([sample] * len(points), ignore_index=True)
        stacked[column] = np.repeat(np.asarray(points, dtype=object), len(sample))
        stacked[column] = stacked[column].astype(values.dtype)
        output = model.output(stacked)
        found.append(Dependence(column, kind, shown, _series(model, output, len(points))))
    return found


def _series(model: TabularModel, output: np.ndarray, n_points: int) -> dict[str, list[float]]:
    """Mean output per grid point: P(class) per class shown, or the predicted value."""
    if model.classes is None:
        means = output.reshape(n_points, -1).mean(axis=1)
        return {"prediction": [float(v) for v in means]}
    classes = [str(c) for c in model.classes]
    shown = [1] if len(classes) == 2 else range(len(classes))
    grouped = output.reshape(n_points, -1, len(classes)).mean(axis=1)
    return {f"P({classes[k]})": [float(v) for v in grouped[:, k]] for k in shown}


def _sample(n: int, n_rows: int, rng: np.random.Generator) -> np.ndarray:
    import numpy as np

    if n <= n_rows:
        return np.arange(n)
    return np.sort(rng.choice(n, n_rows, replace=False))
