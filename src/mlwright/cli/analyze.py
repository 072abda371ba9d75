"""``mlwright analyze REF --data FILE``: where and why a model fails, on labelled data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import print_json, stderr, stdout

if TYPE_CHECKING:
    from mlwright.insight.analyze import Analysis


def analyze(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A model: NAME, NAME:VERSION or NAME@ALIAS.")],
    data: Annotated[
        str, typer.Option("--data", help="Labelled rows: a CSV, Parquet or JSON file.")
    ],
    shifts: Annotated[
        bool, typer.Option("--shifts", help="Also score it on simulated shifts of the data.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Find the data slices where the model does worse, its worst rows, and what to do."""
    with workspace_from(ctx) as ws:
        if not as_json:
            stderr().print(f"[dim]… analysing {ref} on {data}[/]")
        found = ws.analyze(ref, data, shifts=shifts)
    if as_json:
        print_json(found.to_dict())
        return
    print_analysis(found)


def print_analysis(found: Analysis) -> None:
    """The analysis for people: slices, drivers, worst rows, next steps."""
    from rich.table import Table

    console = stdout()
    console.print(
        f"{found.model} on {found.n_rows:,} labelled rows: {found.metric} "
        f"{found.metric_value:.4g}, {found.loss_name} {found.overall_loss:.3g}",
        highlight=False,
    )
    if found.slices:
        table = Table(title=f"Where it does worse ({found.loss_name})")
        for name in ("slice", "rows", found.loss_name, "95% interval", "rest", "p"):
            table.add_column(name, justify="left" if name == "slice" else "right")
        for s in found.slices:
            table.add_row(
                s.rule,
                f"{s.n_rows:,}",
                f"{s.loss:.3g}",
                f"{s.low:.3g} to {s.high:.3g}",
                f"{s.rest_loss:.3g}",
                f"{s.p_value:.1e}",
            )
        console.print(table)
    else:
        console.print("No slice does significantly worse than the rest.")
    if found.drivers:
        console.print("Errors move most with:")
        for d in found.drivers:
            console.print(f"  {d.column}: {d.strength:.1%} of their variance; {d.how}")
    if found.shifts:
        console.print(
            f"Under simulated shifts ({found.metric}, {found.shifts[0].baseline:.4g} as is):"
        )
        for r in found.shifts:
            console.print(f"  {r.scenario}: {r.value:.4g} ({r.change:+.4g})", highlight=False)
    console.print("Next steps:")
    for line in found.suggestions:
        console.print(f"  • {line}", markup=False, highlight=False)
