"""Checks inside training: which columns to use, leakage, and rows shared with the test set.

- Identifier and constant columns (from the schema), and text columns that are almost
  unique per row (identifier-like), are not features.
- A column that alone predicts the target almost perfectly (a shallow tree on it, cross-
  validated) is the usual sign of leakage: it is excluded unless the user keeps it.
- Rows of the test set that also appear, identical, in the training part make the test
  score optimistic; they are counted and reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlwright.data.schema import Role

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlwright.data.schema import Schema
    from mlwright.learn.task import TaskType

# A categorical column with distinct values in at least this share of rows is identifier-like.
IDENTIFIER_LIKE_SHARE = 0.9
# A single column this good on its own (ROC AUC, or R² for amounts) is taken as leaked.
LEAKAGE_SCORE = 0.99
LEAKAGE_SAMPLE_ROWS = 50_000
LEAKAGE_BINS = 50
_NOT_FEATURES = (Role.IDENTIFIER, Role.CONSTANT)


def feature_roles(
    schema: Schema, target: str, frame: pd.DataFrame
) -> tuple[dict[str, Role], list[str]]:
    """The feature columns with their roles, and a note for each column left out."""
    roles: dict[str, Role] = {}
    notes = []
    for column in schema.columns:
        name, role = column.name, column.role
        if name == target:
            continue
        if role in _NOT_FEATURES:
            notes.append(f"column {name!r} is not used: it is {role.value}")
            continue
        if role is Role.CATEGORICAL and _identifier_like(frame[name]):
            notes.append(f"column {name!r} is not used: almost every row has its own value")
            continue
        roles[name] = role
    return roles, notes


def _identifier_like(values: pd.Series) -> bool:
    present = values.dropna()
    return len(present) >= 20 and present.nunique() >= IDENTIFIER_LIKE_SHARE * len(present)


def leaking_columns(
    frame: pd.DataFrame, y: np.ndarray, roles: dict[str, Role], task_type: TaskType, seed: int
) -> dict[str, float]:
    """Columns that alone predict the target almost perfectly, with their score.

    Each column is cut into at most ``LEAKAGE_BINS`` groups (quantile bins of numbers, or
    the most common categories; missing is a group), the target's mean per group is learned
    on one half of the rows and scored on the other: ROC AUC for two classes, the share of
    the majority-class error removed for more, R² for amounts. Vectorised, so it costs
    milliseconds per column.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = np.arange(len(frame))
    if len(rows) > LEAKAGE_SAMPLE_ROWS:
        rows = np.sort(rng.choice(rows, LEAKAGE_SAMPLE_ROWS, replace=False))
    half = rng.random(len(rows)) < 0.5
    target = y[rows]
    found = {}
    for name, role in roles.items():
        if role is Role.TEXT:
            continue
        groups = _groups(frame[name].iloc[rows], role)
        score = _holdout_score(groups, target, half, task_type)
        if score is not None and score >= LEAKAGE_SCORE:
            found[name] = score
    return found


def _groups(values: pd.Series, role: Role) -> np.ndarray:
    """Group codes 0..LEAKAGE_BINS of a column; missing values form group 0."""
    import numpy as np
    import pandas as pd

    if role in (Role.NUMERIC, Role.DATETIME):
        numbers = pd.to_numeric(
            values
            if role is Role.NUMERIC
            else pd.to_datetime(values, errors="coerce").astype("int64"),
            errors="coerce",
        ).to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(numbers)
        codes = np.zeros(len(numbers), dtype=np.int64)
        if finite.any():
            edges = np.unique(np.quantile(numbers[finite], np.linspace(0, 1, LEAKAGE_BINS + 1)))
            codes[finite] = 1 + np.searchsorted(edges[1:-1], numbers[finite], side="right")
        return codes
    labels = values.astype(object).where(values.notna(), None)
    common = labels.value_counts().index[:LEAKAGE_BINS].tolist()
    lookup = {value: i + 1 for i, value in enumerate(common)}
    return np.array([lookup.get(v, 0) for v in labels], dtype=np.int64)


def _holdout_score(
    groups: np.ndarray, y: np.ndarray, half: np.ndarray, task_type: TaskType
) -> float | None:
    import numpy as np

    from mlwright.learn.metrics import get_metric

    fit, test = half, ~half
    if fit.sum() == 0 or test.sum() == 0:
        return None
    n_groups = int(groups.max()) + 1
    counts = np.bincount(groups[fit], minlength=n_groups).astype(float)
    if task_type.is_classification:
        n_classes = int(y.max()) + 1
        table = np.zeros((n_groups, n_classes))
        np.add.at(table, (groups[fit], y[fit]), 1.0)
        prior = np.bincount(y[fit], minlength=n_classes) / fit.sum()
        proba = np.where(counts[:, None] > 0, table / np.maximum(counts[:, None], 1), prior)
        predicted = proba[groups[test]]
        if n_classes == 2:
            try:
                return get_metric("roc_auc", task_type).score(y[test], predicted, 0.5)
            except ValueError:
                return None
        base = np.max(np.bincount(y[test], minlength=n_classes)) / test.sum()
        accuracy = float(np.mean(predicted.argmax(axis=1) == y[test]))
        return None if base >= 1 else (accuracy - base) / (1 - base)
    sums = np.bincount(groups[fit], weights=y[fit], minlength=n_groups)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), y[fit].mean())
    return get_metric("r2", task_type).score(y[test], means[groups[test]], 0.5)


def shared_rows(frame: pd.DataFrame, train: np.ndarray, test: np.ndarray) -> int:
    """How many test rows have an identical row (target included) in the training part."""
    import numpy as np
    import pandas as pd

    if len(test) == 0:
        return 0
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return int(np.isin(hashes[test], hashes[train]).sum())
