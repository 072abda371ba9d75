"""Run a training job against the workspace: record it as it goes, store its model.

Every candidate and note is written to the metadata store the moment it happens, so a crash
or Ctrl-C leaves a ``failed`` run with everything recorded up to then, never a half-written
one. The model goes to the artifact store only once the run has finished.
"""

from __future__ import annotations

import contextlib
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from mlwright.core.types import TrainingProgress, TrialReport
    from mlwright.learn.automl import TrainConfig, TrainResult
    from mlwright.track.store import MetadataStore
    from mlwright.workspace.facade import Workspace
    from mlwright.workspace.run import Run


@dataclass(slots=True)
class StoreRecorder:
    """A ``RunRecorder`` that writes to the metadata store and echoes notes to a callback."""

    store: MetadataStore
    run_id: str
    on_note: Callable[[str], None] | None = None
    # What is being learned, kept so that a failed run still records it.
    learning: dict[str, Any] = field(default_factory=dict)

    def trial(self, report: TrialReport) -> None:
        """Record one candidate."""
        self.store.add_trial(self.run_id, report)

    def task(self, task_type: str, metric: str, greater_is_better: bool) -> None:
        """Remember the task and metric for the run's final record."""
        self.learning = {
            "task_type": task_type,
            "metric": metric,
            "greater_is_better": greater_is_better,
        }

    def note(self, text: str) -> None:
        """Record a finding, and show it."""
        self.store.add_note(self.run_id, text)
        if self.on_note is not None:
            self.on_note(text)


def run_training(
    ws: Workspace,
    dataset_ref: str,
    config: TrainConfig,
    *,
    progress: TrainingProgress,
    on_note: Callable[[str], None] | None = None,
) -> Run:
    """Train on a dataset version as ``config`` says; return the finished run."""
    from mlwright.learn.automl import train_model
    from mlwright.learn.budget import Budget
    from mlwright.learn.persist import model_to_bytes
    from mlwright.track.entities import NewRun
    from mlwright.workspace.run import Run

    budget = Budget(config.time_budget_s, deterministic=config.deterministic)
    dataset = ws.dataset(dataset_ref)
    _check_options(config, dataset.schema.names)
    record = ws.store.create_run(
        NewRun(
            dataset_name=dataset.name,
            dataset_version=dataset.version,
            dataset_fingerprint=dataset.fingerprint,
            target=config.target,
            config=config_dict(config),
            lineage=lineage(config.seed),
            created_by=ws.who(),
        )
    )
    recorder = StoreRecorder(ws.store, record.id, on_note)
    try:
        frame = dataset.to_pandas()
        result = train_model(frame, dataset.schema, config, recorder, progress, budget=budget)
        model_key = ws.artifacts.put_bytes(model_to_bytes(result.model))
        summary = result_dict(result, budget.elapsed_s)
        summary["oof_losses_key"] = _store_oof_losses(ws, record.id, result)
        finished = ws.store.finish_run(
            record.id,
            status="finished",
            task_type=result.task_type.value,
            metric=result.metric,
            result=summary,
            model_key=model_key,
        )
    except BaseException as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        # Recording the failure must not hide the error that caused it.
        learning = recorder.learning
        with contextlib.suppress(Exception):
            ws.store.finish_run(
                record.id,
                status="failed",
                task_type=learning.get("task_type"),
                metric=learning.get("metric"),
                result={"greater_is_better": learning.get("greater_is_better", True)},
                error=reason[:2000],
            )
        raise
    return Run(finished, ws)


def _store_oof_losses(ws: Workspace, run_id: str, result: TrainResult) -> str | None:
    """Keep the best candidates' out-of-fold losses per row, to compare where each fails.

    One Parquet file: ``row`` (position among the labelled rows) and one float column per
    candidate number (and ``chosen``). The run's id is in its metadata, so the file is the
    run's own even when another run found the same losses.
    """
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    if result.oof_rows is None or not result.oof_losses:
        return None
    columns = {"row": pa.array(result.oof_rows, type=pa.int64())}
    columns |= {k: pa.array(v, type=pa.float32()) for k, v in result.oof_losses.items()}
    table = pa.table(columns).replace_schema_metadata({"mlwright_run": run_id})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return ws.artifacts.put_bytes(buffer.getvalue())


