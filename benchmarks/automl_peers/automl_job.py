"""The job a system runner gets from ``benchmarks/automl.py``, and the runner's entry point.

A runner is a small script, ``run_<system>.py``, that the harness starts in the system's own
virtual environment as ``python run_<system>.py JOB.json RESULT.json``. It defines two
functions and hands them to :func:`main`:

- ``fit(job, train) -> model``: train on ``train`` (features and ``job.target``) within
  ``job.budget_s`` seconds;
- ``predict(job, model, test_x)``: for regression, an array of predictions; for classification,
  a DataFrame of class probabilities with one column per class label.

:func:`main` reads the job and the Parquet files, times ``fit`` and ``predict`` separately with
a wall clock, puts probability columns in the order of ``job.classes`` (a class the model never
saw gets probability 0), and writes ``RESULT.json``::

    {"ok": true, "fit_s": 61.2, "predict_s": 0.4, "predictions": [...], "info": {...}}
    {"ok": false, "error": "AttributeError: ...", "fit_s": null, "predict_s": null,
     "info": {"failed_after_s": 12.5}}

(``predictions`` is a list of numbers for regression and a list of rows of probabilities for
classification.) A failure also prints its traceback on stderr and exits 1. This module imports
only the standard library, NumPy and pandas, which every runner's environment has, and must
keep working with pandas 2 and 3.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class Job:
    """What to train on, for how long and how it is scored."""

    dataset: str
    kind: str  # "binary", "multiclass" or "regression"
    target: str
    metric: str  # "roc_auc", "log_loss" or "rmse"
    classes: list[str] | None
    budget_s: float
    seed: int
    n_jobs: int
    train_path: str
    test_path: str
    workdir: str

    @property
    def is_classification(self) -> bool:
        return self.kind != "regression"


def read_job(path: Path) -> Job:
    return Job(**json.loads(path.read_text()))


def write_job(job: Job, path: Path) -> None:
    path.write_text(json.dumps(job.__dict__, indent=2))


def _load(path: str) -> pd.DataFrame:
    return pd.read_parquet(path)


def _ordered(job: Job, prediction: Any) -> list[Any]:
    """Predictions as JSON-ready lists; probability columns in ``job.classes`` order."""
    if not job.is_classification:
        return list(np.asarray(prediction, dtype=float).ravel().tolist())
    proba = pd.DataFrame(prediction)
    proba.columns = [str(c) for c in proba.columns]
    missing = [c for c in proba.columns if c not in (job.classes or [])]
    if missing:
        msg = f"the model predicts classes {missing} that are not in the job's {job.classes}"
        raise ValueError(msg)
    ordered = proba.reindex(columns=job.classes, fill_value=0.0).astype(float)
    return list(ordered.to_numpy().tolist())


def _error_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def main(
    fit: Callable[[Job, pd.DataFrame], Any],
    predict: Callable[[Job, Any, pd.DataFrame], Any],
    describe: Callable[[Any], dict[str, Any]] | None = None,
) -> int:
    """Run one job: ``python run_<system>.py JOB.json RESULT.json``."""
    job_path, result_path = (Path(a) for a in sys.argv[1:3])
    job = read_job(job_path)
    result: dict[str, Any] = {"ok": False, "fit_s": None, "predict_s": None}
    started = time.perf_counter()
    try:
        train, test_x = _load(job.train_path), _load(job.test_path)
        start = time.perf_counter()
        model = fit(job, train)
        result["fit_s"] = time.perf_counter() - start
        start = time.perf_counter()
        prediction = predict(job, model, test_x)
        result["predict_s"] = time.perf_counter() - start
        result["predictions"] = _ordered(job, prediction)
        result["info"] = describe(model) if describe else {}
        result["ok"] = True
    except Exception as exc:
        traceback.print_exc()
        result["error"] = _error_line(exc)
        result["info"] = {"failed_after_s": time.perf_counter() - started}
    Path(result_path).write_text(json.dumps(result, default=str))
    return 0 if result["ok"] else 1
