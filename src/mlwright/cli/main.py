"""The ``mlwright`` command: global options, command groups, and error handling."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from mlwright import __version__
from mlwright.cli import datasets, models, runs
from mlwright.cli.analyze import analyze
from mlwright.cli.context import GlobalOptions
from mlwright.cli.demo import demo
from mlwright.cli.gc import gc
from mlwright.cli.ingest import ingest
from mlwright.cli.monitor import monitor
from mlwright.cli.predict import predict
from mlwright.cli.report import report
from mlwright.cli.retrain import retrain
from mlwright.cli.serve import serve
from mlwright.cli.train import train
from mlwright.cli.ui import ui

app = typer.Typer(
    name="mlwright",
    help="The work of a machine-learning engineer, end to end.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("ingest")(ingest)
app.add_typer(datasets.app, name="datasets")
app.command("train")(train)
app.add_typer(runs.app, name="runs")
app.add_typer(models.app, name="models")
app.command("predict")(predict)
app.command("serve")(serve)
app.command("monitor")(monitor)
app.command("retrain")(retrain)
app.command("analyze")(analyze)
app.command("report")(report)
app.command("gc")(gc)
app.command("demo")(demo)
app.command("ui")(ui)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlwright {__version__}")
        raise typer.Exit


@app.callback()
def main(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            envvar="MLWRIGHT_WORKSPACE",
            help="Workspace folder (default: ./.mlwright).",
            show_default=False,
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            envvar="MLWRIGHT_STORE_URI",
            help="Metadata store URI, e.g. postgresql+psycopg://host/db (default: SQLite).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Global options apply to every command."""
    ctx.obj = GlobalOptions(workspace=workspace, store_uri=store, debug=debug)


def run() -> None:
    """Entry point: run the app, turning errors into one readable line and an exit code."""
    from mlwright.cli.output import ExitCode, exit_code_for, print_error, print_warnings

    print_warnings()
    debug = "--debug" in sys.argv or os.environ.get("MLWRIGHT_DEBUG") == "1"
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        code = ExitCode.BAD_INPUT
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        code = 130
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"error: {exc.format_message()}", err=True)
        code = ExitCode.BAD_INPUT
    except Exception as exc:
        if debug:
            raise
        print_error(exc)
        code = exit_code_for(exc)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()
