"""mlwright for ``benchmarks/automl.py``, in mlwright's own ``.venv``.

The timed fit is everything from a DataFrame to a fitted model, as a user would run it: open a
fresh workspace, ingest the training part, train with the budget and keep no internal test set
(``test_size=0.0``: the benchmark's own test part plays that role), and load the model.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from automl_job import main

import mlwright

if TYPE_CHECKING:
    from automl_job import Job


def fit(job: Job, train: pd.DataFrame) -> Any:
    ws = mlwright.Workspace(Path(job.workdir) / "workspace")
    ds = ws.ingest(train, name="bench").dataset
    run = ws.train(
        ds.ref,
        target=job.target,
        time_budget=f"{job.budget_s:g}s",
        seed=job.seed,
        test_size=0.0,
        metric=job.metric,
    )
    return run.model()


def predict(job: Job, model: Any, test_x: pd.DataFrame) -> Any:
    if job.is_classification:
        return pd.DataFrame(model.predict_proba(test_x), columns=model.classes_)
    return model.predict(test_x)


def describe(model: Any) -> dict[str, Any]:
    return {"version": mlwright.__version__, "model": type(model).__name__}


if __name__ == "__main__":
    sys.exit(main(fit, predict, describe))