def read_oof_losses(ws: Workspace, key: str) -> pd.DataFrame:
    """The table :func:`_store_oof_losses` wrote."""
    import pyarrow.parquet as pq

    with ws.artifacts.open(key) as handle:
        return pq.read_table(handle).to_pandas()


def _check_options(config: TrainConfig, columns: list[str]) -> None:
    """Refuse options that cannot work before a run is recorded (a typo is not a run)."""
    from mlwright.core.errors import ConfigError
    from mlwright.learn.metrics import check_metric_name

    if config.metric is not None:
        check_metric_name(config.metric)
    split_column = None if config.split is None else config.split.column
    if split_column is not None and split_column not in columns:
        msg = f"split column {split_column!r} is not in the dataset"
        raise ConfigError(msg, hint=f"columns: {', '.join(columns)}")


def config_dict(config: TrainConfig) -> dict[str, Any]:
    """The configuration as JSON, for the run's record and its replay."""
    return {
        "target": config.target,
        "task_type": None if config.task_type is None else config.task_type.value,
        "metric": config.metric,
        "time_budget_s": config.time_budget_s,
        "n_folds": config.n_folds,
        "test_size": config.test_size,
        "split": None if config.split is None else str(config.split),
        "cost": None if config.cost is None else config.cost.to_dict(),
        "seed": config.seed,
        "deterministic": config.deterministic,
        "families": None if config.families is None else list(config.families),
        "keep_columns": list(config.keep_columns),
    }


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """The configuration a run recorded (:func:`config_dict`), to draw its rows again."""
    from mlwright.data.split import SplitSpec
    from mlwright.learn.automl import TrainConfig
    from mlwright.learn.cost import CostMatrix
    from mlwright.learn.task import TaskType

    task_type, split, cost = data.get("task_type"), data.get("split"), data.get("cost")
    families = data.get("families")
    return TrainConfig(
        target=data["target"],
        task_type=None if task_type is None else TaskType(task_type),
        metric=data.get("metric"),
        time_budget_s=data.get("time_budget_s", 60.0),
        n_folds=data.get("n_folds", 5),
        test_size=data.get("test_size", 0.2),
        split=None if split is None else SplitSpec.parse(split),
        cost=None if not cost else CostMatrix(**cost),
        seed=data.get("seed", 0),
        deterministic=data.get("deterministic", False),
        families=None if families is None else tuple(families),
        keep_columns=tuple(data.get("keep_columns") or ()),
    )


def result_dict(result: TrainResult, duration_s: float) -> dict[str, Any]:
    """What a finished run found, as JSON."""
    return {
        "greater_is_better": result.greater_is_better,
        "chosen": result.chosen,
        "cv_score": result.cv_score,
        "test_metrics": [m.to_dict() for m in result.test_metrics],
        "confusion_matrix": result.confusion_matrix,
        "confidence_accuracy": result.confidence_accuracy,
        "classes": None if result.model.classes is None else [str(c) for c in result.model.classes],
        "threshold": result.threshold,
        "cost": result.cost,
        "plan": result.plan,
        "features": result.features,
        "n_train": result.n_train,
        "n_test": result.n_test,
        "duration_s": duration_s,
    }


def lineage(seed: int) -> dict[str, Any]:
    """Where a run came from: seed, code version, libraries, command line, machine."""
    from mlwright.registry.environment import library_versions

    libraries = library_versions()
    return {
        "seed": seed,
        "git_commit": _git_commit(Path.cwd()),
        "libraries": libraries,
        "python": platform.python_version(),
        "command": " ".join(sys.argv),
        "host": platform.node(),
    }


def _git_commit(folder: Path) -> str | None:
    """The commit checked out in ``folder`` (``+dirty`` when changed), if it is a git tree."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = head.stdout.strip()
    return commit + ("+dirty" if status.stdout.strip() else "")
