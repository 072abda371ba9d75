"""AutoGluon's ``TabularPredictor`` for ``benchmarks/automl.py``, in ``benchmarks/.venv-autogluon``.

``presets="medium_quality"`` with ``time_limit`` set to the budget: AutoGluon's fast preset,
which fits its model zoo without bagging and stacks a weighted ensemble on top.
(``best_quality`` overran a 60 s budget by 40-60% here, see ``PEERS.md``.)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import autogluon.tabular
from autogluon.tabular import TabularPredictor
from automl_job import main

if TYPE_CHECKING:
    import pandas as pd
    from automl_job import Job

EVAL_METRIC = {"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "root_mean_squared_error"}


def fit(job: Job, train: pd.DataFrame) -> TabularPredictor:
    predictor = TabularPredictor(
        label=job.target,
        problem_type=job.kind,
        eval_metric=EVAL_METRIC[job.metric],
        path=str(Path(job.workdir) / "autogluon"),
        verbosity=0,
    )
    return predictor.fit(train, presets="medium_quality", time_limit=job.budget_s)


def predict(job: Job, predictor: TabularPredictor, test_x: pd.DataFrame) -> Any:
    if job.is_classification:
        return predictor.predict_proba(test_x)
    return predictor.predict(test_x).to_numpy()


def describe(predictor: TabularPredictor) -> dict[str, Any]:
    return {
        "version": autogluon.tabular.__version__,
        "best_model": predictor.model_best,
        "models": predictor.model_names(),
    }


if __name__ == "__main__":
    sys.exit(main(fit, predict, describe))
