"""Preprocessing built from roles handles every column kind and learns only from its fit rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlwright.data.schema import Role
from mlwright.learn.preprocess import PreprocessStyle, build_preprocessor
from mlwright.learn.task import TaskType

ROLES = {
    "age": Role.NUMERIC,
    "plan": Role.CATEGORICAL,
    "active": Role.BOOLEAN,
    "joined": Role.DATETIME,
    "review": Role.TEXT,
    "customer_id": Role.IDENTIFIER,
}


def _frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "plan": rng.choice(["basic", "pro", "team"], n),
            "active": rng.choice([True, False], n),
            "joined": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
            "review": rng.choice(["great product", "slow support", "would buy again"], n),
            "customer_id": np.arange(n),
        }
    )
    frame.loc[::7, "age"] = np.nan
    frame.loc[::5, "plan"] = None
    return frame


@pytest.mark.filterwarnings("ignore:Found unknown categories")
@pytest.mark.parametrize("style", list(PreprocessStyle))
def test_every_style_turns_a_mixed_table_into_finite_numbers(style: PreprocessStyle) -> None:
    frame = _frame()
    prep = build_preprocessor(ROLES, style, TaskType.BINARY, n_categories={"plan": 3})
    y = np.arange(len(frame)) % 2
    matrix = prep.fit_transform(frame, y)
    dense = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
    assert dense.shape[0] == len(frame)
    if style is not PreprocessStyle.NATIVE:  # the native learners take NaN as missing
        assert np.isfinite(dense).all()
    unseen = frame.head(3).assign(plan=["enterprise", None, "basic"], age=[np.inf, 1.0, 2.0])
    assert prep.transform(unseen).shape[0] == 3


def test_identifiers_are_never_features() -> None:
    prep = build_preprocessor(ROLES, PreprocessStyle.TREE, TaskType.BINARY)
    used = {c for _, _, columns in prep.transformers for c in columns}
    assert "customer_id" not in used


def test_scaling_is_learned_from_the_fit_rows_only() -> None:
    """A validation row with an extreme value must not move the fitted scaling."""
    fit = pd.DataFrame({"x": np.arange(10.0)})
    prep = build_preprocessor({"x": Role.NUMERIC}, PreprocessStyle.LINEAR, TaskType.REGRESSION)
    prep.fit(fit)
    before = prep.transform(fit)
    prep_again = build_preprocessor(
        {"x": Role.NUMERIC}, PreprocessStyle.LINEAR, TaskType.REGRESSION
    )
    prep_again.fit(fit)
    prep_again.transform(pd.DataFrame({"x": [1e9]}))
    assert np.allclose(prep_again.transform(fit), before)
    assert np.isclose(before[:, 0].mean(), 0.0)


def test_many_categories_are_target_encoded_for_linear_models() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"city": rng.choice([f"c{i}" for i in range(80)], 400)})
    y = rng.integers(0, 2, 400)
    prep = build_preprocessor(
        {"city": Role.CATEGORICAL},
        PreprocessStyle.LINEAR,
        TaskType.BINARY,
        n_categories={"city": 80},
    )
    assert prep.fit_transform(frame, y).shape[1] == 1
