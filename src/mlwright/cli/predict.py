"""``mlwright predict REF INPUT -o OUTPUT``: score a file with a registered model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import print_json, stderr, stdout


def predict(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(help="A model: NAME, NAME:VERSION, NAME@ALIAS, or a package file."),
    ],
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="CSV, Parquet or JSON file (or a glob).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="A .csv or .parquet file.")],
    keep: Annotated[
        list[str] | None,
        typer.Option("--keep", "-k", help="An input column to copy to the output (repeatable)."),
    ] = None,
    batch_rows: Annotated[
        int, typer.Option("--batch-rows", help="Rows scored at a time (bounds memory).")
    ] = 200_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Score every row of INPUT and write the predictions (and class probabilities)."""
    from mlwright.serve.batch import output_format, score_file

    output_format(output)  # refuse a bad output name before loading anything
    with workspace_from(ctx) as ws:
        model = ws.load_model(ref)
    console = stderr()
    show = not quiet and not as_json

    def progress(rows: int) -> None:
        if show:
            console.print(f"[dim]… scored {rows:,} rows[/]")

    result = score_file(
        model, input_path, output, keep=keep or [], batch_rows=batch_rows, progress=progress
    )
    if as_json:
        print_json(
            {
                "model": model.source.ref,
                "output": result.output,
                "rows": result.n_rows,
                "columns": list(result.columns),
            }
        )
        return
    done = f"Scored {result.n_rows:,} rows with {model.source.ref}; wrote {result.output}"
    stdout().print(done, soft_wrap=True, markup=False)  # a long path must stay one line
