"""FLAML's ``AutoML`` for ``benchmarks/automl.py``, in ``benchmarks/.venv-flaml``.

FLAML searches its default learners (LightGBM, XGBoost, random forests, extra trees, ...) for
``time_budget`` seconds on the job's metric, then refits the best configuration on all the
training data; it takes the pandas ``category`` columns and missing values as they are.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import flaml
import pandas as pd
from automl_job import main
from flaml import AutoML

if TYPE_CHECKING:
    from automl_job import Job


def fit(job: Job, train: pd.DataFrame) -> AutoML:
    automl = AutoML()
    automl.fit(
        X_train=train.drop(columns=[job.target]),
        y_train=train[job.target],
        task="classification" if job.is_classification else "regression",
        time_budget=job.budget_s,
        n_jobs=job.n_jobs,
        seed=job.seed,
        metric=job.metric,
        verbose=0,
    )
    return automl


def predict(job: Job, automl: AutoML, test_x: pd.DataFrame) -> Any:
    if job.is_classification:
        return pd.DataFrame(automl.predict_proba(test_x), columns=automl.classes_)
    return automl.predict(test_x)


def describe(automl: AutoML) -> dict[str, Any]:
    return {
        "version": flaml.__version__,
        "best_estimator": automl.best_estimator,
        "best_config": automl.best_config,
    }


if __name__ == "__main__":
    sys.exit(main(fit, predict, describe))
