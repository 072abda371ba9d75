"""k-nearest neighbours: a different kind of model, useful in ensembles on small data."""

from __future__ import annotations

from typing import Any

from mlwright.learn.families.base import Family, Params
from mlwright.learn.preprocess import PreprocessStyle
from mlwright.learn.task import TaskType


def _make(params: Params, task_type: TaskType, seed: int, n_jobs: int) -> Any:
    from sklearn import neighbors

    if task_type is TaskType.REGRESSION:
        estimator = neighbors.KNeighborsRegressor
    else:
        estimator = neighbors.KNeighborsClassifier
    return estimator(
        n_neighbors=params.get("n_neighbors", 15),
        weights=params.get("weights", "distance"),
        n_jobs=n_jobs,
    )


def _space(trial: Any, task_type: TaskType) -> Params:
    return {
        "n_neighbors": trial.suggest_int("n_neighbors", 3, 100, log=True),
        "weights": trial.suggest_categorical("weights", ["uniform", "distance"]),
    }


KNN = Family(
    name="knn",
    style=PreprocessStyle.LINEAR,
    tasks=frozenset(TaskType),
    make=_make,
    defaults=({"n_neighbors": 15, "weights": "distance"},),
    space=_space,
    cost=1.0,
    # Predicting costs a search over every training row; beyond this it is too slow to serve.
    max_rows=50_000,
    description="k-nearest neighbours on scaled features",
)
