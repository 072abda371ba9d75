"""``mlwright train``: find the best model for a dataset's target within a time budget."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import print_json, stderr, stdout
from mlwright.cli.run_view import print_run, run_json
from mlwright.core.types import TrainingProgress


def train(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Argument(help="Dataset: NAME (latest) or NAME:VERSION.")],
    target: Annotated[str, typer.Option("--target", "-t", help="The column to predict.")] = ...,  # type: ignore[assignment]
    time_budget: Annotated[
        str, typer.Option("--time-budget", "-b", help="Seconds, or 90s, 2m, 1h.")
    ] = "60",
    task: Annotated[
        str | None, typer.Option(help="binary, multiclass or regression (default: inferred).")
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(help="Metric to optimise (default: roc_auc, log_loss or rmse by task)."),
    ] = None,
    cost: Annotated[
        str | None,
        typer.Option(help="Costs of errors, e.g. fp=1,fn=5: the threshold minimises them."),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(help="random, stratified, group:COLUMN or time:COLUMN (default: by task)."),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds.")] = 5,
    test_size: Annotated[
        float, typer.Option(help="Share of rows held out for the test set (0: none).")
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    deterministic: Annotated[
        bool,
        typer.Option(help="Count the budget in units of work, so runs repeat exactly."),
    ] = False,
    family: Annotated[
        list[str] | None,
        typer.Option("--family", help="Only this model family (repeatable)."),
    ] = None,
    keep_column: Annotated[
        list[str] | None,
        typer.Option("--keep-column", help="Keep a column even if it looks leaked (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run id.")] = False,
) -> None:
    """Train and evaluate models for TARGET, and record the run."""
    show = not (as_json or quiet)
    with workspace_from(ctx) as ws, training_progress(show) as (progress, on_note):
        run = ws.train(
            dataset,
            target=target,
            time_budget=time_budget,
            task=task,
            metric=metric,
            cost=cost,
            split=split,
            n_folds=folds,
            test_size=test_size,
            seed=seed,
            deterministic=deterministic,
            families=family,
            keep_columns=keep_column,
            progress=progress,
            on_note=on_note,
        )
    if as_json:
        print_json(run_json(run, full=True))
    elif quiet:
        stdout().print(run.id)
    else:
        print_run(run, notes=False)  # they were shown as the run made them


@contextmanager
def training_progress(
    enabled: bool,
) -> Iterator[tuple[TrainingProgress, Callable[[str], None]]]:
    """A progress bar of elapsed time against the budget, with trials and the best score."""
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = stderr()

    def note(text: str) -> None:
        if enabled:
            console.print(f"[dim]{escape(text)}[/]", soft_wrap=True)

    if not enabled or not sys.stderr.isatty():

        def quiet(**_: object) -> None:
            return None

        yield quiet, note
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task_id = bar.add_task("training", total=1.0)

        def update(
            *, stage: str, elapsed_s: float, budget_s: float, n_trials: int, best: float | None
        ) -> None:
            best_text = "" if best is None else f", best {best:.4f}"
            description = f"{escape(stage)}: {n_trials} candidates{best_text}"
            bar.update(task_id, description=description, completed=elapsed_s, total=budget_s)

        yield update, note
