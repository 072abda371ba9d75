"""``mlwright monitor REF``: drift and performance of a model on current data, for people and cron.

Exit codes: 0 healthy, 1 drift or degradation found, 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import ExitCode, print_json, stderr, stdout

if TYPE_CHECKING:
    from mlwright.monitor.check import MonitorReport

# Columns the table shows besides the drifted ones (the most important first).
SHOWN_ROWS = 8


def monitor(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A model: NAME, NAME:VERSION or NAME@ALIAS.")],
    current: Annotated[
        str | None, typer.Option("--current", help="Current data: a CSV, Parquet or JSON file.")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Current data: a dataset, NAME[:VERSION].")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Current data: the serving log of the last 30m, 24h, 7d..."),
    ] = None,
    time_column: Annotated[
        str | None,
        typer.Option("--time-column", help="With labels: performance per day or hour by this."),
    ] = None,
    alpha: Annotated[
        float, typer.Option("--alpha", help="Chance of any false drift alarm on unchanged data.")
    ] = 0.01,
    min_psi: Annotated[
        float, typer.Option("--min-psi", help="PSI below which a drift is negligible.")
    ] = 0.005,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Acceptable drop of the model's metric.")
    ] = 0.02,
    multivariate: Annotated[
        bool,
        typer.Option(
            "--multivariate/--no-multivariate", help="Also test all columns at once (slower)."
        ),
    ] = True,
    webhook: Annotated[
        str | None,
        typer.Option("--alert-webhook", help="POST each finding as JSON to this URL."),
    ] = None,
    command: Annotated[
        str | None,
        typer.Option("--alert-command", help="Run this command per finding, JSON on stdin."),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the report as an HTML page here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Check a model's inputs, predictions and performance on current data."""
    from mlwright.monitor.alerts import alert_bodies, check_webhook, run_command, send_webhook
    from mlwright.monitor.check import MonitorConfig
    from mlwright.monitor.drift import DriftConfig

    if webhook is not None:
        check_webhook(webhook)  # refuse a bad URL before the work
    config = MonitorConfig(
        drift=DriftConfig(alpha=alpha, min_psi=min_psi),
        multivariate=multivariate,
        tolerance=tolerance,
    )
    with workspace_from(ctx) as ws:
        if not as_json:
            stderr().print(f"[dim]… checking {ref}[/]")
        report = ws.monitor(
            ref,
            current=current,
            dataset=dataset,
            since=since,
            config=config,
            time_column=time_column,
        )
    data = report.to_dict()
    if html is not None:
        from mlwright.monitor.html import write_html

        written = write_html(data, html)
        if not as_json:
            stderr().print(f"[dim]wrote {written}[/]")
    bodies = alert_bodies(data)
    sent = []
    if webhook is not None:
        sent += send_webhook(webhook, bodies)
    if command is not None:
        sent += run_command(command, bodies)
    for failed in (a for a in sent if not a.ok):
        stderr().print(f"[yellow]alert to {failed.target} failed:[/] {failed.error}")
    if as_json:
        data["alerts"] = [{"target": a.target, "subject": a.subject, "ok": a.ok} for a in sent]
        print_json(data)
    else:
        print_report(report)
    if not report.healthy:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def print_report(report: MonitorReport) -> None:
    """The report for people: the verdict, a table of columns, performance and findings."""
    from rich.table import Table

    console = stdout()
    verdict = {"healthy": "[green]healthy[/]", "drift": "[red]drift[/]"}.get(
        report.status, "[red]degraded[/]"
    )
    console.print(
        f"{report.model}: {verdict} — {report.current} ({report.n_current:,} rows) against "
        f"{report.reference} ({report.n_reference:,} rows)"
    )
    table = Table(title="Columns, drifted first, then by the model's sensitivity")
    for name in ("column", "PSI", "limit", "weight", "missing", "change"):
        table.add_column(name, justify="right" if name in ("PSI", "limit", "weight") else "left")
    features = report.drift.features
    shown: list[Any] = [f for f in features if f.drifted] or []
    shown += [f for f in features if not f.drifted][: max(0, SHOWN_ROWS - len(shown))]
    if report.prediction is not None:
        shown.append(report.prediction)
    for f in shown:
        mark = "[red]" if f.drifted else ""
        missing = f"{f.missing_reference:.0%} -> {f.missing_current:.0%}"
        table.add_row(
            f"{mark}{f.column}",
            f"{mark}{f.statistic:.3f}",
            f"{f.threshold:.3f}",
            "" if f.importance is None else f"{f.importance:.0%}",
            missing if f.missing_reference or f.missing_current else "",
            f.summary,
        )
    hidden = len(features) - (len(shown) - (report.prediction is not None))
    if hidden > 0:
        table.caption = f"{hidden} more columns, none drifted (--json lists them all)"
    console.print(table)
    if report.multivariate is not None:
        m = report.multivariate
        console.print(f"all columns at once: AUC {m.auc:.3f} (0.5 = no difference)")
    if report.performance is not None:
        p = report.performance
        how = "" if p.measured else " (no labels)"
        expected = "" if p.expected is None else f", expected {p.expected:.3f}"
        console.print(f"{p.metric}{how}: {p.value:.3f} [{p.low:.3f}, {p.high:.3f}]{expected}")
    if report.windows:
        console.print("by time window:")
    for window in report.windows:
        w = window.check
        line = (
            f"  {window.start} .. {window.end}: {w.value:.3f} [{w.low:.3f}, {w.high:.3f}] "
            f"on {w.n_rows:,} rows" + ("  degraded" if w.degraded else "")
        )
        console.print(line, markup=False, highlight=False, style="red" if w.degraded else None)
    for finding in report.findings:
        console.print(f"[red]•[/] {finding.message}", markup=True, highlight=False)
