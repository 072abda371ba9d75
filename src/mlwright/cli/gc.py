"""``mlwright gc``: delete failed and old runs and unreferenced artifacts."""

from __future__ import annotations

from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import print_json, stdout


def gc(
    ctx: typer.Context,
    keep_last: Annotated[
        int | None,
        typer.Option(
            "--keep-last",
            help="Keep the N newest finished runs per dataset; delete older unregistered ones.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would go and the space freed.")
    ] = False,
    min_age: Annotated[
        str,
        typer.Option(
            "--min-age", help="Spare unreferenced artifacts younger than this (e.g. 1h, 0)."
        ),
    ] = "1h",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Delete failed runs, old runs (--keep-last) and artifacts nothing refers to.

    Registered model versions, the runs they came from, dataset versions and anything an
    alias points to are never deleted.
    """
    from mlwright.workspace.gc import collect, parse_age, plan

    with workspace_from(ctx) as ws:
        found = plan(ws, keep_last=keep_last, min_age_s=parse_age(min_age))
        if not dry_run:
            collect(ws, found)
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "runs": [r.id for r in found.runs],
                "artifacts": [key for key, _ in found.artifacts],
                "bytes_freed": found.bytes_freed,
            }
        )
        return
    console = stdout()
    verb = "Would delete" if dry_run else "Deleted"
    for run in found.runs:
        console.print(
            f"  run {run.id} ({run.status}, {run.dataset_ref}, {run.started_at:%Y-%m-%d %H:%M})"
        )
    for key, size in found.artifacts:
        console.print(f"  artifact {key[:16]} ({size / 1e6:.1f} MB)")
    console.print(
        f"{verb} {len(found.runs)} run(s) and {len(found.artifacts)} artifact(s), "
        f"freeing {found.bytes_freed / 1e6:.1f} MB."
    )
