"""Which inputs a model relies on, and how its output moves with them.

- Permutation importance: how much the metric worsens when one input column is shuffled
  (model-agnostic, on a seeded sample, a few repeats).
- Tree SHAP: LightGBM's own per-row contributions (``pred_contrib``), summed back onto the
  input columns they came from (a date's parts, a text's words), mean absolute per column.
- Partial dependence: the mean output with one column set to each value of a grid, every
  other column kept, on a seeded sample; all grid points scored in one call.

Everything works on the input table the model takes (its ``feature_columns``), so what is
reported names the user's columns, never the encoded features behind them.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from mlwright.core.sampling import sample_positions

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import pandas as pd

    from mlwright.learn.metrics import Metric
    from mlwright.learn.model import TabularModel

# Levels of a categorical column shown in its partial dependence, most frequent first.
MAX_LEVELS = 12
# The spread of a numeric column's grid: its 2% to 98% quantiles, leaving out the extremes.
GRID_QUANTILES = (0.02, 0.98)
# A string column with more distinct values than this share of its rows is free text.
TEXT_DISTINCT_SHARE = 0.5
# What the preprocessing's blocks (learn/preprocess.py) mean for partial dependence.
_BLOCK_KINDS = {
    "numeric": "numeric",
    "onehot": "categorical",
    "target": "categorical",
    "ordinal": "categorical",
    "datetime": "datetime",
}
_MISSING_INDICATOR = "missingindicator_"


@dataclass(frozen=True, slots=True)
class Importance:
    """How much worse the metric is with ``column`` shuffled: mean, min and max of repeats.

    ``drop`` is in the metric's units and positive when shuffling hurts (the model relies on
    the column); near zero for a column it ignores, and slightly negative by chance.
    """

    column: str
    drop: float
    low: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ShapValue:
    """Mean absolute contribution of one input column to the output (raw score units)."""

    column: str
    mean_abs: float

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


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
            "values": [v.to_dict() for v in self.values],
        }


@dataclass(frozen=True, slots=True)
class Dependence:
    """Mean output per grid value of one column; one series per output (class or value).

    ``kind`` is "numeric" (``grid`` holds floats) or "categorical" (``grid`` holds the
    levels as strings); every series has one value per grid point.
    """

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
    """The metric's loss when each input column is shuffled, largest first.

    Model-agnostic: it needs nothing but ``model.output``, so it covers ensembles and every
    family alike. ``truth`` is class codes (classification) or values, aligned with
    ``features``. The repeats of one column are scored in one call, on copies of a seeded
    sample of at most ``n_rows`` rows in which only that column is shuffled.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = sample_positions(len(features), n_rows, rng)
    frame = features.iloc[rows][model.feature_columns].reset_index(drop=True)
    y = np.asarray(truth)[rows]
    n = len(frame)
    sign = 1.0 if metric.greater_is_better else -1.0
    base = float(metric.score(y, model.output(frame), model.threshold))
    # Every repeat's copy of the sample, one after another; one column at a time is shuffled.
    stacked = frame.iloc[np.tile(np.arange(n), repeats)].reset_index(drop=True)
    found = []
    for column in model.feature_columns:
        original = stacked[column]
        order = np.concatenate([k * n + rng.permutation(n) for k in range(repeats)])
        stacked[column] = original.take(order).reset_index(drop=True)
        output = model.output(stacked)
        stacked[column] = original
        drops = [
            sign * (base - float(metric.score(y, output[k * n : (k + 1) * n], model.threshold)))
            for k in range(repeats)
        ]
        found.append(Importance(column, float(np.mean(drops)), min(drops), max(drops)))
    found.sort(key=lambda i: -i.drop)
    return found


