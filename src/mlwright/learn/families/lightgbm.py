"""LightGBM gradient-boosted trees: usually the strongest single family on tables."""

from __future__ import annotations

from typing import Any

from mlwright.learn.families.base import Family, Params
from mlwright.learn.preprocess import PreprocessStyle
from mlwright.learn.task import TaskType

# Tried in order before any search: a careful slow-learning configuration, then a wider,
# more regularised one for noisy data.
_DEFAULTS: tuple[Params, ...] = (
    {
        "n_estimators": 300,
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_child_samples": 20,
        "colsample_bytree": 0.8,
        "subsample": 0.8,
        "reg_lambda": 1.0,
    },
    {
        "n_estimators": 600,
        "learning_rate": 0.03,
        "num_leaves": 15,
        "min_child_samples": 40,
        "colsample_bytree": 0.6,
        "subsample": 0.7,
        "reg_lambda": 5.0,
    },
)


def _make(params: Params, task_type: TaskType, seed: int, n_jobs: int) -> Any:
    import lightgbm as lgb

    estimator = lgb.LGBMRegressor if task_type is TaskType.REGRESSION else lgb.LGBMClassifier
    settings = dict(params)
    if settings.get("subsample", 1.0) < 1.0:
        settings["subsample_freq"] = 1
    return estimator(
        **settings,
        random_state=seed,
        n_jobs=n_jobs,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )


def _deadline_params(deadline: float) -> Params:
    """A callback that ends boosting at ``deadline``, keeping the trees grown so far."""
    import time

    import lightgbm as lgb

    def stop_at_deadline(env: Any) -> None:
        if time.monotonic() > deadline:
            raise lgb.callback.EarlyStopException(env.iteration, [])

    return {"callbacks": [stop_at_deadline]}


def _space(trial: Any, task_type: TaskType) -> Params:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 1000, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 4, 128, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 2, 100, log=True),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
    }


LIGHTGBM = Family(
    name="lightgbm",
    style=PreprocessStyle.NATIVE,
    tasks=frozenset(TaskType),
    make=_make,
    defaults=_DEFAULTS,
    space=_space,
    cost=1.0,
    description="LightGBM gradient-boosted trees",
    per_class=True,
    deadline_params=_deadline_params,
)
