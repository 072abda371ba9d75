"""``mlwright monitor REF``: drift and performance as users and cron jobs see them.

A LightGBM model of generated churn-like data (numbers, a category, a target) is trained
once per module; each test checks files against a private copy of its workspace. Exit
codes: 0 healthy, 1 something found, 2 bad input.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.cli.conftest import RunResult

PLANS = np.array(["basic", "plus", "pro"])


def customers(n: int, seed: int, *, older: float = 0.0, flip: float = 0.0) -> pd.DataFrame:
    """Rows of one distribution; ``older`` shifts ``age`` (in sds), ``flip`` flips labels."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n) + older * 10,
            "usage": rng.gamma(2.0, 3.0, n),
            "tenure": rng.integers(0, 60, n),
            "plan": rng.choice(PLANS, n, p=[0.5, 0.3, 0.2]),
        }
    )
    score = -0.08 * frame["tenure"] + 0.3 * frame["usage"] - (frame["plan"] == "pro") * 1.5
    churn = score + rng.normal(0, 1.0, n) > 0
    churn = np.where(rng.random(n) < flip, ~churn, churn)
    frame["churn"] = np.where(churn, "yes", "no")
    return frame


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("monitor-template") / "ws"
    with Workspace(path) as ws:
        ws.ingest(customers(3000, 0), name="customers")
        # deterministic: the same model on any machine load (its calibration decides
        # whether estimated accuracy matches the measured one)
        run = ws.train(
            "customers",
            target="churn",
            time_budget=4,
            families=["lightgbm"],
            seed=0,
            deterministic=True,
        )
        ws.register(run.id, "churn", alias="production")
    return path


@pytest.fixture
def registered(template: Path, ws_path: Path) -> Path:
    shutil.copytree(template, ws_path)
    return ws_path


def write(frame: pd.DataFrame, path: Path) -> str:
    frame.to_csv(path, index=False)
    return str(path)


def test_data_like_the_training_data_is_healthy(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    current = write(customers(2000, 1).drop(columns="churn"), tmp_path / "now.csv")
    result = run_cli("monitor", "churn@production", "--current", current)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "healthy" in result.stdout
    assert "accuracy (estimated from confidence)" in result.stdout
    with Workspace(registered) as ws:
        (check,) = ws.checks("churn")
        held_out = ws.load_model("churn@production").info.metrics["confidence_accuracy"]
    assert (check.kind, check.status, check.model_version) == ("drift", "healthy", 1)
    # Compared like with like: the same estimate on the run's held-out rows (this model is
    # under-confident: its estimate is below the accuracy measured there).
    assert check.summary["performance"]["expected"] == pytest.approx(held_out)


def test_a_shifted_column_is_drift_named_first_with_exit_1(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    current = write(customers(2000, 2, older=1.0).drop(columns="churn"), tmp_path / "now.csv")
    result = run_cli("monitor", "churn@production", "--current", current, "--json")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert report["status"] == "drift"
    assert report["drift"]["drifted"] == ["age"]
    assert report["drift"]["features"][0]["column"] == "age"
    assert report["findings"][0]["kind"] == "feature_drift"
    assert report["multivariate"]["drifted"] is True
    assert report["multivariate"]["top_columns"][0] == "age"


def test_labels_in_the_current_data_measure_the_model_and_find_degradation(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    current = write(customers(2000, 3, flip=0.35), tmp_path / "now.csv")
    result = run_cli("monitor", "churn@production", "--current", current, "--json")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    report = json.loads(result.stdout)
    performance = report["performance"]
    assert performance["measured"] is True
    assert performance["degraded"] is True
    assert performance["high"] < performance["expected"]
    assert report["status"] == "degraded"
    assert report["drift"]["drifted"] == []  # the inputs did not move; the world did


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d.drop(columns=["age", "churn"]), "'age'"),
        (lambda d: None, "no.csv"),
    ],
    ids=["missing-column", "missing-file"],
)
def test_bad_input_exits_2_with_one_clear_line_and_records_nothing(
    registered: Path,
    run_cli: Callable[..., RunResult],
    tmp_path: Path,
    make: Callable[[pd.DataFrame], pd.DataFrame | None],
    message: str,
) -> None:
    frame = make(customers(500, 4))
    current = str(tmp_path / "no.csv") if frame is None else write(frame, tmp_path / "bad.csv")
    result = run_cli("monitor", "churn@production", "--current", current)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert len(result.error_lines) == 1, result.stderr
    assert message in result.error_lines[0], result.stderr
    assert "Traceback" not in result.stderr
    with Workspace(registered) as ws:
        assert ws.checks("churn") == []


