"""mlwright for ``benchmarks/automl.py``, in mlwright's own ``.venv``.

The timed fit is everything from a DataFrame to a fitted model, as a user would run it: open a
fresh workspace, ingest the training part, train with the budget and keep no internal test set
(``test_size=0.0``: the benchmark's own test part plays that role), and load the model. The
result's ``info`` splits that time into ``ingest_s``, ``train_s`` and ``model_s``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from automl_job import main

import mlwright

if TYPE_CHECKING:
    from automl_job import Job


@dataclass
class Fitted:
    """The model, and how long each step of getting it took."""

    model: Any = None
    times_s: dict[str, float] = field(default_factory=dict)


def fit(job: Job, train: pd.DataFrame) -> Fitted:
    fitted = Fitted()
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        fitted.times_s[f"{step}_s"] = now - clock
        clock = now

    ws = mlwright.Workspace(Path(job.workdir) / "workspace")
    ds = ws.ingest(train, name="bench").dataset
    lap("ingest")
    run = ws.train(
        ds.ref,
        target=job.target,
        time_budget=f"{job.budget_s:g}s",
        seed=job.seed,
        test_size=0.0,
        metric=job.metric,
        task=job.kind,  # the peers are told the task too
    )
    lap("train")
    fitted.model = run.model()
    lap("model")
    return fitted


def predict(job: Job, fitted: Fitted, test_x: pd.DataFrame) -> Any:
    model = fitted.model
    if job.is_classification:
        return pd.DataFrame(model.predict_proba(test_x), columns=model.classes_)
    return model.predict(test_x)


def describe(fitted: Fitted) -> dict[str, Any]:
    return {"version": mlwright.__version__, "model": type(fitted.model).__name__, **fitted.times_s}


if __name__ == "__main__":
    sys.exit(main(fit, predict, describe))
