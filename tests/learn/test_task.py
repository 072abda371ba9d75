"""Task inference from the target, and the targets that cannot be learned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlwright.core.errors import ConfigError, TrainingError
from mlwright.data.schema import ColumnSchema, Role, Schema
from mlwright.learn.task import (
    TaskType,
    check_target,
    check_target_values,
    encode_target,
    infer_task_type,
    parse_task_type,
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["yes", "no", "yes"], TaskType.BINARY),
        ([True, False, True], TaskType.BINARY),
        (["a", "b", "c"], TaskType.MULTICLASS),
        ([1, 2, 3, 4, 5, 1], TaskType.MULTICLASS),
        ([0, 1, 1, 0], TaskType.BINARY),
        ([1.0, 2.0, 3.0], TaskType.MULTICLASS),
        (list(range(50)), TaskType.REGRESSION),
        ([0.5, 1.25, 3.0], TaskType.REGRESSION),
    ],
)
def test_task_type_follows_the_target_values(values: list[object], expected: TaskType) -> None:
    assert infer_task_type(pd.Series(values)) is expected


def test_unknown_target_names_the_near_matches() -> None:
    schema = Schema(tuple(ColumnSchema(n, "BIGINT", Role.NUMERIC) for n in ["Attrition", "Age"]))
    with pytest.raises(TrainingError, match="'Atrition' is not in the dataset") as info:
        check_target(schema, "Atrition")
    assert "'Attrition'" in str(info.value)


@pytest.mark.parametrize(
    ("values", "task_type", "match"),
    [
        ([None, None, None], TaskType.BINARY, "missing in every row"),
        (["a"] * 20, TaskType.BINARY, "one class only"),
        (["a", "b", "c"] * 10, TaskType.BINARY, "3 classes, not 2"),
        (["x", "y"] * 10, TaskType.REGRESSION, "not numeric"),
        ([0, 1, 0, 1], TaskType.BINARY, "too few for 5-fold"),
    ],
)
def test_unlearnable_targets_are_refused(
    values: list[object], task_type: TaskType, match: str
) -> None:
    with pytest.raises(TrainingError, match=match):
        check_target_values(pd.Series(values), task_type, "y", n_folds=5)


def test_classes_are_encoded_in_sorted_order_and_decoded_back() -> None:
    codes, classes = encode_target(pd.Series(["no", "yes", "no"]), TaskType.BINARY)
    assert classes == ["no", "yes"]
    assert codes.tolist() == [0, 1, 0]
    values, none = encode_target(pd.Series([1.5, 2.5]), TaskType.REGRESSION)
    assert none is None
    assert np.allclose(values, [1.5, 2.5])


def test_unknown_task_name_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="binary, multiclass, regression"):
        parse_task_type("clustering-ish")
