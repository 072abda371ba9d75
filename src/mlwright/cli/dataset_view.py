"""How datasets look on the terminal and in ``--json`` output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlwright.cli.output import stdout

if TYPE_CHECKING:
    from mlwright.data.dataset import Dataset
    from mlwright.data.profile import ColumnProfile

MAX_TOP_SHOWN = 3


def dataset_json(ds: Dataset, *, full: bool = False) -> dict[str, Any]:
    """A JSON-ready summary; ``full`` adds the schema and the profile."""
    data: dict[str, Any] = {
        "ref": ds.ref,
        "name": ds.name,
        "version": ds.version,
        "fingerprint": ds.fingerprint,
        "n_rows": ds.n_rows,
        "n_columns": len(ds.schema.columns),
        "size_bytes": ds.size_bytes,
        "source": ds.source,
        "created_at": ds.created_at,
        "created_by": ds.created_by,
        "uri": ds.uri,
    }
    if full:
        data["schema"] = ds.schema.to_dict()
        data["profile"] = ds.profile.to_dict()
    return data


def print_dataset_list(datasets: list[Dataset]) -> None:
    """A table of dataset versions."""
    from rich.table import Table

    if not datasets:
        stdout().print("No datasets yet. Add one with: mlwright ingest FILE --name NAME")
        return
    table = Table(title="Datasets")
    for header in ("ref", "rows", "columns", "size", "created", "source"):
        table.add_column(header, justify="right" if header in ("rows", "columns") else "left")
    for ds in datasets:
        table.add_row(
            ds.ref,
            f"{ds.n_rows:,}",
            str(len(ds.schema.columns)),
            _size(ds.size_bytes),
            ds.created_at.strftime("%Y-%m-%d %H:%M"),
            ds.source,
        )
    stdout().print(table)


def print_dataset(ds: Dataset) -> None:
    """The schema and profile of one dataset version, with its warnings."""
    from rich.markup import escape
    from rich.table import Table

    console = stdout()
    console.print(
        f"[bold]{escape(ds.ref)}[/]  {ds.n_rows:,} rows x {len(ds.schema.columns)} columns  "
        f"({_size(ds.size_bytes)}, fingerprint {ds.fingerprint[:12]})"
    )
    console.print(
        f"[dim]source: {escape(ds.source)}; created {ds.created_at:%Y-%m-%d %H:%M} "
        f"by {escape(ds.created_by or 'unknown')}[/]"
    )
    table = Table(title="Schema and profile")
    for header in ("column", "role", "type", "missing", "distinct", "summary"):
        table.add_column(header, justify="right" if header in ("missing", "distinct") else "left")
    for column in ds.profile.columns:
        table.add_row(
            escape(column.name),
            column.role.value,
            column.dtype,
            f"{column.missing_share:.1%}",
            f"{column.n_distinct:,}",
            escape(_summary(column)),
        )
    console.print(table)
    if ds.profile.warnings:
        console.print("[bold yellow]Warnings[/]")
        for warning in ds.profile.warnings:
            console.print(f"  [yellow]![/] {escape(warning.message)}")
    else:
        console.print("[green]No data-quality warnings.[/]")


def _summary(column: ColumnProfile) -> str:
    from mlwright.data.profile import format_value

    if column.top_values:
        total = sum(c for _, c in column.top_values)
        shown = ", ".join(f"{v} ({c:,})" for v, c in column.top_values[:MAX_TOP_SHOWN])
        more = " …" if len(column.top_values) > MAX_TOP_SHOWN or total < column.n_distinct else ""
        return shown + more
    if column.mean is not None:
        low = format_value(column.min, column.role)
        high = format_value(column.max, column.role)
        mean = format_value(column.mean, column.role)
        return f"min {low}  mean {mean}  max {high}"
    return ""


def _size(n_bytes: int) -> str:
    size = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
