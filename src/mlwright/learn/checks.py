"""Checks inside training: which columns to use, leakage, and rows shared with the test set.

- Identifier and constant columns (from the schema), and text columns that are almost
  unique per row (identifier-like), are not features.
- A column that alone predicts the target almost perfectly (a shallow tree on it, cross-
  validated) is the usual sign of leakage: it is excluded unless the user keeps it.
- Rows of the test set that also appear, identical, in the training part make the test
  score optimistic; they are counted and reported.
"""

from __future__ import annotations

import warnings
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
LEAKAGE_SAMPLE_ROWS = 20_000
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
    """Columns that alone predict the target almost perfectly, with their score."""
    import numpy as np
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    from mlwright.learn.preprocess import PreprocessStyle, build_preprocessor

    rng = np.random.default_rng(seed)
    rows = np.arange(len(frame))
    if len(rows) > LEAKAGE_SAMPLE_ROWS:
        rows = np.sort(rng.choice(rows, LEAKAGE_SAMPLE_ROWS, replace=False))
    sample, target = frame.iloc[rows], y[rows]
    if task_type.is_classification:
        estimator = DecisionTreeClassifier(max_depth=4, random_state=seed)
        scoring = "roc_auc_ovr" if task_type.value == "multiclass" else "roc_auc"
    else:
        estimator = DecisionTreeRegressor(max_depth=6, random_state=seed)
        scoring = "r2"
    found = {}
    for name, role in roles.items():
        if role is Role.TEXT:
            continue
        prep = build_preprocessor({name: role}, PreprocessStyle.TREE, task_type)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                scores = cross_val_score(
                    make_pipeline(prep, estimator), sample, target, cv=3, scoring=scoring
                )
            except ValueError:
                continue
        score = float(np.nanmean(scores))
        if score >= LEAKAGE_SCORE:
            found[name] = score
    return found


def shared_rows(frame: pd.DataFrame, train: np.ndarray, test: np.ndarray) -> int:
    """How many test rows have an identical row (target included) in the training part."""
    import numpy as np
    import pandas as pd

    if len(test) == 0:
        return 0
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return int(np.isin(hashes[test], hashes[train]).sum())
