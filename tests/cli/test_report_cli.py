"""``mlwright report RUN|REF``: one self-contained page and its JSON twin, from real runs.

The churn data has a planted weak segment (tests/cli/planted.py): the report's summary must
name it, next to what the model predicts, how often it is right against a naive rule, and
what its decisions cost with the costs given.
"""

from __future__ import annotations

import json
import re
import shutil
from typing import TYPE_CHECKING

import pytest
from sklearn.datasets import load_diabetes

from mlwright.workspace import Workspace
from tests.cli.planted import customers

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.cli.conftest import RunResult

COST = "fp=1,fn=4"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("report-template") / "ws"
    with Workspace(path) as ws:
        ws.ingest(customers(4000, 0), name="customers")
        run = ws.train(
            "customers",
            target="churn",
            time_budget=6,
            families=["lightgbm", "linear"],
            cost=COST,
            seed=0,
        )
        ws.register(run.id, "churn", alias="production")
    return path, run.id


@pytest.fixture
def churn(template: tuple[Path, str], ws_path: Path) -> str:
    """A private copy of the template workspace; the run's id."""
    shutil.copytree(template[0], ws_path)
    return template[1]


def read_facts(page: Path) -> dict:
    return json.loads(page.with_suffix(".json").read_text())


def test_the_report_opens_with_a_plain_summary_that_names_the_weak_segment(
    churn: str, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    page = tmp_path / "out" / "churn.html"
    result = run_cli("report", "churn@production", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    facts = read_facts(page)
    summary = facts["summary"]
    assert (
        summary[0]
        == 'This model predicts whether churn is "yes" (or "no"), from 4 columns of the data.'
    )
    right = summary[1]
    assert re.search(r"it was right \d+\.\d% of the time \(95% interval", right), right
    assert 'The naive rule, always predict "no", would be right' in right
    assert any(s.startswith("At its decision threshold of") for s in summary)
    fails = next(s for s in summary if s.startswith("It fails most where"))
    assert "tenure" in fails, fails
    assert 'plan = "basic"' in fails, fails
    # The same sentences open the page, and the command prints them.
    html = page.read_text()
    assert summary[0].replace('"', "&#34;") in html
    assert summary[0] in result.stdout
    assert f"Wrote {page}" in result.stdout


def test_the_report_scores_exactly_the_rows_the_run_held_out(
    churn: str,
    run_cli: Callable[..., RunResult],
    open_workspace: Callable[[], Workspace],
    tmp_path: Path,
) -> None:
    page = tmp_path / "r.html"
    assert run_cli("report", churn, "-o", str(page)).exit_code == 0
    facts = read_facts(page)
    run = open_workspace().run(churn)
    assert facts["title"] == f"run {churn}"
    assert facts["test"]["rows"] == run.record.result["n_test"] == 800
    stored = run.test_metrics
    for metric in facts["metrics"]:  # the same rows and seed: the run's own numbers
        assert metric["value"] == pytest.approx(stored[metric["name"]]["value"])
        assert metric["low"] <= metric["value"] <= metric["high"]


def test_the_report_holds_every_plot_and_explanation(
    churn: str, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    page = tmp_path / "r.html"
    assert run_cli("report", "churn:1", "-o", str(page), "--no-shifts").exit_code == 0
    facts = read_facts(page)
    curves = facts["curves"]
    assert curves["roc"][0]["auc"] > 0.75
    assert curves["pr"][0]["base_rate"] < curves["pr"][0]["average_precision"]
    assert sum(curves["calibration"]["rows"]) == 800
    assert sum(map(sum, curves["confusion"]["matrix"])) == 800
    costs = curves["thresholds"]["cost_per_row"]
    # The chosen threshold is near the cheapest one on the held-out rows.
    threshold = facts["model"]["threshold"]
    nearest = min(
        range(len(costs)), key=lambda i: abs(curves["thresholds"]["threshold"][i] - threshold)
    )
    assert costs[nearest] <= min(costs) * 1.25
    assert facts["baseline"]["model_cost_per_row"] < facts["baseline"]["cost_per_row"]
    assert facts["importance"][0]["column"] in {"tenure", "usage", "plan"}
    assert facts["importance"][-1]["drop"] < 0.02  # region has no effect
    assert facts["shap"] is not None
    assert facts["shap"]["values"][0]["column"] != "region"
    assert {d["column"] for d in facts["dependence"]} <= {"tenure", "usage", "plan", "region"}
    assert facts["analysis"]["shifts"] == []
    html = page.read_text()
    assert html.count("<svg") >= 8
    for section in (
        "In plain words",
        "Leaderboard",
        "Metrics on the held-out rows",
        "Where it fails",
    ):
        assert section in html


def test_the_leaderboard_shows_each_top_candidates_worst_slice(
    churn: str, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    page = tmp_path / "r.html"
    assert run_cli("report", "churn", "-o", str(page), "--no-shifts").exit_code == 0
    board = read_facts(page)["leaderboard"]
    families = {row["family"] for row in board}
    assert {"lightgbm", "linear"} <= families
    sliced = [row for row in board if row["worst_slice"] is not None]
    assert len(sliced) >= 2, board
    for row in sliced:  # every good candidate struggles on the coin-flip segment
        worst = row["worst_slice"]
        assert worst["loss"] > row["overall_loss"]
        assert 0 < worst["share"] <= 0.5
    assert sum(row["chosen"] for row in board) == 1


def test_a_regression_report_says_how_far_off_it_is(
    ws_path: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    frame = load_diabetes(as_frame=True).frame
    with Workspace(ws_path) as ws:
        ws.ingest(frame, name="diabetes")
        run = ws.train("diabetes", target="target", time_budget=3, families=["linear"], seed=0)
        first = ws.report(run.id, tmp_path / "a.html", shifts=False)
        again = ws.report(run.id, tmp_path / "b.html", shifts=False)
    assert first["summary"] == again["summary"], "the narrative is deterministic"
    assert first["summary"][1].startswith("On 89 rows it had not seen")
    assert "off by" in first["summary"][1]
    assert "training average" in first["summary"][1]
    assert first["baseline"]["mae"] > first["baseline"]["model_mae"]
    curves = first["curves"]
    assert len(curves["actual"]) == len(curves["predicted"]) == 89
    assert first["shap"] is None  # a linear model has no native tree SHAP
    strip = re.compile(r"report written [^.]*\.")
    a, b = ((tmp_path / f).read_text() for f in ("a.html", "b.html"))
    assert strip.sub("", a).replace("b.json", "a.json") == strip.sub("", b).replace(
        "b.json", "a.json"
    )


def test_labelled_rows_from_a_file_can_be_reported_on(
    churn: str, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    data = tmp_path / "later.csv"
    customers(1500, 7).to_csv(data, index=False)
    page = tmp_path / "later.html"
    result = run_cli(
        "report", "churn@production", "--data", str(data), "-o", str(page), "--no-shifts"
    )
    assert result.exit_code == 0, result.stderr
    facts = read_facts(page)
    assert facts["test"] == {"source": str(data), "rows": 1500}


def test_bad_subjects_and_data_get_one_clear_error(
    churn: str, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    unknown = run_cli("report", "nosuchmodel", "-o", str(tmp_path / "x.html"))
    assert unknown.exit_code == 2
    assert unknown.error_lines == ["error: no model or run 'nosuchmodel' in this workspace"]
    unlabelled = tmp_path / "unlabelled.csv"
    customers(200, 3).drop(columns=["churn"]).to_csv(unlabelled, index=False)
    missing = run_cli(
        "report", "churn@production", "--data", str(unlabelled), "-o", str(tmp_path / "y.html")
    )
    assert missing.exit_code == 2
    assert "churn" in missing.error_lines[0]
    assert not (tmp_path / "x.html").exists()
    assert not (tmp_path / "y.html").exists()
    assert not list(tmp_path.glob("*.json"))
