"""The command line as a whole: version, help everywhere, exit codes, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlwright import __version__
from mlwright.cli.main import app

MLWRIGHT = str(Path(sys.executable).parent / "mlwright")
COMMANDS = [
    ["ingest"],
    ["demo"],
    ["datasets"],
    ["datasets", "list"],
    ["datasets", "show"],
    ["datasets", "delete"],
]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MLWRIGHT, *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"mlwright {__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("no-such-command", cwd=tmp_path)
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    result = run_cli("--workspace", str(tmp_path / "ws"), "ingest", "missing.csv", "-n", "x")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "error: no file at 'missing.csv'"
    assert lines[1].startswith("hint:")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run_cli("--debug", "--workspace", str(tmp_path), "ingest", "missing.csv", "-n", "x")
    assert result.returncode != 0
    assert "Traceback" in result.stderr
    assert "SourceNotFoundError" in result.stderr


def test_workspace_from_environment(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\n2,y\n")
    env_ws = tmp_path / "env-ws"
    result = subprocess.run(
        [MLWRIGHT, "ingest", str(data), "-n", "d", "-q"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MLWRIGHT_WORKSPACE": str(env_ws)},
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "d:1"
    assert (env_ws / "mlwright.db").exists()
