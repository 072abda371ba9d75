"""``mlwright ingest``: every format, its output, its options, and one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mlwright.core.errors import MalformedDataError
from mlwright.workspace import Workspace
from tests.data.samples import (
    BAD_INPUTS,
    FAR_LINE,
    GOOD_INPUTS,
    PEOPLE,
    BadInput,
    GoodInput,
    assert_workspace_empty,
    write_delimited,
    write_large_csv,
    write_xlsx,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from typer.testing import Result

    from tests.cli.conftest import RunResult

CONSOLE_SCRIPT = Path(sys.executable).with_name("mlwright")


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.mark.parametrize("case", GOOD_INPUTS.values(), ids=GOOD_INPUTS.keys())
def test_every_format_ingests_from_the_command_line(
    cli: Callable[..., Result],
    open_workspace: Callable[[], Workspace],
    tmp_path: Path,
    case: GoodInput,
) -> None:
    call = case.make(tmp_path)
    result = _ok(cli("ingest", *call.cli_args(), "--name", "people", "--json"))
    data = json.loads(result.stdout)
    assert data["ref"] == "people:1"
    assert data["is_new"] is True
    assert data["n_rows"] == len(PEOPLE["name"])
    assert [c["name"] for c in data["schema"]["columns"]] == list(case.expected)
    assert open_workspace().dataset("people:1").to_arrow().to_pydict() == case.expected


def test_ingest_prints_the_profile_and_the_next_step(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    result = _ok(cli("ingest", str(path), "--name", "people"))
    assert "people:1" in result.stdout
    assert "5 rows x 3 columns" in result.stdout
    assert "Schema and profile" in result.stdout
    assert "… reading" in result.stderr  # progress goes to standard error


def test_re_ingesting_identical_data_says_so(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    _ok(cli("ingest", str(path), "--name", "people"))
    again = _ok(cli("ingest", str(path), "--name", "people"))
    assert "Identical to people:1; nothing added." in again.stdout
    as_json = json.loads(_ok(cli("ingest", str(path), "--name", "people", "--json")).stdout)
    assert as_json["is_new"] is False
    assert as_json["ref"] == "people:1"


def test_a_changed_file_adds_a_version(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    assert _ok(cli("ingest", str(path), "-n", "people", "-q")).stdout == "people:1\n"
    write_delimited(path, {k: v[:3] for k, v in PEOPLE.items()})
    assert _ok(cli("ingest", str(path), "-n", "people", "-q")).stdout == "people:2\n"


def test_quiet_prints_only_the_reference(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    result = _ok(cli("ingest", str(path), "--name", "people", "--quiet"))
    assert result.stdout == "people:1\n"
    assert result.stderr == ""


def test_json_output_is_only_json(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    result = _ok(cli("ingest", str(path), "--name", "people", "--json"))
    data = json.loads(result.stdout)
    assert result.stderr == ""
    assert set(data) >= {"ref", "fingerprint", "n_rows", "n_columns", "schema", "profile", "uri"}
    assert data["source"] == str(path)
    assert data["profile"]["n_rows"] == 5


def test_role_overrides(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)

    def roles(name: str, *options: str) -> dict[str, str]:
        result = _ok(cli("ingest", str(path), "--name", name, "--json", *options))
        return {c["name"]: c["role"] for c in json.loads(result.stdout)["schema"]["columns"]}

    assert roles("inferred")["age"] == "numeric"
    assert roles("overridden", "--role", "age=identifier", "--role", "city=text") == {
        "name": "identifier",
        "age": "identifier",
        "city": "text",
    }


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("age=feature", "error: unknown role 'feature' for column 'age'"),
        ("agee=numeric", "error: --role names column 'agee', which the data does not have"),
        ("age", "error: --role expects COLUMN=ROLE, got 'age'"),
    ],
)
def test_bad_role_overrides_exit_2(
    run_cli: Callable[..., RunResult],
    open_workspace: Callable[[], Workspace],
    tmp_path: Path,
    role: str,
    message: str,
) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    result = run_cli("ingest", str(path), "--name", "people", "--role", role)
    assert result.exit_code == 2
    assert result.error_lines == [message]
    assert_workspace_empty(open_workspace())


def test_a_target_shows_leakage_warnings(cli: Callable[..., Result], tmp_path: Path) -> None:
    n = 200
    table = {
        "churned": ["yes", "no"] * (n // 2),
        "cancelled_on": [f"2024-05-{1 + i % 28:02d}" if i % 2 == 0 else "" for i in range(n)],
        "tenure": [(i * 7) % 36 for i in range(n)],
    }
    path = write_delimited(tmp_path / "churn.csv", table)
    result = _ok(cli("ingest", str(path), "-n", "churn", "--target", "churned"))
    assert "column 'cancelled_on' predicts the target 'churned' almost perfectly" in result.stdout
    assert "tenure' predicts" not in result.stdout
    data = json.loads(_ok(cli("datasets", "show", "churn", "--json")).stdout)
    assert data["profile"]["target"] == "churned"
    assert [w["column"] for w in data["profile"]["warnings"] if w["kind"] == "leakage"] == [
        "cancelled_on"
    ]


def test_an_unknown_target_exits_2(
    run_cli: Callable[..., RunResult], open_workspace: Callable[[], Workspace], tmp_path: Path
) -> None:
    path = write_delimited(tmp_path / "people.csv", PEOPLE)
    result = run_cli("ingest", str(path), "--name", "people", "--target", "churn")
    assert result.exit_code == 2
    assert result.error_lines == ["error: target column 'churn' is not in the data"]
    assert "hint: columns: name, age, city" in result.stderr
    assert_workspace_empty(open_workspace())


def test_delimiter_and_format_can_be_forced(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "export.dat", PEOPLE, delimiter="|")
    args = ["ingest", str(path), "--format", "csv", "--json"]
    assert json.loads(_ok(cli(*args, "-n", "piped")).stdout)["n_columns"] == 3
    forced = json.loads(_ok(cli(*args, "-n", "forced", "--delimiter", ",")).stdout)
    assert forced["n_columns"] == 1


def test_header_can_be_forced(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("10,20\n30,40\n")
    data = json.loads(_ok(cli("ingest", str(path), "-n", "codes", "--header", "--json")).stdout)
    assert [c["name"] for c in data["schema"]["columns"]] == ["10", "20"]
    assert data["n_rows"] == 1


def test_an_excel_sheet_can_be_chosen(cli: Callable[..., Result], tmp_path: Path) -> None:
    import openpyxl

    path = write_xlsx(tmp_path / "book.xlsx", PEOPLE, sheet="Summary")
    book = openpyxl.load_workbook(path)
    second = book.create_sheet("Raw")
    second.append(["k", "v"])
    second.append(["a", 1])
    book.save(path)
    data = json.loads(_ok(cli("ingest", str(path), "-n", "raw", "--sheet", "Raw", "--json")).stdout)
    assert [c["name"] for c in data["schema"]["columns"]] == ["k", "v"]


def test_an_unknown_excel_sheet_names_the_sheets(
    run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", PEOPLE, sheet="Summary")
    result = run_cli("ingest", str(path), "-n", "x", "--sheet", "Raw")
    assert result.exit_code == 2
    assert result.error_lines == [f"error: {path} has no sheet 'Raw'"]
    assert "hint: sheets: Summary" in result.stderr


def test_an_excel_sheet_with_only_a_header_is_empty(
    run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", {"a": [], "b": []})
    result = run_cli("ingest", str(path), "-n", "x")
    assert result.exit_code == 2
    assert result.error_lines == [f"error: sheet 'Sheet1' of {path} has no data rows"]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_exits_2_with_one_line_and_a_hint(
    run_cli: Callable[..., RunResult],
    open_workspace: Callable[[], Workspace],
    tmp_path: Path,
    case: BadInput,
) -> None:
    call = case.make(tmp_path)
    result = run_cli("ingest", *call.cli_args(), "--name", "bad")
    assert result.exit_code == 2
    (line,) = result.error_lines
    assert re.search(case.match, line), line
    assert [ln for ln in result.stderr.splitlines() if ln.startswith("hint: ")]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert_workspace_empty(open_workspace())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sql", "SELECT 1"], "error: --sql needs --from DATABASE_URI"),
        ([], "error: name a SOURCE file or glob, or pass --sql and --from"),
        (["people.csv", "--delimiter", ";;"], "error: a delimiter must be one character"),
        (["people.csv", "--name", "my data"], "error: invalid dataset name 'my data'"),
    ],
)
def test_bad_arguments_exit_2(
    run_cli: Callable[..., RunResult], tmp_path: Path, args: list[str], message: str
) -> None:
    write_delimited(tmp_path / "people.csv", PEOPLE)
    if "--name" not in args:
        args = [*args, "--name", "people"]
    result = run_cli("ingest", *args)
    assert result.exit_code == 2
    (line,) = result.error_lines
    assert line.startswith(message)


def test_a_missing_name_is_a_usage_error(run_cli: Callable[..., RunResult], tmp_path: Path) -> None:
    result = run_cli("ingest", str(write_delimited(tmp_path / "p.csv", PEOPLE)))
    assert result.exit_code == 2
    assert "--name" in result.stderr


def test_debug_shows_the_traceback(run_cli: Callable[..., RunResult], tmp_path: Path) -> None:
    call = BAD_INPUTS["ragged_row_early"].make(tmp_path)
    with pytest.raises(MalformedDataError, match="line 3"):
        run_cli("--debug", "ingest", call.source, "--name", "bad")


@pytest.mark.postgres
def test_a_postgresql_query_ingests_from_the_command_line(
    cli: Callable[..., Result], postgres_uri: str
) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_uri)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE people (name text, age int, city text)"))
        rows = [dict(zip(PEOPLE, r, strict=True)) for r in zip(*PEOPLE.values(), strict=True)]
        conn.execute(sa.text("INSERT INTO people VALUES (:name, :age, :city)"), rows)
    engine.dispose()
    plain = postgres_uri.replace("postgresql+psycopg://", "postgresql://")
    sql = "SELECT name, age, city FROM people ORDER BY age"
    result = _ok(cli("ingest", "--sql", sql, "--from", plain, "--name", "people", "--json"))
    data = json.loads(result.stdout)
    assert data["n_rows"] == 5
    assert data["source"] == plain
    assert [c["dtype"] for c in data["schema"]["columns"]] == ["VARCHAR", "BIGINT", "VARCHAR"]


# --- the installed console script ----------------------------------------------------------


def _console(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CONSOLE_SCRIPT.exists(), f"no console script at {CONSOLE_SCRIPT}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLWRIGHT_", "COLUMNS"))}
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_console_script_reports_a_bad_row_far_down_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "exports from the billing system" / "2024" / "quarter four"
    folder.mkdir(parents=True)
    path = write_large_csv(folder / "invoices.csv", bad_line=FAR_LINE, bad_text="1,2,3,4")
    done = _console("--workspace", "ws", "ingest", str(path), "--name", "invoices", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {path} line {FAR_LINE} has 4 fields, expected 3"]
    assert "hint: fix that row, or pass --delimiter if it is wrong" in done.stderr.splitlines()
    with Workspace(tmp_path / "ws") as ws:
        assert_workspace_empty(ws)
