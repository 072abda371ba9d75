"""Everything the CLI prints: errors, JSON, tables and progress; and the exit-code table."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mlwright.core.errors import MlwrightError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

    from mlwright.core.types import ProgressCallback


class ExitCode(IntEnum):
    """Exit codes of every command."""

    OK = 0
    CHECK_FAILED = 1  # a check ran and found a problem (later: drift)
    BAD_INPUT = 2  # bad arguments, bad data, unknown names
    INTERNAL = 3  # a bug or an unexpected environment failure


# Error classes and the exit code they map to; the first matching entry wins.
EXIT_CODES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (MlwrightError, ExitCode.BAD_INPUT),
)


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception, by the table above."""
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return ExitCode.INTERNAL


def stdout() -> Console:
    """A console on standard output."""
    from rich.console import Console

    return Console(highlight=False)


def stderr() -> Console:
    """A console on standard error, for errors and progress."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def print_error(exc: BaseException) -> None:
    """One readable error line (two with a hint), no traceback."""
    from rich.markup import escape

    console = stderr()
    # soft_wrap: a long path must not break the line at the terminal (or 80-column) width.
    if isinstance(exc, MlwrightError):
        console.print(f"[bold red]error:[/] {escape(exc.message)}", soft_wrap=True)
        if exc.hint:
            console.print(f"[dim]hint:[/] {escape(exc.hint)}", soft_wrap=True)
    else:
        console.print(
            f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}",
            soft_wrap=True,
        )
        console.print("[dim]hint:[/] run again with --debug for the traceback, and report it")


def print_warnings() -> None:
    """Show mlwright's warnings as one ``warning:`` line each, without file and line."""
    import warnings

    from rich.markup import escape

    from mlwright.core.errors import MlwrightWarning

    original = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, MlwrightWarning):
            stderr().print(f"[yellow]warning:[/] {escape(str(message))}", soft_wrap=True)
        else:
            original(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    msg = f"not JSON serialisable: {type(value).__name__}"
    raise TypeError(msg)


def print_json(data: Any) -> None:
    """Machine-readable output on standard output, nothing else."""
    sys.stdout.write(json.dumps(data, default=_default, indent=2) + "\n")


@contextmanager
def progress_status(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A spinner on standard error that shows the stage of long work."""
    from rich.markup import escape

    if not enabled or not sys.stderr.isatty():

        def report(stage: str, fraction: float | None = None) -> None:
            if enabled:
                stderr().print(f"[dim]… {escape(stage)}[/]", soft_wrap=True)

        yield report
        return
    with stderr().status("starting") as status:

        def update(stage: str, fraction: float | None = None) -> None:
            share = f" ({fraction:.0%})" if fraction is not None else ""
            status.update(f"{escape(stage)}{share}")

        yield update
