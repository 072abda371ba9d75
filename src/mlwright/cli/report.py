"""``mlwright report RUN|REF [-o FILE]``: a model explained on one page, with its JSON twin."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import stderr, stdout


def report(
    ctx: typer.Context,
    subject: Annotated[
        str, typer.Argument(help="A run id, or a model: NAME, NAME:VERSION or NAME@ALIAS.")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="The HTML file to write (default: report-SUBJECT.html)."
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            "--data", help="Labelled rows to score it on (default: the rows its run held out)."
        ),
    ] = None,
    shifts: Annotated[
        bool, typer.Option("--shifts/--no-shifts", help="Simulate shifts of the data.")
    ] = True,
) -> None:
    """Write a self-contained HTML report (and its JSON twin) that anyone can read offline."""
    page = output or Path(f"report-{re.sub(r'[^A-Za-z0-9_.-]+', '-', subject)}.html")
    with workspace_from(ctx) as ws:
        stderr().print(f"[dim]… scoring {subject} and writing the report[/]")
        facts = ws.report(subject, page, data=data, shifts=shifts)
    console = stdout()
    for sentence in facts["summary"]:
        console.print(sentence, markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"Wrote {page} and its JSON twin {page.with_suffix('.json')}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
