"""`mlwright demo` runs the lifecycle on bundled real data: ingest, train, register, predict."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MLWRIGHT = str(Path(sys.executable).parent / "mlwright")


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MLWRIGHT, "--workspace", str(tmp_path / "ws"), "demo", "--time-budget", "5", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )


def test_demo_runs_the_lifecycle_on_the_attrition_data(tmp_path: Path) -> None:
    result = demo(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "attrition:1" in result.stdout
    assert "1,470 rows" in result.stdout
    assert "employee_id" in result.stdout
    assert "identifier" in result.stdout
    assert "Leaderboard" in result.stdout
    assert "Test set (294 rows)" in result.stdout
    assert "cost (fp=1, fn=5): threshold" in result.stdout
    assert "Registered attrition:1 (attrition@production)" in result.stdout
    # The report: a plain-language summary, the page and its JSON twin.
    assert 'This model predicts whether Attrition is "True"' in result.stdout
    assert "It fails most where" in result.stdout or "No group of rows stands out" in result.stdout
    page = (tmp_path / "ws" / "demo" / "report.html").read_text()
    assert "In plain words" in page
    assert "Where it fails" in page
    assert "Under distribution shift" in page
    facts = json.loads((tmp_path / "ws" / "demo" / "report.json").read_text())
    assert facts["model"]["ref"] == "attrition:1"
    assert facts["test"]["rows"] == 294
    assert facts["analysis"]["shifts"], "the report simulates shifts"
    assert "Scored 1,470 employees" in result.stdout
    assert "Served 5 requests at http://127.0.0.1:" in result.stdout
    # The shifted copy: the two planted shifts are found (and nothing else: see --json below).
    assert "MonthlyIncome drifted" in result.stdout
    assert "OverTime drifted" in result.stdout
    scored = (tmp_path / "ws" / "demo" / "scored.csv").read_text().splitlines()
    assert scored[0] == '"employee_id","prediction","proba_False","proba_True"'
    assert len(scored) == 1 + 1470


def test_demo_twice_reuses_the_dataset(tmp_path: Path) -> None:
    demo(tmp_path)
    result = demo(tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    dataset, run = data["dataset"], data["run"]
    assert dataset["ref"] == "attrition:1"
    assert dataset["is_new"] is False
    roles = {c["name"]: c["role"] for c in dataset["schema"]["columns"]}
    assert roles["employee_id"] == "identifier"
    assert roles["MonthlyIncome"] == "numeric"
    assert roles["Department"] == "categorical"
    assert dataset["profile"]["target"] == "Attrition"
    assert run["status"] == "finished"
    assert run["dataset"] == "attrition:1"
    assert run["task_type"] == "binary"
    model = data["model"]
    assert model["ref"] == "attrition:2"  # the second demo registers the next version
    assert model["aliases"] == ["production"]
    assert model["run_id"] == run["id"]
    assert data["scored"]["rows"] == 1470
    assert data["report"]["path"].endswith("report.html")
    assert data["report"]["summary"][0].startswith("This model predicts")
    assert data["served"]["requests"] == 5
    assert data["served"]["rows"] == 20
    assert sorted(data["monitored"]["drift"]["drifted"]) == ["MonthlyIncome", "OverTime"]