def tree_shap(
    model: TabularModel, features: pd.DataFrame, *, n_rows: int = 2000, seed: int = 0
) -> TreeShap | None:
    """LightGBM's SHAP values per input column, or None when no member is LightGBM.

    Exact and cheap for trees, unlike model-agnostic SHAP. With an ensemble it explains the
    LightGBM member with the largest weight (``TreeShap.weight`` says how much of the output
    that is). Contributions are in the model's raw score (log-odds for classifiers); for
    several classes their absolute values are summed over the classes. None as well in the
    unlikely case that the preprocessing's outputs cannot be traced to input columns.
    """
    import numpy as np
    import scipy.sparse

    members = [
        (float(w), p)
        for w, p in zip(model.weights, model.pipelines, strict=True)
        if _is_lightgbm(_step(p, "model"))
    ]
    if not members:
        return None
    weight, pipeline = max(members, key=lambda m: m[0])
    prepare, estimator = _step(pipeline, "prepare"), _step(pipeline, "model")
    sources = None if prepare is None else transformed_sources(prepare)
    if sources is None:
        return None
    rows = sample_positions(len(features), n_rows, np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Found unknown categories")
        prepared = prepare.transform(features.iloc[rows][model.feature_columns])
    if scipy.sparse.issparse(prepared):
        prepared = prepared.toarray()
    if prepared.shape[1] != len(sources):
        return None
    # The wrapper's predict, not the booster's: it stops at the iteration the fit kept.
    contributions = np.asarray(estimator.predict(prepared, pred_contrib=True), dtype=float)
    width = len(sources) + 1  # each output's block ends with the expected value
    blocks = contributions.reshape(len(rows), -1, width)[:, :, :-1]
    per_feature = np.abs(blocks).sum(axis=1)  # summed over classes
    per_column = dict.fromkeys(model.feature_columns, 0.0)
    for index, column in enumerate(sources):
        per_column[column] = per_column.get(column, 0.0) + float(per_feature[:, index].mean())
    values = [ShapValue(c, v) for c, v in per_column.items()]
    values.sort(key=lambda v: -v.mean_abs)
    return TreeShap(type(estimator).__name__, weight, values)


def transformed_sources(prepare: Any) -> list[str] | None:
    """The input column behind each output feature of a fitted ``ColumnTransformer``.

    A block of one column is all that column's. A block of several is traced through its
    transformer's ``get_feature_names_out``: first called with placeholder names that
    cannot be confused with one another (so a one-hot level "b_x" of column "a" is never
    taken for column "a_b"), then, for a transformer that names its outputs after the
    columns it was fitted on (calendar parts), with the real names, each output going to
    the longest column name it starts with. Failing that, a block of k columns with k times
    as many outputs is read as k equal runs in column order. None when a block fits none.
    """
    names_in = [str(c) for c in getattr(prepare, "feature_names_in_", [])]
    width = max((s.stop for s in prepare.output_indices_.values()), default=0)
    sources: list[str | None] = [None] * width
    for name, transformer, spec in prepare.transformers_:
        block = prepare.output_indices_[name]
        if block.stop == block.start or transformer == "drop":
            continue
        columns = _column_names(spec, names_in)
        mapped = (
            None if not columns else _block_sources(transformer, columns, block.stop - block.start)
        )
        if mapped is None:
            return None
        sources[block] = mapped
    if any(s is None for s in sources):
        return None
    return [s for s in sources if s is not None]


def _column_names(spec: Any, names_in: list[str]) -> list[str] | None:
    """A ``ColumnTransformer`` column selection as a list of names (None: not understood)."""
    import numpy as np

    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, slice):
        return names_in[spec] if spec.start is None or isinstance(spec.start, int) else None
    if isinstance(spec, int | np.integer):
        return [names_in[int(spec)]] if 0 <= spec < len(names_in) else None
    items = list(spec)
    if items and all(isinstance(i, bool | np.bool_) for i in items):
        return [n for n, keep in zip(names_in, items, strict=False) if keep]
    if all(isinstance(i, int | np.integer) for i in items):
        return (
            [names_in[int(i)] for i in items]
            if all(0 <= i < len(names_in) for i in items)
            else None
        )
    return [str(i) for i in items]


