"""``mlwright datasets list | show | delete``."""

from __future__ import annotations

from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.dataset_view import dataset_json, print_dataset, print_dataset_list
from mlwright.cli.output import print_json, stdout

app = typer.Typer(help="List, show and delete datasets.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.command("list")
def list_datasets(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only versions of this name.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List dataset versions."""
    with workspace_from(ctx) as ws:
        datasets = ws.datasets(name)
        if as_json:
            print_json([dataset_json(ds) for ds in datasets])
        else:
            print_dataset_list(datasets)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME (latest) or NAME:VERSION.")],
    as_json: JsonOption = False,
) -> None:
    """Show a dataset's schema, profile and warnings."""
    with workspace_from(ctx) as ws:
        ds = ws.dataset(ref)
        if as_json:
            print_json(dataset_json(ds, full=True))
        else:
            print_dataset(ds)


@app.command("delete")
def delete(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME (every version) or NAME:VERSION.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a dataset version, or every version of a name."""
    with workspace_from(ctx) as ws:
        doomed = [ws.dataset(ref)] if ":" in ref else ws.datasets(ref)
        if not doomed:
            ws.dataset(ref)  # raises the not-found error that names the known datasets
        refs = ", ".join(ds.ref for ds in doomed)
        if not yes and not typer.confirm(f"Delete {refs}?"):
            raise typer.Abort
        deleted = ws.delete_dataset(ref)
        if as_json:
            print_json([dataset_json(ds) for ds in deleted])
        else:
            stdout().print(f"Deleted {', '.join(ds.ref for ds in deleted)}.")
