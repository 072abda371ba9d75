"""``mlwright runs list | show | compare | delete``."""

from __future__ import annotations

from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import print_json, stdout
from mlwright.cli.run_view import print_comparison, print_run, print_run_list, run_json

app = typer.Typer(help="List, show, compare and delete training runs.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
RunArgument = Annotated[str, typer.Argument(help="A run id (or a unique prefix of it).")]


@app.command("list")
def list_runs(
    ctx: typer.Context,
    dataset: Annotated[str | None, typer.Option(help="Only runs on this dataset name.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List runs, newest first."""
    with workspace_from(ctx) as ws:
        runs = ws.runs(dataset)
        if as_json:
            print_json([run_json(r) for r in runs])
        else:
            print_run_list(runs)


@app.command("show")
def show(ctx: typer.Context, run_id: RunArgument, as_json: JsonOption = False) -> None:
    """Show a run: leaderboard, test metrics with intervals, cost, notes."""
    with workspace_from(ctx) as ws:
        run = ws.run(run_id)
        if as_json:
            print_json(run_json(run, full=True))
        else:
            print_run(run)


@app.command("compare")
def compare(
    ctx: typer.Context, first: RunArgument, second: RunArgument, as_json: JsonOption = False
) -> None:
    """Compare two runs side by side."""
    with workspace_from(ctx) as ws:
        a, b = ws.run(first), ws.run(second)
        if as_json:
            print_json([run_json(a), run_json(b)])
        else:
            print_comparison(a, b)


@app.command("delete")
def delete(
    ctx: typer.Context,
    run_id: RunArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a run and its model."""
    with workspace_from(ctx) as ws:
        run = ws.run(run_id)
        if not yes and not typer.confirm(f"Delete run {run.id}?"):
            raise typer.Abort
        deleted = ws.delete_run(run.id)
        if as_json:
            print_json(run_json(deleted))
        else:
            stdout().print(f"Deleted run {deleted.id}.")
