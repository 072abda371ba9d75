"""How registered model versions look in the terminal and in JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlwright.cli.output import stdout

if TYPE_CHECKING:
    from mlwright.track.entities import AliasEvent, ModelVersionRecord


def version_json(v: ModelVersionRecord) -> dict[str, Any]:
    """A version as JSON."""
    return {
        "name": v.name,
        "version": v.version,
        "ref": v.ref,
        "aliases": list(v.aliases),
        "run_id": v.run_id,
        "task_type": v.task_type,
        "target": v.target,
        "metrics": v.metrics,
        "dataset": v.dataset_ref,
        "dataset_fingerprint": v.dataset_fingerprint,
        "package_key": v.package_key,
        "created_at": v.created_at,
        "created_by": v.created_by,
    }


def event_json(e: AliasEvent) -> dict[str, Any]:
    """An alias move as JSON."""
    return {
        "alias": e.alias,
        "version": e.version,
        "previous": e.previous,
        "moved_at": e.moved_at,
        "moved_by": e.moved_by,
    }


def _headline(v: ModelVersionRecord) -> str:
    metric = v.metrics.get("metric")
    value = v.metrics.get(f"test_{metric}")
    if metric is None or value is None:
        return ""
    return f"{metric} {value:.4f}"


def print_versions(versions: list[ModelVersionRecord]) -> None:
    """A table of versions, by name then version."""
    from rich.table import Table

    if not versions:
        stdout().print(
            "No registered models. Register a run with: mlwright models register RUN --name NAME"
        )
        return
    table = Table(title="Registered models")
    for header in (
        "model",
        "aliases",
        "run",
        "dataset",
        "target",
        "task",
        "test score",
        "registered",
    ):
        table.add_column(header)
    for v in versions:
        table.add_row(
            v.ref,
            ", ".join(v.aliases),
            v.run_id,
            v.dataset_ref,
            v.target,
            v.task_type,
            _headline(v),
            v.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    stdout().print(table)


def print_version(v: ModelVersionRecord, history: list[AliasEvent]) -> None:
    """One version: lineage, metrics and the alias history of its model."""
    from rich.markup import escape
    from rich.table import Table

    console = stdout()
    aliases = f"  aliases: {', '.join(v.aliases)}" if v.aliases else ""
    console.print(f"[bold]Model {escape(v.ref)}[/]{escape(aliases)}")
    console.print(
        f"  {v.task_type} model of {escape(v.target)!r}, trained by run {v.run_id} on "
        f"{escape(v.dataset_ref)} (fingerprint {v.dataset_fingerprint[:12]})"
    )
    console.print(
        f"  registered {v.created_at:%Y-%m-%d %H:%M} UTC by {escape(v.created_by or 'unknown')}"
        f"; package {v.package_key[:12]}"
    )
    metrics = Table(title="Metrics")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    for name, value in v.metrics.items():
        if isinstance(value, int | float):
            metrics.add_row(name, f"{value:.4f}")
        elif isinstance(value, dict) and "mean" in value:
            metrics.add_row(name, f"{value['mean']:.4f} ± {value.get('std') or 0:.4f}")
        elif value is not None:
            metrics.add_row(name, escape(str(value)))
    console.print(metrics)
    if history:
        moves = Table(title=f"Alias history of {v.name}")
        for header in ("when", "alias", "to", "from", "by"):
            moves.add_column(header)
        for e in history:
            moves.add_row(
                f"{e.moved_at:%Y-%m-%d %H:%M:%S}",
                e.alias,
                "removed" if e.version is None else str(e.version),
                "" if e.previous is None else str(e.previous),
                e.moved_by or "",
            )
        console.print(moves)
