"""Default LightGBM, the floor of ``benchmarks/automl.py``: no tuning, and no budget to spend.

Categorical columns arrive as pandas ``category`` columns, which LightGBM splits on natively;
missing values are left to LightGBM.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import lightgbm
import pandas as pd
from automl_job import main

if TYPE_CHECKING:
    from automl_job import Job


def fit(job: Job, train: pd.DataFrame) -> Any:
    x, y = train.drop(columns=[job.target]), train[job.target]
    family = lightgbm.LGBMClassifier if job.is_classification else lightgbm.LGBMRegressor
    return family(random_state=job.seed, n_jobs=job.n_jobs, verbose=-1).fit(x, y)


def predict(job: Job, model: Any, test_x: pd.DataFrame) -> Any:
    if job.is_classification:
        return pd.DataFrame(model.predict_proba(test_x), columns=model.classes_)
    return model.predict(test_x)


def describe(model: Any) -> dict[str, Any]:
    return {"version": lightgbm.__version__, "n_trees": model.booster_.num_trees()}


if __name__ == "__main__":
    sys.exit(main(fit, predict, describe))
