"""How runs look on the terminal and in ``--json`` output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlwright.cli.output import stdout

if TYPE_CHECKING:
    from mlwright.track.entities import TrialRecord
    from mlwright.workspace.run import Run

LEADERBOARD_ROWS = 15


def run_json(run: Run, *, full: bool = False) -> dict[str, Any]:
    """A JSON-ready summary; ``full`` adds every candidate, the notes and the lineage."""
    record = run.record
    data: dict[str, Any] = {
        "id": record.id,
        "status": record.status,
        "dataset": record.dataset_ref,
        "dataset_fingerprint": record.dataset_fingerprint,
        "target": record.target,
        "task_type": record.task_type,
        "metric": record.metric,
        "cv_score": record.result.get("cv_score"),
        "test_metrics": record.result.get("test_metrics", []),
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "error": record.error,
    }
    if full:
        data |= {
            "config": record.config,
            "result": record.result,
            "lineage": record.lineage,
            "notes": list(record.notes),
            "trials": [_trial_json(t) for t in record.trials],
            "created_by": record.created_by,
        }
    return data


def _trial_json(trial: TrialRecord) -> dict[str, Any]:
    return {
        "number": trial.number,
        "family": trial.family,
        "phase": trial.phase,
        "status": trial.status,
        "params": trial.params,
        "fold_scores": list(trial.fold_scores),
        "mean": trial.mean,
        "std": trial.std,
        "fit_time_s": trial.fit_time_s,
        "predict_ms_per_1k": trial.predict_ms_per_1k,
        "message": trial.message,
    }


def _score(run: Run) -> str:
    cv = run.record.result.get("cv_score")
    return "" if not cv else f"{cv['mean']:.4f} ± {cv['std']:.4f}"


def print_run_list(runs: list[Run]) -> None:
    """A table of runs, newest first."""
    from rich.table import Table

    if not runs:
        stdout().print("No runs yet. Train with: mlwright train DATASET --target COLUMN")
        return
    table = Table(title="Runs")
    for header in ("id", "status", "dataset", "target", "task", "metric", "CV score", "started"):
        table.add_column(header)
    for run in runs:
        r = run.record
        table.add_row(
            r.id,
            r.status,
            r.dataset_ref,
            r.target,
            r.task_type or "",
            r.metric or "",
            _score(run),
            r.started_at.strftime("%Y-%m-%d %H:%M"),
        )
    stdout().print(table)


def print_run(run: Run, *, notes: bool = True) -> None:
    """A run's summary, leaderboard, test metrics with intervals, cost and (``notes``) notes."""
    from rich.markup import escape

    r = run.record
    console = stdout()
    console.print(f"[bold]Run {r.id}[/] ({r.status}) on {r.dataset_ref}, target {r.target!r}")
    if r.task_type:
        console.print(f"task: {r.task_type}; metric: {r.metric} (cross-validated {_score(run)})")
    if r.error:
        console.print(f"[red]error:[/] {escape(r.error)}")
    chosen = r.result.get("chosen")
    if chosen:
        members = ", ".join(
            f"#{m['candidate']} {m['family']} x{m['weight']:.2f}" for m in chosen["members"]
        )
        console.print(f"model: {chosen['kind']} of {members}")
    print_leaderboard(run)
    print_test_metrics(run)
    cost = r.result.get("cost")
    if cost:
        matrix = ", ".join(f"{k}={v:g}" for k, v in cost["matrix"].items() if v)
        console.print(
            f"cost ({matrix}): threshold {cost['threshold']:.3f}; expected cost per row "
            f"{cost.get('test_cost_per_row', cost['cv_cost_per_row']):.4f} on the test set "
            f"({cost['cv_cost_per_row']:.4f} in cross-validation)"
        )
    for note in r.notes if notes else ():
        console.print(f"[dim]note:[/] {escape(note)}", soft_wrap=True)


def print_leaderboard(run: Run, limit: int = LEADERBOARD_ROWS) -> None:
    """The best candidates with mean ± std over folds, fit time and prediction latency."""
    from rich.table import Table

    board = run.leaderboard
    if not board:
        return
    table = Table(title=f"Leaderboard ({len(board)} of {len(run.record.trials)} candidates)")
    for header in ("#", "family", "phase", run.record.metric or "score", "± std", "fit s", "ms/1k"):
        table.add_column(header, justify="left" if header in ("family", "phase") else "right")
    for t in board[:limit]:
        table.add_row(
            str(t.number),
            t.family,
            t.phase,
            f"{t.mean:.4f}",
            f"{t.std or 0:.4f}",
            f"{t.fit_time_s:.2f}",
            "" if t.predict_ms_per_1k is None else f"{t.predict_ms_per_1k:.1f}",
        )
    stdout().print(table)


def print_test_metrics(run: Run) -> None:
    """Test-set metrics with their 95% bootstrap intervals."""
    from rich.table import Table

    metrics = run.record.result.get("test_metrics") or []
    if not metrics:
        if run.status != "finished":
            stdout().print(f"No test metrics: the run is {run.status}.")
        else:
            stdout().print("No held-out test set (test size 0): cross-validated scores only.")
        return
    n_test = run.record.result.get("n_test", 0)
    table = Table(title=f"Test set ({n_test:,} rows), 95% bootstrap intervals")
    for header in ("metric", "value", "interval"):
        table.add_column(header, justify="right" if header != "metric" else "left")
    for m in metrics:
        table.add_row(m["name"], f"{m['value']:.4f}", f"[{m['low']:.4f}, {m['high']:.4f}]")
    stdout().print(table)
    matrix = run.record.result.get("confusion_matrix")
    classes = run.record.result.get("classes")
    if matrix and classes:
        print_confusion(matrix, classes)


def print_confusion(matrix: list[list[int]], classes: list[str]) -> None:
    """The confusion matrix: rows are true classes, columns predicted ones."""
    from rich.table import Table

    table = Table(title="Confusion matrix (rows: actual, columns: predicted)")
    table.add_column("")
    for label in classes:
        table.add_column(label, justify="right")
    for label, row in zip(classes, matrix, strict=True):
        table.add_row(label, *(f"{n:,}" for n in row))
    stdout().print(table)


def print_comparison(first: Run, second: Run) -> None:
    """Two runs side by side: setup, scores and test metrics."""
    from rich.table import Table

    a, b = first.record, second.record
    table = Table(title=f"Run {a.id} against run {b.id}")
    for header in ("", a.id, b.id):
        table.add_column(header)
    rows = [
        ("dataset", a.dataset_ref, b.dataset_ref),
        ("target", a.target, b.target),
        ("task", a.task_type or "", b.task_type or ""),
        ("metric", a.metric or "", b.metric or ""),
        ("budget s", str(a.config.get("time_budget_s")), str(b.config.get("time_budget_s"))),
        ("candidates", str(len(a.trials)), str(len(b.trials))),
        ("model", _model(first), _model(second)),
        ("CV score", _score(first), _score(second)),
    ]
    tests_a, tests_b = first.test_metrics, second.test_metrics
    for name in list(dict.fromkeys([*tests_a, *tests_b])):
        rows.append((f"test {name}", _metric(tests_a.get(name)), _metric(tests_b.get(name))))
    for row in rows:
        table.add_row(*row)
    stdout().print(table)


def _model(run: Run) -> str:
    chosen = run.record.result.get("chosen")
    if not chosen:
        return ""
    return " + ".join(m["family"] for m in chosen["members"])


def _metric(metric: dict[str, Any] | None) -> str:
    if metric is None:
        return ""
    return f"{metric['value']:.4f} [{metric['low']:.4f}, {metric['high']:.4f}]"
