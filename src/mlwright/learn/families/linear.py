"""Regularised linear models: logistic regression for classes, ridge regression for amounts."""

from __future__ import annotations

from typing import Any

from mlwright.learn.families.base import Family, Params
from mlwright.learn.preprocess import PreprocessStyle
from mlwright.learn.task import TaskType


def _make(params: Params, task_type: TaskType, seed: int, n_jobs: int) -> Any:
    if task_type is TaskType.REGRESSION:
        from sklearn.linear_model import Ridge

        return Ridge(alpha=params.get("alpha", 1.0))
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=params.get("C", 1.0), max_iter=1000, random_state=seed)


def _space(trial: Any, task_type: TaskType) -> Params:
    if task_type is TaskType.REGRESSION:
        return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}
    return {"C": trial.suggest_float("C", 1e-3, 1e2, log=True)}


LINEAR = Family(
    name="linear",
    style=PreprocessStyle.LINEAR,
    tasks=frozenset(TaskType),
    make=_make,
    defaults=({"C": 1.0, "alpha": 1.0},),
    space=_space,
    cost=0.5,
    description="logistic regression (classes) or ridge regression (amounts), L2-regularised",
)
