"""``Workspace.report``: gather what a report needs from the workspace, and write it.

A report is about a run or a registered model (whose run is then looked up). Its model is
scored on the exact rows the run held out (drawn again from the run's dataset with the
run's split settings), or on labelled rows the caller gives. The leaderboard's candidates
are compared on their out-of-fold errors, which the run kept.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from mlwright.registry.loaded import LoadedModel
    from mlwright.report.facts import ReportInputs
    from mlwright.track.entities import RunRecord
    from mlwright.workspace.facade import Workspace

_RUN_ID = re.compile(r"^[0-9a-f]{4,12}$")
# Where the dashboard keeps each run's report: REPORTS/RUN_ID/report.html (and .json).
REPORTS = "reports"
_writing: dict[str, threading.Lock] = {}
_writing_guard = threading.Lock()


def report_inputs(ws: Workspace, subject: str, *, data: Any = None) -> ReportInputs:
    """What :func:`mlwright.report.facts.build_report` needs for a run id or a model ref."""
    from mlwright.learn.automl import labelled_split
    from mlwright.learn.task import TaskType
    from mlwright.report.facts import ReportInputs
    from mlwright.workspace.monitoring import read_rows
    from mlwright.workspace.run import Run
    from mlwright.workspace.training import config_from_dict, read_oof_losses

    model, run, title = _subject(ws, subject)
    dataset = ws.dataset(run.dataset_ref)
    config = config_from_dict(run.config)
    split = labelled_split(dataset.to_pandas(), config, TaskType(str(run.task_type)))
    if data is None:
        test = split.frame.iloc[split.test_idx].reset_index(drop=True)
        source = f"the rows of {dataset.ref} the run held out"
        if test.empty:
            msg = f"run {run.id} held out no test rows (it trained with --test-size 0)"
            raise ConfigError(msg, hint="give labelled rows to score it on: --data FILE")
    else:
        test = read_rows(data)
        source = str(data) if isinstance(data, (str, Path)) else "the rows given"
    oof_losses = oof_features = None
    key = run.result.get("oof_losses_key")
    if key is not None and ws.artifacts.exists(key):  # gone with a clean-up: no slices then
        oof_losses = read_oof_losses(ws, key)
        rows = oof_losses.pop("row").to_numpy()
        oof_features = split.frame.iloc[rows][model.model.feature_columns].reset_index(drop=True)
    return ReportInputs(
        model=model,
        title=title,
        run=run,
        dataset=dataset,
        test=test,
        test_source=source,
        train_target=split.frame[config.target].iloc[split.train_idx],
        leaderboard=Run(run, ws).leaderboard,
        oof_features=oof_features,
        oof_losses=oof_losses,
    )


def _subject(ws: Workspace, subject: str) -> tuple[LoadedModel, RunRecord, str]:
    """The model, its run, and a title, for ``NAME[:VERSION|@ALIAS]`` or a run id."""
    from mlwright.learn.persist import model_from_bytes
    from mlwright.registry.loaded import LoadedModel, ModelSource
    from mlwright.workspace.models import package_info

    subject = subject.strip()
    is_model = ":" in subject or "@" in subject or bool(ws.store.list_model_versions(subject))
    if is_model:
        model = ws.load_model(subject)
        run_id = model.source.run_id or model.info.lineage.get("run_id")
        return model, ws.store.get_run(str(run_id)), model.source.ref
    if not _RUN_ID.fullmatch(subject.lower()):
        msg = f"no model or run {subject!r} in this workspace"
        raise NotFoundError(msg, hint="see: mlwright models list, mlwright runs list")
    run = ws.store.get_run(subject)
    if run.model_key is None:
        msg = f"run {run.id} has no model (status: {run.status})"
        raise NotFoundError(msg, hint="report on a finished run; see: mlwright runs list")
    with ws.artifacts.open(run.model_key) as handle:
        trained = model_from_bytes(handle.read())
    source = ModelSource(ref=f"run {run.id}", run_id=run.id)
    return LoadedModel(trained, package_info(ws, run, trained), source), run, f"run {run.id}"


def write_report(facts: dict[str, Any], path: str | Path) -> tuple[Path, Path]:
    """Write the page to ``path`` and its JSON twin beside it (``.json``); both or neither."""
    import json

    from mlwright.core.files import write_texts
    from mlwright.report.html import render_html

    page = Path(path)
    twin = page.with_suffix(".json")
    write_texts(
        {
            twin: json.dumps(facts, indent=2, allow_nan=False),
            page: render_html(facts, twin=twin.name),
        }
    )
    return page, twin


def run_report(ws: Workspace, run_id: str) -> Path:
    """The run's report page in the workspace, written the first time it is asked for.

    One writer per run at a time: a second request waits for the first one's page.
    """
    run = ws.store.get_run(run_id)
    page = ws.path / REPORTS / run.id / "report.html"
    with _writing_guard:
        lock = _writing.setdefault(run.id, threading.Lock())
    with lock:
        if not page.exists():
            ws.report(run.id, page)
    return page


def written_reports(ws: Workspace) -> list[tuple[str, Path]]:
    """(run id, page) of every report written into the workspace, newest first."""
    pages = (ws.path / REPORTS).glob("*/report.html")
    return [(p.parent.name, p) for p in sorted(pages, key=lambda p: -p.stat().st_mtime)]


def forget_report(ws: Workspace, run_id: str) -> None:
    """Remove a run's written report (its run is gone)."""
    import shutil

    shutil.rmtree(ws.path / REPORTS / run_id, ignore_errors=True)
