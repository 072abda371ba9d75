"""scikit-learn's histogram gradient boosting: LightGBM's ideas with no extra dependency."""

from __future__ import annotations

from typing import Any

from mlwright.learn.families.base import Family, Params
from mlwright.learn.preprocess import PreprocessStyle
from mlwright.learn.task import TaskType


def _make(params: Params, task_type: TaskType, seed: int, n_jobs: int) -> Any:
    from sklearn import ensemble

    if task_type is TaskType.REGRESSION:
        estimator = ensemble.HistGradientBoostingRegressor
    else:
        estimator = ensemble.HistGradientBoostingClassifier
    return estimator(
        learning_rate=params.get("learning_rate", 0.1),
        max_iter=params.get("max_iter", 200),
        max_leaf_nodes=params.get("max_leaf_nodes", 31),
        min_samples_leaf=params.get("min_samples_leaf", 20),
        l2_regularization=params.get("l2_regularization", 0.0),
        early_stopping=False,
        random_state=seed,
    )


def _space(trial: Any, task_type: TaskType) -> Params:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_iter": trial.suggest_int("max_iter", 50, 500, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 8, 128, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 2, 100, log=True),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-4, 10.0, log=True),
    }


HIST_GB = Family(
    name="hist_gb",
    style=PreprocessStyle.NATIVE,
    tasks=frozenset(TaskType),
    make=_make,
    defaults=({"learning_rate": 0.1, "max_iter": 200, "max_leaf_nodes": 31},),
    space=_space,
    cost=1.5,
    per_class=True,
    description="scikit-learn histogram gradient boosting",
)
