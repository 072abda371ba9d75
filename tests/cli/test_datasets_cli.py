"""``mlwright datasets list | show | delete``: tables, JSON, and errors that name what exists."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from tests.data.samples import PEOPLE, write_delimited

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from typer.testing import Result

    from mlwright.workspace import Workspace
    from tests.cli.conftest import RunResult

SUMMARY_FIELDS = {
    "ref",
    "name",
    "version",
    "fingerprint",
    "n_rows",
    "n_columns",
    "size_bytes",
    "source",
    "created_at",
    "created_by",
    "uri",
}


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture
def ingest(cli: Callable[..., Result], tmp_path: Path) -> Callable[[str, int], str]:
    """Ingest the first ``n_rows`` people under ``name``; return the new reference."""

    def ingest_(name: str, n_rows: int = 5) -> str:
        table = {column: values[:n_rows] for column, values in PEOPLE.items()}
        path = write_delimited(tmp_path / f"{name}-{n_rows}.csv", table)
        return _ok(cli("ingest", str(path), "--name", name, "-q")).stdout.strip()

    return ingest_


# --- list ----------------------------------------------------------------------------------


def test_an_empty_workspace_lists_nothing(cli: Callable[..., Result]) -> None:
    assert "No datasets yet" in _ok(cli("datasets", "list")).stdout
    assert json.loads(_ok(cli("datasets", "list", "--json")).stdout) == []


def test_list_json_holds_every_version(
    cli: Callable[..., Result], ingest: Callable[[str, int], str]
) -> None:
    assert [ingest("people", 5), ingest("people", 3), ingest("cities", 4)] == [
        "people:1",
        "people:2",
        "cities:1",
    ]
    listed = json.loads(_ok(cli("datasets", "list", "--json")).stdout)
    assert [d["ref"] for d in listed] == ["cities:1", "people:1", "people:2"]
    assert all(set(d) == SUMMARY_FIELDS for d in listed)
    people_2 = listed[2]
    assert (people_2["name"], people_2["version"], people_2["n_rows"]) == ("people", 2, 3)
    assert people_2["n_columns"] == 3
    assert people_2["size_bytes"] > 0
    assert people_2["source"].endswith("people-3.csv")
    assert len(people_2["fingerprint"]) == 64
    assert datetime.fromisoformat(people_2["created_at"]).tzinfo is not None


def test_list_filters_by_name(
    cli: Callable[..., Result], ingest: Callable[[str, int], str]
) -> None:
    ingest("people", 5)
    ingest("cities", 4)
    listed = json.loads(_ok(cli("datasets", "list", "people", "--json")).stdout)
    assert [d["ref"] for d in listed] == ["people:1"]


def test_list_prints_a_table(cli: Callable[..., Result], ingest: Callable[[str, int], str]) -> None:
    ingest("people", 5)
    out = _ok(cli("datasets", "list")).stdout
    assert "Datasets" in out
    assert "people:1" in out


# --- show ----------------------------------------------------------------------------------


def test_show_json_holds_schema_and_profile(
    cli: Callable[..., Result],
    ingest: Callable[[str, int], str],
    open_workspace: Callable[[], Workspace],
) -> None:
    ingest("people", 5)
    ingest("people", 3)
    data = json.loads(_ok(cli("datasets", "show", "people:1", "--json")).stdout)
    assert set(data) == SUMMARY_FIELDS | {"schema", "profile"}
    assert data["ref"] == "people:1"
    assert data["n_rows"] == 5
    assert data["schema"] == open_workspace().dataset("people:1").schema.to_dict()
    age = next(c for c in data["profile"]["columns"] if c["name"] == "age")
    assert (age["role"], age["min"], age["max"], age["n_missing"]) == ("numeric", 27, 52, 0)
    assert sum(age["histogram"]["counts"]) == 5
    assert {w["kind"] for w in data["profile"]["warnings"]} == {"identifier"}


def test_show_without_a_version_is_the_latest(
    cli: Callable[..., Result], ingest: Callable[[str, int], str]
) -> None:
    ingest("people", 5)
    ingest("people", 3)
    assert json.loads(_ok(cli("datasets", "show", "people", "--json")).stdout)["version"] == 2


def test_show_prints_the_profile_and_the_warnings(
    cli: Callable[..., Result], ingest: Callable[[str, int], str]
) -> None:
    ingest("people", 5)
    out = _ok(cli("datasets", "show", "people")).stdout
    assert "people:1" in out
    assert "Schema and profile" in out
    assert "Warnings" in out
    assert "column 'name' is unique per row" in out


def test_show_says_when_there_is_nothing_to_warn_about(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = write_delimited(tmp_path / "clean.csv", {"x": [1.5, 2.5, 1.5, 3.5], "k": list("abab")})
    _ok(cli("ingest", str(path), "--name", "clean", "-q"))
    assert "No data-quality warnings." in _ok(cli("datasets", "show", "clean")).stdout


def test_show_of_an_unknown_name_exits_2_naming_the_known_datasets(
    run_cli: Callable[..., RunResult], ingest: Callable[[str, int], str]
) -> None:
    ingest("people", 5)
    ingest("cities", 4)
    result = run_cli("datasets", "show", "peple")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: no dataset 'peple' in this workspace",
        "hint: datasets: cities, people",
    ]
    assert "Traceback" not in result.stderr


def test_show_of_an_unknown_version_exits_2(
    run_cli: Callable[..., RunResult], ingest: Callable[[str, int], str]
) -> None:
    ingest("people", 5)
    result = run_cli("datasets", "show", "people:7", "--json")
    assert result.exit_code == 2
    assert result.error_lines == ["error: no dataset 'people:7' in this workspace"]
    assert result.stdout == ""


def test_show_in_an_empty_workspace_says_how_to_ingest(run_cli: Callable[..., RunResult]) -> None:
    result = run_cli("datasets", "show", "people")
    assert result.exit_code == 2
    assert "hint: ingest one with: mlwright ingest" in result.stderr


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("people:x", "error: invalid version 'x' in 'people:x'"),
        ("people:0", "error: invalid version '0' in 'people:0'"),
        ("bad name", "error: invalid dataset name 'bad name'"),
    ],
)
def test_show_of_a_malformed_reference_exits_2(
    run_cli: Callable[..., RunResult], ref: str, message: str
) -> None:
    result = run_cli("datasets", "show", ref)
    assert result.exit_code == 2
    assert result.error_lines == [message]


# --- delete --------------------------------------------------------------------------------


def test_delete_one_version(
    cli: Callable[..., Result],
    ingest: Callable[[str, int], str],
    open_workspace: Callable[[], Workspace],
) -> None:
    ingest("people", 5)
    ingest("people", 3)
    assert _ok(cli("datasets", "delete", "people:1", "--yes")).stdout == "Deleted people:1.\n"
    assert [ds.ref for ds in open_workspace().datasets()] == ["people:2"]
    assert ingest("people", 4) == "people:3"  # the number 1 is not handed out again


def test_delete_every_version_as_json(
    cli: Callable[..., Result],
    ingest: Callable[[str, int], str],
    open_workspace: Callable[[], Workspace],
) -> None:
    ingest("people", 5)
    ingest("people", 3)
    ingest("cities", 4)
    deleted = json.loads(_ok(cli("datasets", "delete", "people", "-y", "--json")).stdout)
    assert [d["ref"] for d in deleted] == ["people:1", "people:2"]
    ws = open_workspace()
    assert [ds.ref for ds in ws.datasets()] == ["cities:1"]
    assert len(ws.artifacts.keys()) == 1


def test_delete_asks_first(
    cli: Callable[..., Result],
    ingest: Callable[[str, int], str],
    open_workspace: Callable[[], Workspace],
) -> None:
    ingest("people", 5)
    refused = cli("datasets", "delete", "people", input="n\n")
    assert refused.exit_code == 1
    assert "Delete people:1?" in refused.output
    assert [ds.ref for ds in open_workspace().datasets()] == ["people:1"]
    assert _ok(cli("datasets", "delete", "people", input="y\n")).stdout.endswith(
        "Deleted people:1.\n"
    )
    assert open_workspace().datasets() == []


def test_declining_to_delete_exits_2_from_the_console(
    run_cli: Callable[..., RunResult],
    ingest: Callable[[str, int], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingest("people", 5)
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    result = run_cli("datasets", "delete", "people")
    assert result.exit_code == 2
    assert "Aborted." in result.stderr


def test_delete_of_an_unknown_name_exits_2_naming_the_known_datasets(
    run_cli: Callable[..., RunResult], ingest: Callable[[str, int], str]
) -> None:
    ingest("people", 5)
    for ref in ("cities", "people:4"):
        result = run_cli("datasets", "delete", ref, "--yes")
        assert result.exit_code == 2
        assert result.error_lines == [f"error: no dataset '{ref}' in this workspace"]
        assert "hint: datasets: people" in result.stderr
