"""``mlwright train`` and ``mlwright runs list | show | compare | delete``.

Training is the slow part, so most tests start from a copy of one workspace trained once per
module (two runs on ``customers``); the tests of ``train`` itself train afresh.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from mlwright.data.demo import write_demo_csv
from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from typer.testing import Result

    from tests.cli.conftest import RunResult

RUN_ID = re.compile(r"[0-9a-f]{12}")
SUMMARY_FIELDS = {
    "id",
    "status",
    "dataset",
    "dataset_fingerprint",
    "target",
    "task_type",
    "metric",
    "cv_score",
    "test_metrics",
    "started_at",
    "finished_at",
    "error",
}
FULL_FIELDS = SUMMARY_FIELDS | {"config", "result", "lineage", "notes", "trials", "created_by"}


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def customers(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A binary target (``churned``) and an amount (``spend``) from two numbers and a plan."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    plan = rng.choice(["basic", "plus", "pro"], size=n)
    churned = rng.random(n) < 1 / (1 + np.exp(-(1.5 * x1 - x2 + (plan == "basic"))))
    spend = 3 * x1 - 2 * x2 + rng.normal(scale=0.5, size=n)
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "plan": plan,
            "churned": np.where(churned, "yes", "no"),
            "spend": spend,
        }
    )


@dataclass(frozen=True)
class Trained:
    """The template workspace's folder and its two runs, newest last."""

    path: Path
    first: str
    second: str


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """A workspace with ``customers:1`` and two finished runs on it (seeds 0 and 1)."""
    path = tmp_path_factory.mktemp("template") / "ws"
    with Workspace(path) as ws:
        ws.ingest(customers(), name="customers")
        options = {"target": "churned", "time_budget": 3, "families": ["lightgbm", "linear"]}
        first = ws.train("customers", seed=0, **options).id
        second = ws.train("customers", seed=1, **options).id
    return Trained(path, first, second)


