"""Bagged trees: random forests and extremely randomised trees."""

from __future__ import annotations

from typing import Any

from mlwright.learn.families.base import Family, Params
from mlwright.learn.preprocess import PreprocessStyle
from mlwright.learn.task import TaskType


def _maker(extra: bool) -> Any:
    def make(params: Params, task_type: TaskType, seed: int, n_jobs: int) -> Any:
        from sklearn import ensemble

        kind = "ExtraTrees" if extra else "RandomForest"
        suffix = "Regressor" if task_type is TaskType.REGRESSION else "Classifier"
        estimator = getattr(ensemble, kind + suffix)
        max_features = params.get("max_features", "sqrt")
        return estimator(
            n_estimators=params.get("n_estimators", 300),
            max_features=1.0 if max_features == "all" else max_features,
            min_samples_leaf=params.get("min_samples_leaf", 1),
            max_depth=params.get("max_depth"),
            n_jobs=n_jobs,
            random_state=seed,
        )

    return make


def _space(trial: Any, task_type: TaskType) -> Params:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, log=True),
        "max_features": trial.suggest_categorical("max_features", ["sqrt", 0.5, "all"]),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 20, log=True),
    }


RANDOM_FOREST = Family(
    name="random_forest",
    style=PreprocessStyle.TREE,
    tasks=frozenset(TaskType),
    make=_maker(extra=False),
    defaults=({"n_estimators": 300, "max_features": "sqrt", "min_samples_leaf": 1},),
    space=_space,
    cost=4.0,
    description="random forest of 300 trees",
)

EXTRA_TREES = Family(
    name="extra_trees",
    style=PreprocessStyle.TREE,
    tasks=frozenset(TaskType),
    make=_maker(extra=True),
    defaults=({"n_estimators": 300, "max_features": "sqrt", "min_samples_leaf": 1},),
    space=_space,
    cost=2.5,
    description="extremely randomised trees, 300 of them",
)
