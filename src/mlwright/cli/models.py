"""``mlwright models register | list | show | alias | delete | export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.model_view import event_json, print_version, print_versions, version_json
from mlwright.cli.output import print_json, stdout

app = typer.Typer(
    help="Register runs as model versions, move aliases, show, delete and export models.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
RefArgument = Annotated[
    str, typer.Argument(help="A model: NAME (latest), NAME:VERSION or NAME@ALIAS.")
]


@app.command("register")
def register(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="A finished run's id (or a unique prefix).")],
    name: Annotated[str, typer.Option("--name", "-n", help="The model's name.")],
    alias: Annotated[
        str | None, typer.Option("--alias", "-a", help="Also point this alias at it.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Package a run's model and register it as the next version of NAME."""
    with workspace_from(ctx) as ws:
        version = ws.register(run_id, name, alias=alias)
        if as_json:
            print_json(version_json(version))
            return
        extra = f" (alias {alias})" if alias else ""
        stdout().print(f"Registered run {version.run_id} as {version.ref}{extra}.")


@app.command("list")
def list_models(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only versions of this model.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List registered model versions."""
    with workspace_from(ctx) as ws:
        versions = ws.model_versions(name)
        if as_json:
            print_json([version_json(v) for v in versions])
        else:
            print_versions(versions)


@app.command("show")
def show(ctx: typer.Context, ref: RefArgument, as_json: JsonOption = False) -> None:
    """Show a version: lineage, metrics and alias history."""
    with workspace_from(ctx) as ws:
        version = ws.model_version(ref)
        history = ws.alias_history(version.name)
        if as_json:
            print_json({**version_json(version), "alias_history": [event_json(e) for e in history]})
        else:
            print_version(version, history)


@app.command("alias")
def alias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The model's name.")],
    version: Annotated[int, typer.Argument(help="The version the alias should point to.")],
    alias_name: Annotated[str, typer.Argument(metavar="ALIAS", help="e.g. production.")],
    as_json: JsonOption = False,
) -> None:
    """Point ALIAS of NAME at VERSION (moving it from where it pointed)."""
    with workspace_from(ctx) as ws:
        event = ws.set_alias(name, version, alias_name)
        if as_json:
            print_json({"name": name, **event_json(event)})
            return
        moved = "" if event.previous is None else f" (was {event.previous})"
        stdout().print(f"{name}@{alias_name} -> version {version}{moved}.")


@app.command("unalias")
def unalias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The model's name.")],
    alias_name: Annotated[str, typer.Argument(metavar="ALIAS", help="The alias to remove.")],
) -> None:
    """Remove ALIAS from NAME (the move is kept in the history)."""
    with workspace_from(ctx) as ws:
        event = ws.set_alias(name, None, alias_name)
        stdout().print(f"Removed {name}@{alias_name} (pointed to version {event.previous}).")


@app.command("delete")
def delete(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME:VERSION, or NAME for every version.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a version (or every version) and its package; aliased versions are refused."""
    with workspace_from(ctx) as ws:
        if not yes and not typer.confirm(f"Delete model {ref}?"):
            raise typer.Abort
        deleted = ws.delete_model(ref)
        if as_json:
            print_json([version_json(v) for v in deleted])
        else:
            stdout().print(f"Deleted {', '.join(v.ref for v in deleted)}.")


@app.command("export")
def export(
    ctx: typer.Context,
    ref: RefArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write, or a folder to write into.")
    ] = Path(),
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="package (a verified zip) or onnx.")
    ] = "package",
) -> None:
    """Write a model to a file: its package (load it with mlwright.load_model) or ONNX."""
    with workspace_from(ctx) as ws:
        path = ws.export_model(ref, output, format=fmt)
        stdout().print(f"Wrote {ref} as {fmt} to {path}", soft_wrap=True, markup=False)