def test_exactly_one_source_of_current_data(
    registered: Path, run_cli: Callable[..., RunResult]
) -> None:
    result = run_cli("monitor", "churn", "--dataset", "customers", "--since", "24h")
    assert result.exit_code == 2
    assert "exactly one of" in result.stderr


class Receiver(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers["content-length"])
        self.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook receiver on a free loopback port, stopped after the test."""
    bodies: list[dict[str, Any]] = []
    handler = type("Handler", (Receiver,), {"bodies": bodies})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", bodies
    server.shutdown()
    server.server_close()


def test_each_finding_is_sent_once_to_the_webhook_and_the_command(
    registered: Path,
    run_cli: Callable[..., RunResult],
    tmp_path: Path,
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, bodies = receiver
    received = tmp_path / "alerts.jsonl"
    append = f"import sys; open(r'{received}', 'a').write(sys.stdin.read() + chr(10))"
    command = f'{sys.executable} -c "{append}"'
    current = write(customers(2000, 5, older=1.0).drop(columns="churn"), tmp_path / "now.csv")
    result = run_cli(
        "monitor",
        "churn@production",
        "--current",
        current,
        "--json",
        "--alert-webhook",
        url,
        "--alert-command",
        command,
    )
    assert result.exit_code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [b["finding"] for b in bodies] == findings
    assert {b["model"] for b in bodies} == {"churn:1"}
    lines = received.read_text().splitlines()
    assert [json.loads(line)["finding"] for line in lines] == findings


def test_a_bad_webhook_url_is_refused_before_the_work(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    current = write(customers(200, 6).drop(columns="churn"), tmp_path / "now.csv")
    result = run_cli("monitor", "churn", "--current", current, "--alert-webhook", "ftp://x")
    assert result.exit_code == 2
    assert "not an http(s) URL" in result.stderr


def test_retrain_promotes_a_challenger_only_when_it_is_better(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    # The world changed: plans now drive churn the other way. A challenger learns it.
    changed = customers(3000, 7)
    changed["churn"] = np.where(changed["plan"] == "pro", "yes", "no")
    data = write(changed, tmp_path / "new.csv")
    result = run_cli("retrain", "churn", "--data", data, "--time-budget", "4", "--json")
    assert result.exit_code == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["promoted"] is True
    assert decision["challenger_score"] > decision["champion_score"] + 0.01
    assert decision["new_version"] == "churn:2"
    with Workspace(registered) as ws:
        assert ws.model_version("churn@production").version == 2
        (check,) = ws.checks("churn")
        assert (check.kind, check.status) == ("retrain", "promoted")
        assert check.summary["holdout_rows"] == 750


def test_retrain_keeps_the_champion_when_the_challenger_is_not_better_by_the_margin(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    data = write(customers(2000, 8), tmp_path / "same.csv")
    result = run_cli("retrain", "churn", "--data", data, "--time-budget", "4", "--margin", "0.5")
    assert result.exit_code == 0, result.stderr
    assert "Kept churn:1" in result.stdout
    with Workspace(registered) as ws:
        assert ws.model_version("churn@production").version == 1
        assert [c.status for c in ws.checks("churn")] == ["kept"]


def test_since_reads_the_serving_log_and_its_feedback(
    registered: Path, run_cli: Callable[..., RunResult]
) -> None:
    from datetime import UTC, datetime, timedelta

    from mlwright.serve.predlog import (
        FeedbackLog,
        PredictionLog,
        feedback_table,
        new_prediction_ids,
        prediction_table,
    )

    old, recent = customers(300, 9, older=2.0), customers(1200, 10)
    ids = {"old": new_prediction_ids(len(old)), "recent": new_prediction_ids(len(recent))}
    with PredictionLog(registered / "predictions").start() as log:
        for key, rows, when in (
            ("old", old, datetime.now(UTC) - timedelta(days=3)),
            ("recent", recent, datetime.now(UTC)),
        ):
            log.append(
                prediction_table(
                    rows.drop(columns="churn"),
                    ["no"] * len(rows),
                    prediction_ids=ids[key],
                    model_name="churn",
                    model_version=1,
                    model_ref="churn:1",
                    latency_ms=1.0,
                    timestamp=when,
                )
            )
    with FeedbackLog(registered / "feedback").start() as feedback:
        feedback.append(feedback_table(ids["recent"], recent["churn"].tolist(), model_name="churn"))
    result = run_cli("monitor", "churn@production", "--since", "24h", "--json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert report["n_current"] == 1200  # the rows of three days ago (drifted) are left out
    assert report["performance"]["measured"] is True
    assert report["performance"]["n_rows"] == 1200


def test_since_with_an_empty_log_is_a_clear_error(
    registered: Path, run_cli: Callable[..., RunResult]
) -> None:
    result = run_cli("monitor", "churn@production", "--since", "24h")
    assert result.exit_code == 2
    assert "prediction log of 'churn' is empty" in result.stderr
    result = run_cli("monitor", "churn@production", "--since", "yesterday")
    assert result.exit_code == 2
    assert "cannot read 'yesterday' as a duration" in result.stderr


def test_html_report_is_one_self_contained_page(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    import re

    frame = customers(1500, 11, older=1.0).drop(columns="churn")
    frame["plan"] = frame["plan"].where(frame.index % 10 != 0, "<script>alert(1)</script>")
    current = write(frame, tmp_path / "now<i>.csv")
    page = tmp_path / "out" / "check.html"
    result = run_cli("monitor", "churn@production", "--current", current, "--html", str(page))
    assert result.exit_code == 1, result.stderr
    html = page.read_text()
    assert "<script" not in html  # nothing runs
    assert "now&lt;i&gt;.csv" in html  # names are escaped text
    assert "<i>" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)  # opens offline
    assert "age" in html
    assert "drift" in html
    assert list(page.parent.iterdir()) == [page]  # no partial file left


def test_since_measures_performance_per_day_and_shows_the_day_it_fell(
    registered: Path, run_cli: Callable[..., RunResult]
) -> None:
    from datetime import UTC, datetime, timedelta

    from mlwright.serve.predlog import (
        FeedbackLog,
        PredictionLog,
        feedback_table,
        new_prediction_ids,
        prediction_table,
    )

    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    days = [customers(500, 20 + k, flip=0.45 if k == 3 else 0.0) for k in range(4)]
    with (
        PredictionLog(registered / "predictions").start() as log,
        FeedbackLog(registered / "feedback").start() as feedback,
    ):
        for k, rows in enumerate(days):
            ids = new_prediction_ids(len(rows))
            log.append(
                prediction_table(
                    rows.drop(columns="churn"),
                    ["no"] * len(rows),
                    prediction_ids=ids,
                    model_name="churn",
                    model_version=1,
                    model_ref="churn:1",
                    latency_ms=1.0,
                    timestamp=now - timedelta(days=3 - k),
                )
            )
            feedback.append(feedback_table(ids, rows["churn"].tolist(), model_name="churn"))
    result = run_cli("monitor", "churn@production", "--since", "4d", "--json")
    report = json.loads(result.stdout)
    windows = report["windows"]
    assert [w["n_rows"] for w in windows] == [500] * 4
    assert [w["degraded"] for w in windows] == [False, False, False, True]
    assert windows[0]["start"] < windows[-1]["start"]


def test_text_in_a_numeric_column_is_a_clear_error(
    registered: Path, run_cli: Callable[..., RunResult], tmp_path: Path
) -> None:
    frame = customers(300, 12).drop(columns="churn").astype({"age": object})
    frame.loc[7, "age"] = "forty"
    result = run_cli("monitor", "churn", "--current", write(frame, tmp_path / "now.csv"))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "'age'" in result.stderr
    assert "forty" in result.stderr
    assert "Traceback" not in result.stderr