@pytest.fixture
def trained(template: Trained, ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trained:
    """A private copy of the template at ``ws_path``, printed on a wide terminal."""
    monkeypatch.setenv("COLUMNS", "200")  # so that Rich tables do not wrap the run ids
    shutil.copytree(template.path, ws_path)
    return Trained(ws_path, template.first, template.second)


# --- train -----------------------------------------------------------------------------------


def test_train_json_prints_the_whole_run(
    cli: Callable[..., Result], tmp_path: Path, open_workspace: Callable[[], Workspace]
) -> None:
    csv = write_demo_csv(tmp_path / "demo")
    _ok(cli("ingest", str(csv), "--name", "hr", "-q"))
    out = _ok(cli("train", "hr", "--target", "Attrition", "--time-budget", "5", "--json")).stdout
    run = json.loads(out)
    assert set(run) == FULL_FIELDS
    assert RUN_ID.fullmatch(run["id"])
    assert (run["status"], run["dataset"], run["target"]) == ("finished", "hr:1", "Attrition")
    assert (run["task_type"], run["metric"]) == ("binary", "roc_auc")
    assert run["error"] is None
    assert datetime.fromisoformat(run["finished_at"]) >= datetime.fromisoformat(run["started_at"])
    auc = next(m for m in run["test_metrics"] if m["name"] == "roc_auc")
    assert auc["low"] <= auc["value"] <= auc["high"]
    assert run["trials"]
    assert {"number", "family", "status", "params", "fold_scores", "mean"} <= set(run["trials"][0])
    assert any(note.startswith("plan:") for note in run["notes"])
    assert run["config"]["time_budget_s"] == 5.0
    assert run["result"]["n_test"] == 294
    assert run["lineage"]["seed"] == 0
    stored = open_workspace().run(run["id"])
    assert stored.status == "finished"
    kept = open_workspace().artifacts.keys()
    assert stored.record.model_key in kept


def test_train_quiet_prints_only_the_run_id(
    cli: Callable[..., Result], tmp_path: Path, open_workspace: Callable[[], Workspace]
) -> None:
    csv = tmp_path / "customers.csv"
    customers().to_csv(csv, index=False)
    _ok(cli("ingest", str(csv), "--name", "customers", "-q"))
    result = _ok(
        cli(
            "train",
            "customers",
            "-t",
            "spend",
            "-b",
            "3s",
            "--family",
            "linear",
            "--seed",
            "3",
            "-q",
        )
    )
    run_id = result.stdout.strip()
    assert RUN_ID.fullmatch(run_id)
    assert result.stdout == run_id + "\n"
    run = open_workspace().run(run_id)
    assert (run.record.task_type, run.record.metric) == ("regression", "rmse")
    assert run.record.config["families"] == ["linear"]
    assert run.record.lineage["seed"] == 3


# --- runs list | show | compare | delete -----------------------------------------------------


def test_list_json_is_newest_first(cli: Callable[..., Result], trained: Trained) -> None:
    listed = json.loads(_ok(cli("runs", "list", "--json")).stdout)
    assert [r["id"] for r in listed] == [trained.second, trained.first]
    assert all(set(r) == SUMMARY_FIELDS for r in listed)
    assert all(r["status"] == "finished" for r in listed)
    assert all(r["dataset"] == "customers:1" for r in listed)
    assert json.loads(_ok(cli("runs", "list", "--dataset", "other", "--json")).stdout) == []


def test_list_prints_a_table(cli: Callable[..., Result], trained: Trained) -> None:
    out = _ok(cli("runs", "list")).stdout
    assert "Runs" in out
    assert trained.first in out
    assert trained.second in out
    assert "customers:1" in out


def test_an_empty_workspace_lists_no_runs(cli: Callable[..., Result]) -> None:
    assert "No runs yet" in _ok(cli("runs", "list")).stdout
    assert json.loads(_ok(cli("runs", "list", "--json")).stdout) == []


def test_show_prints_the_leaderboard_and_the_test_set(
    cli: Callable[..., Result], trained: Trained
) -> None:
    out = _ok(cli("runs", "show", trained.first[:6])).stdout
    assert f"Run {trained.first} (finished) on customers:1" in out
    assert "Leaderboard" in out
    assert "Test set (60 rows)" in out
    assert "roc_auc" in out
    assert "Confusion matrix" in out
    assert "note:" in out


def test_show_json_is_the_full_run(cli: Callable[..., Result], trained: Trained) -> None:
    run = json.loads(_ok(cli("runs", "show", trained.second, "--json")).stdout)
    assert set(run) == FULL_FIELDS
    assert run["id"] == trained.second
    assert run["lineage"]["seed"] == 1


def test_compare_puts_two_runs_side_by_side(cli: Callable[..., Result], trained: Trained) -> None:
    out = _ok(cli("runs", "compare", trained.first, trained.second)).stdout
    assert trained.first in out
    assert trained.second in out
    assert "CV score" in out
    assert "test roc_auc" in out
    pair = json.loads(_ok(cli("runs", "compare", trained.first, trained.second, "--json")).stdout)
    assert [r["id"] for r in pair] == [trained.first, trained.second]


def test_delete_removes_the_run_and_its_model(
    cli: Callable[..., Result], trained: Trained, open_workspace: Callable[[], Workspace]
) -> None:
    key = open_workspace().run(trained.first).record.model_key
    out = _ok(cli("runs", "delete", trained.first, "--yes")).stdout
    assert out == f"Deleted run {trained.first}.\n"
    listed = json.loads(_ok(cli("runs", "list", "--json")).stdout)
    assert [r["id"] for r in listed] == [trained.second]
    ws = open_workspace()
    assert key != ws.run(trained.second).record.model_key, "each run has a model of its own"
    left = ws.artifacts.keys()
    assert key not in left


def test_delete_asks_first(cli: Callable[..., Result], trained: Trained) -> None:
    refused = cli("runs", "delete", trained.first, input="n\n")
    assert refused.exit_code == 1
    assert f"Delete run {trained.first}?" in refused.output
    listed = json.loads(_ok(cli("runs", "list", "--json")).stdout)
    assert len(listed) == 2


def test_show_of_a_failed_run_gives_its_error_not_a_test_size(
    cli: Callable[..., Result], run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    assert run_cli("train", "customers", "--target", "churnd").exit_code == 2
    failed = json.loads(_ok(cli("runs", "list", "--json")).stdout)[0]
    assert failed["status"] == "failed"
    out = _ok(cli("runs", "show", failed["id"])).stdout
    assert "error: TrainingError: target column 'churnd' is not in the dataset" in out
    assert "test size 0" not in out


# --- errors: exit 2, one readable line, no traceback -----------------------------------------


def _refused(result: RunResult, message: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert len(result.error_lines) == 1, result.stderr
    assert message in result.error_lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_unknown_target_names_the_near_match(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    result = run_cli("train", "customers", "--target", "churnd", "--time-budget", "5")
    _refused(result, "error: target column 'churnd' is not in the dataset")
    assert "hint: did you mean 'churned'?" in result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--target", "churned", "--time-budget", "abc"], "cannot read the time budget 'abc'"),
        (["--target", "churned", "--task", "nonsense"], "unknown task 'nonsense'"),
        (
            ["--target", "spend", "--metric", "roc_auc"],
            "metric 'roc_auc' does not apply to a regression task",
        ),
        (["--target", "churned", "--split", "group:nope"], "split column 'nope'"),
        (["--target", "churned", "--cost", "fp=x"], "cost fp='x' is not a number"),
        (["--target", "churned", "--folds", "1"], "--folds must be at least 2"),
        (["--target", "churned", "--test-size", "1.5"], "--test-size must be in [0, 1)"),
    ],
)
def test_bad_training_options_exit_2_with_one_error_line(
    run_cli: Callable[..., RunResult], trained: Trained, options: list[str], message: str
) -> None:
    result = run_cli("train", "customers", "--time-budget", "5", *options)
    _refused(result, message)
    assert "hint:" in result.stderr


def test_an_unknown_dataset_exits_2(run_cli: Callable[..., RunResult], trained: Trained) -> None:
    result = run_cli("train", "customer", "--target", "churned")
    _refused(result, "error: no dataset 'customer' in this workspace")


@pytest.mark.parametrize("command", [["show"], ["delete", "--yes"], ["compare", "ffff0000aaaa"]])
def test_an_unknown_run_id_exits_2(
    run_cli: Callable[..., RunResult], trained: Trained, command: list[str]
) -> None:
    name, *rest = command
    result = run_cli("runs", name, "ffffffffffff", *rest)
    _refused(result, "error: no run 'ffffffffffff' in this workspace")
    assert "hint: list runs with: mlwright runs list" in result.stderr
    assert result.stdout == ""


def test_a_short_run_id_exits_2(run_cli: Callable[..., RunResult], trained: Trained) -> None:
    _refused(run_cli("runs", "show", trained.first[:3]), "is too short")
