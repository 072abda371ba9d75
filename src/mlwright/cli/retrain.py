"""``mlwright retrain NAME --data NEW``: a challenger replaces the champion only if better."""

from __future__ import annotations

from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import print_json, stderr, stdout


def retrain(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The registered model's name.")],
    data: Annotated[
        str, typer.Option("--data", help="New labelled data: a CSV, Parquet or JSON file.")
    ],
    alias: Annotated[
        str, typer.Option("--alias", help="The alias of the champion, moved if it loses.")
    ] = "production",
    margin: Annotated[
        float, typer.Option("--margin", help="How much better the challenger must score.")
    ] = 0.01,
    time_budget: Annotated[
        str | None,
        typer.Option("--time-budget", help="Training budget (default: the champion's)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Train a challenger on new data; promote it only if better on the same fresh holdout.

    Champion and challenger are scored on rows of the new data that neither trained on.
    """
    with workspace_from(ctx) as ws:
        if not as_json:
            stderr().print(f"[dim]… training a challenger to {name}@{alias} on {data}[/]")
        decision = ws.retrain(name, data, alias=alias, margin=margin, time_budget=time_budget)
    if as_json:
        print_json(decision.to_dict())
        return
    better = "higher" if decision.greater_is_better else "lower"
    lines = [
        f"{decision.metric} on {decision.holdout_rows:,} held-out rows ({better} is better):",
        f"  champion {decision.champion}: {decision.champion_score:.4f}",
        f"  challenger (run {decision.challenger_run}): {decision.challenger_score:.4f}",
    ]
    if decision.promoted:
        lines.append(
            f"Promoted: {decision.new_version} is now {name}@{alias} "
            f"(better by {decision.improvement:.4f} >= {decision.margin})."
        )
    else:
        lines.append(
            f"Kept {decision.champion}: the challenger is better by {decision.improvement:.4f}, "
            f"not the {decision.margin} required."
        )
    stdout().print("\n".join(lines), markup=False, highlight=False)