def _block_sources(transformer: Any, columns: list[str], width: int) -> list[str] | None:
    """The input column of each of a block's ``width`` outputs (see ``transformed_sources``)."""
    if len(columns) == 1:
        return columns * width
    if transformer == "passthrough":
        return columns if width == len(columns) else None
    tokens = [f"\x1f{i}\x1f" for i in range(len(columns))]
    names = _names_out(transformer, tokens, width)
    if names is not None:
        by_token = [[i for i, t in enumerate(tokens) if t in name] for name in names]
        if all(len(found) == 1 for found in by_token):
            return [columns[found[0]] for found in by_token]
    names = _names_out(transformer, columns, width)
    if names is not None:
        mapped = names if names == columns else [_named_source(n, columns) for n in names]
        if all(m is not None for m in mapped):
            return [m for m in mapped if m is not None]
    if width % len(columns) == 0:
        return [c for c in columns for _ in range(width // len(columns))]
    return None


def _names_out(transformer: Any, inputs: list[str], width: int) -> list[str] | None:
    """The transformer's output names given these input names; None unless ``width`` many."""
    import numpy as np

    try:
        names = [
            str(n) for n in transformer.get_feature_names_out(np.asarray(inputs, dtype=object))
        ]
    except Exception:  # no names, or names it insists on (fitted on a DataFrame)
        return None
    return names if len(names) == width else None


def _named_source(name: str, columns: list[str]) -> str | None:
    """The column an output called ``name`` comes from: ``column_part`` or a missing flag."""
    if name.startswith(_MISSING_INDICATOR) and name[len(_MISSING_INDICATOR) :] in columns:
        return name[len(_MISSING_INDICATOR) :]
    prefixed = [c for c in columns if name.startswith(f"{c}_")]
    return max(prefixed, key=len) if prefixed else None


def partial_dependence(
    model: TabularModel,
    features: pd.DataFrame,
    columns: Sequence[str],
    *,
    n_rows: int = 1000,
    grid: int = 20,
    seed: int = 0,
) -> list[Dependence]:
    """The mean output with each of ``columns`` set to each grid value, all else kept.

    Shows the shape of the model's response to one input (averaged over the other inputs'
    values in a seeded sample of ``n_rows`` rows). A numeric column's grid is its distinct
    2%-98% quantiles (at most ``grid``), a categorical one's its ``MAX_LEVELS`` most frequent
    levels. Columns the model reads as dates or text, or does not read at all, are skipped,
    as are columns without a value. Series: ``P(<label>)`` of the positive class (binary) or
    of every class (multiclass), or ``prediction`` (regression).
    """
    import numpy as np

    rows = sample_positions(len(features), n_rows, np.random.default_rng(seed))
    sample = features.iloc[rows][model.feature_columns].reset_index(drop=True)
    n = len(sample)
    kinds = _column_kinds(model)
    found = []
    for column in columns:
        values = features[column]
        kind = kinds.get(column, "other") if kinds else "other"
        if kind == "other":
            kind = _kind_of(values)
        if kind == "numeric":
            points, shown, column_values = _numeric_grid(values, grid, n)
        elif kind == "categorical":
            points, shown, column_values = _levels(values, n)
        else:
            continue
        if not shown:
            continue
        stacked = sample.iloc[np.tile(np.arange(n), points)].reset_index(drop=True)
        stacked[column] = column_values
        output = model.output(stacked)
        found.append(Dependence(column, kind, shown, _series(model, output, points)))
    return found


def _column_kinds(model: TabularModel) -> dict[str, str]:
    """What each input column is to the model's preprocessing: numeric, categorical, ...

    "other" for a block this module does not know (a plugin's); empty when no member has
    a ``prepare`` step. A column in no block is one the model does not read.
    """
    kinds: dict[str, str] = {}
    for pipeline in model.pipelines:
        prepare = _step(pipeline, "prepare")
        if prepare is None or not hasattr(prepare, "transformers_"):
            continue
        names_in = [str(c) for c in getattr(prepare, "feature_names_in_", [])]
        for name, transformer, spec in prepare.transformers_:
            if transformer == "drop" or name == "remainder":
                continue
            kind = "text" if name.startswith("text_") else _BLOCK_KINDS.get(name, "other")
            for column in _column_names(spec, names_in) or []:
                kinds.setdefault(column, kind)
    return kinds


def _kind_of(values: pd.Series) -> str:
    """A column's kind from its storage type alone, for a model that does not say."""
    import pandas as pd

    types = pd.api.types
    if types.is_bool_dtype(values) or isinstance(values.dtype, pd.CategoricalDtype):
        return "categorical"
    if types.is_numeric_dtype(values):
        return "numeric"
    if types.is_datetime64_any_dtype(values) or types.is_timedelta64_dtype(values):
        return "datetime"
    if types.is_string_dtype(values) or types.is_object_dtype(values):
        present = values.dropna()
        if present.nunique() > TEXT_DISTINCT_SHARE * max(len(present), 1):
            return "text"
        return "categorical"
    return "other"


def _numeric_grid(values: pd.Series, grid: int, n: int) -> tuple[int, list[Any], np.ndarray]:
    """Distinct quantiles of a numeric column, and the stacked column that sets them."""
    import numpy as np
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    numbers = numbers[np.isfinite(numbers)]
    if len(numbers) == 0 or grid < 1:
        return 0, [], np.empty(0)
    low, high = GRID_QUANTILES
    points = np.unique(np.quantile(numbers, np.linspace(low, high, grid)))
    return len(points), [float(p) for p in points], np.repeat(points, n)


def _levels(values: pd.Series, n: int) -> tuple[int, list[Any], pd.Series]:
    """The most frequent levels (ties: first seen first), and the stacked column setting them.

    The stacked column is taken from the column itself, so it keeps its storage type.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    present = codes >= 0
    if not present.any():
        return 0, [], pd.Series([], dtype=values.dtype)
    counts = np.bincount(codes[present], minlength=len(uniques))
    top = np.argsort(-counts, kind="stable")[:MAX_LEVELS]
    top = top[counts[top] > 0]
    _, first = np.unique(codes, return_index=True)
    first_of = dict(zip(np.unique(codes).tolist(), first.tolist(), strict=True))
    positions = np.array([first_of[int(k)] for k in top])
    column = values.iloc[np.repeat(positions, n)].reset_index(drop=True)
    return len(top), [str(uniques[k]) for k in top], column


def _series(model: TabularModel, output: np.ndarray, n_points: int) -> dict[str, list[float]]:
    """Mean output per grid point: P(class) per class shown, or the predicted value."""
    if model.classes is None:
        means = output.reshape(n_points, -1).mean(axis=1)
        return {"prediction": [float(v) for v in means]}
    classes = [str(c) for c in model.classes]
    shown = [1] if len(classes) == 2 else range(len(classes))
    grouped = output.reshape(n_points, -1, len(classes)).mean(axis=1)
    return {f"P({classes[k]})": [float(v) for v in grouped[:, k]] for k in shown}


def _step(pipeline: Any, name: str) -> Any:
    """A named step of a fitted pipeline, or None (a member built some other way)."""
    steps = getattr(pipeline, "named_steps", None)
    return None if steps is None else steps.get(name)


def _is_lightgbm(estimator: Any) -> bool:
    return estimator is not None and type(estimator).__module__.startswith("lightgbm")
