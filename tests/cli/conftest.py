"""Ways to run the ``mlwright`` command in tests, all against a workspace in ``tmp_path``.

``cli`` invokes the Typer app with ``CliRunner`` (the usual way); errors surface there as
exceptions, because turning them into one line and an exit code is the job of
``mlwright.cli.main.run``, the console script. ``run_cli`` calls ``run`` itself, for the exit
codes and messages users see.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner, Result

from mlwright.cli.main import app, run

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from mlwright.workspace import Workspace


@dataclass(frozen=True)
class RunResult:
    """What ``run`` left: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        """The lines of standard error that report an error."""
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def ws_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The workspace folder every command here is pointed at, run from ``tmp_path``.

    No MLWRIGHT_* variable or mlwright.toml of the machine changes what a command does.
    """
    for variable in ("MLWRIGHT_WORKSPACE", "MLWRIGHT_STORE_URI", "MLWRIGHT_DEBUG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "ws"


@pytest.fixture
def cli(ws_path: Path) -> Callable[..., Result]:
    """Invoke the app in-process with ``--workspace ws_path``."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--workspace", str(ws_path), *args], input=input)

    return invoke


@pytest.fixture
def run_cli(
    ws_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., RunResult]:
    """Run the console-script entry point in-process and collect its exit code and output."""

    def invoke(*args: str) -> RunResult:
        monkeypatch.setattr(sys, "argv", ["mlwright", "--workspace", str(ws_path), *args])
        with pytest.raises(SystemExit) as exit_info:
            run()
        out, err = capsys.readouterr()
        code = exit_info.value.code
        return RunResult(code if isinstance(code, int) else 1, out, err)

    return invoke


@pytest.fixture
def open_workspace(ws_path: Path) -> Iterator[Callable[[], Workspace]]:
    """Open the workspace the commands used, to check what they left (closed afterwards)."""
    from mlwright.workspace import Workspace

    opened: list[Workspace] = []

    def open_() -> Workspace:
        opened.append(Workspace(ws_path))
        return opened[-1]

    yield open_
    for ws in opened:
        ws.close()
