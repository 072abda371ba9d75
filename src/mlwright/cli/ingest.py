"""``mlwright ingest``: read a file, glob, SQL query or database table into a dataset."""

from __future__ import annotations

from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.dataset_view import dataset_json, print_dataset
from mlwright.cli.output import print_json, progress_status, stdout


def ingest(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Argument(
            help="A file or glob (CSV/TSV, Parquet, JSON/NDJSON, Excel).", show_default=False
        ),
    ] = None,
    name: Annotated[str, typer.Option("--name", "-n", help="Dataset name.")] = ...,  # type: ignore[assignment]
    sql: Annotated[
        str | None, typer.Option("--sql", help="A SQL query to run (with --from).")
    ] = None,
    from_uri: Annotated[
        str | None,
        typer.Option("--from", help="Database URI or DuckDB/SQLite file the --sql query runs on."),
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="csv, parquet, json or excel (default: from suffix)."),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter (default: detected).")
    ] = None,
    header: Annotated[
        bool | None, typer.Option("--header/--no-header", help="Whether a CSV has a header row.")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (default: detected).")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet (default: the first).")] = None,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="Override a column's role: COLUMN=ROLE (repeatable)."),
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="Column to be predicted; others are checked for leakage.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the reference.")] = False,
) -> None:
    """Ingest data into a new dataset version, with its schema and profile."""
    from mlwright.core.errors import ConfigError
    from mlwright.data.schema import parse_role_options

    if sql is not None and from_uri is None:
        msg = "--sql needs --from DATABASE_URI"
        raise ConfigError(msg, hint="e.g. --from postgresql://host/db")
    if sql is None and source is None:
        msg = "name a SOURCE file or glob, or pass --sql and --from"
        raise ConfigError(msg, hint="see --help")
    roles = parse_role_options(role or [])
    with workspace_from(ctx) as ws, progress_status(not (as_json or quiet)) as progress:
        result = ws.ingest(
            from_uri if sql is not None else source,
            name=name,
            sql=sql,
            file_format=file_format,
            delimiter=delimiter,
            header=header,
            encoding=encoding,
            sheet=sheet,
            roles=roles,
            target=target,
            progress=progress,
        )
    ds = result.dataset
    if as_json:
        print_json({**dataset_json(ds, full=True), "is_new": result.is_new})
    elif quiet:
        stdout().print(ds.ref)
    else:
        if not result.is_new:
            stdout().print(f"[yellow]Identical to {ds.ref}; nothing added.[/]")
        print_dataset(ds)
