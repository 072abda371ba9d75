"""``mlwright analyze REF --data FILE``: a planted weak segment is found as a rule.

The data is made so that churn follows tenure, usage and plan everywhere except in one
segment (short tenure on the basic plan), where the outcome is a coin flip: no model can do
well there, and the analysis must say so, as a rule naming both conditions.
"""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pytest

from mlwright.workspace import Workspace
from tests.cli.planted import customers

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.cli.conftest import RunResult


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("analyze-template") / "ws"
    with Workspace(path) as ws:
        ws.ingest(customers(4000, 0), name="customers")
        run = ws.train("customers", target="churn", time_budget=4, families=["lightgbm"], seed=0)
        ws.register(run.id, "churn", alias="production")
    return path


@pytest.fixture
def registered(template: Path, ws_path: Path) -> Path:
    shutil.copytree(template, ws_path)
    return ws_path


def test_the_planted_weak_segment_is_the_worst_slice(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    data = tmp_path / "labelled.csv"
    customers(3000, 1).to_csv(data, index=False)
    result = run_cli("analyze", "churn@production", "--data", str(data), "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    top = found["slices"][0]
    columns = {c["column"] for c in top["conditions"]}
    assert columns == {"tenure", "plan"}, top["rule"]
    assert 'plan = "basic"' in top["rule"]
    assert top["loss"] > 0.3 > found["overall_loss"]
    assert top["low"] <= top["loss"] <= top["high"]
    assert top["p_value"] < 1e-6
    assert not any("region" in s["rule"] for s in found["slices"])  # no effect planted there
    assert len(found["worst_rows"]) == 10
    assert found["suggestions"][0].startswith("Where ")
    assert found["drivers"][0]["column"] in {"tenure", "plan"}


def test_the_table_for_people_names_the_rule(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    data = tmp_path / "labelled.csv"
    customers(3000, 2).to_csv(data, index=False)
    result = run_cli("analyze", "churn@production", "--data", str(data))
    assert result.exit_code == 0, result.stderr
    assert 'plan = "basic"' in result.stdout
    assert "Next steps:" in result.stdout


def test_unlabelled_data_is_refused_clearly(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    data = tmp_path / "unlabelled.csv"
    customers(200, 3).drop(columns="churn").to_csv(data, index=False)
    result = run_cli("analyze", "churn", "--data", str(data))
    assert result.exit_code == 2
    assert "no target column 'churn'" in result.stderr


def test_shifts_show_where_the_model_would_lose_ground(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    data = tmp_path / "labelled.csv"
    customers(3000, 4).to_csv(data, index=False)
    result = run_cli("analyze", "churn@production", "--data", str(data), "--shifts", "--json")
    assert result.exit_code == 0, result.stderr
    shifts = {r["scenario"]: r for r in json.loads(result.stdout)["shifts"]}
    # The weak segment has short tenure: leaning towards it costs more than away from it.
    lower, higher = (
        shifts["tenure shifts lower (about 1 sd)"],
        shifts["tenure shifts higher (about 1 sd)"],
    )
    assert lower["value"] < higher["value"]
    assert lower["worse"]
    missing = shifts["20% of every column missing"]
    assert missing["worse"]
    assert missing["value"] < missing["baseline"] - 0.02
    assert "20% unseen categories" in shifts
    assert "noise of 0.25 sd on every number" in shifts
