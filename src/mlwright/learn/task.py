"""What to learn: the task type inferred from the target, and the checks a target must pass."""

from __future__ import annotations

import difflib
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError, TrainingError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlwright.data.schema import Schema

# An integer target with at most this many distinct values is taken as classes, not amounts.
MAX_INTEGER_CLASSES = 10


class TaskType(StrEnum):
    """The kind of prediction a task asks for."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        """Whether the task predicts classes."""
        return self is not TaskType.REGRESSION


def parse_task_type(value: str | TaskType) -> TaskType:
    """A task type from its name, with an error that lists the valid ones."""
    try:
        return TaskType(str(value).lower())
    except ValueError:
        valid = ", ".join(t.value for t in TaskType)
        msg = f"unknown task {value!r}"
        raise ConfigError(msg, hint=f"use one of: {valid}") from None


def check_target(schema: Schema, target: str) -> None:
    """Refuse a target the data does not have, naming the nearest column names."""
    if target in schema.names:
        return
    near = difflib.get_close_matches(target, schema.names, n=3, cutoff=0.5)
    lowered = [n for n in schema.names if n.lower() == target.lower()]
    suggestions = list(dict.fromkeys(lowered + near))
    hint = f"did you mean {', '.join(map(repr, suggestions))}?" if suggestions else None
    msg = f"target column {target!r} is not in the dataset"
    raise TrainingError(msg, hint=hint or f"columns: {', '.join(schema.names)}", column=target)


def infer_task_type(y: pd.Series) -> TaskType:
    """Binary, multiclass or regression, from the target's values.

    Text and booleans are classes; floats are amounts; integers are classes when there are
    at most ``MAX_INTEGER_CLASSES`` distinct values (a rating from 1 to 5), else amounts.
    """
    import pandas as pd

    present = y.dropna()
    n_classes = present.nunique()
    if pd.api.types.is_bool_dtype(present) or not pd.api.types.is_numeric_dtype(present):
        return TaskType.BINARY if n_classes <= 2 else TaskType.MULTICLASS
    whole = pd.api.types.is_integer_dtype(present) or _all_whole(present)
    if whole and n_classes <= MAX_INTEGER_CLASSES:
        return TaskType.BINARY if n_classes <= 2 else TaskType.MULTICLASS
    return TaskType.REGRESSION


def _all_whole(values: pd.Series) -> bool:
    import numpy as np

    array = values.to_numpy(dtype=float)
    return bool(np.all(np.isfinite(array)) and np.all(array == np.round(array)))


def check_target_values(y: pd.Series, task_type: TaskType, target: str, n_folds: int) -> None:
    """Refuse targets that cannot be learned: all missing, one class, text for regression."""
    import pandas as pd

    present = y.dropna()
    if present.empty:
        msg = f"target column {target!r} is missing in every row"
        raise TrainingError(msg, hint="choose a target that has values", column=target)
    if task_type is TaskType.REGRESSION and not pd.api.types.is_numeric_dtype(present):
        example = present.iloc[0]
        msg = (
            f"target column {target!r} is not numeric (e.g. {example!r}), so it cannot be regressed"
        )
        raise TrainingError(msg, hint="pass --task binary or multiclass", column=target)
    if task_type.is_classification:
        counts = present.value_counts()
        if len(counts) < 2:
            msg = f"target column {target!r} has one class only ({counts.index[0]!r})"
            raise TrainingError(msg, hint="a classifier needs at least two classes", column=target)
        if task_type is TaskType.BINARY and len(counts) > 2:
            msg = f"target column {target!r} has {len(counts)} classes, not 2"
            raise TrainingError(msg, hint="pass --task multiclass", column=target)
    if len(present) < 2 * n_folds:
        msg = f"the dataset has {len(present)} labelled rows, too few for {n_folds}-fold CV"
        raise TrainingError(msg, hint="add rows, or pass fewer --folds (at least 2)")


def encode_target(y: pd.Series, task_type: TaskType) -> tuple[np.ndarray, list[Any] | None]:
    """The target as numbers for the learners, and the class labels in code order."""
    import numpy as np

    if not task_type.is_classification:
        return y.to_numpy(dtype=float), None
    classes = sorted(y.unique().tolist(), key=lambda v: (str(type(v)), v))
    codes = {value: i for i, value in enumerate(classes)}
    return np.array([codes[v] for v in y], dtype=np.int64), classes
