"""`mlwright serve`: a real uvicorn server on loopback, real HTTP, a real prediction log."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

import mlwright
from mlwright.serve.predlog import read_log

if TYPE_CHECKING:
    from collections.abc import Iterator

MLWRIGHT = str(Path(sys.executable).parent / "mlwright")
TOKEN = "0123456789abcdef0123456789abcdef"


def breast_cancer() -> pd.DataFrame:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = X.iloc[:, :8].copy()
    frame["target"] = y.map({0: "malignant", 1: "benign"})
    return frame


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "ws"
    with mlwright.Workspace(path) as ws:
        ws.ingest(breast_cancer(), name="bc")
        run = ws.train(
            "bc", target="target", time_budget=4, families=["lightgbm"], seed=0, deterministic=True
        )
        run.register("bc", alias="production")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@pytest.fixture
def serve(workspace: Path, tmp_path: Path) -> Iterator[Any]:
    started: list[Server] = []

    def start(*options: str, at: Path = workspace) -> Server:
        port = free_port()
        token_file = tmp_path / "token"
        token_file.write_text(TOKEN)
        command = [
            MLWRIGHT,
            "--workspace",
            str(at),
            "serve",
            "bc@production",
            "--port",
            str(port),
            "--token-file",
            str(token_file),
            *options,
        ]
        log = tmp_path / f"server-{port}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
        server = Server(process, f"http://127.0.0.1:{port}")
        started.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(log.read_text())
            try:
                if httpx.get(server.url + "/ready", timeout=1).status_code == 200:
                    return server
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not become ready")

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def records(n: int) -> list[dict]:
    rows = breast_cancer().drop(columns=["target"]).head(n)
    return json.loads(rows.to_json(orient="records"))


def test_n_requests_leave_exactly_n_rows_in_the_log_after_a_graceful_stop(
    serve: Any, workspace: Path
) -> None:
    server = serve()
    ids = []
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client:
        for i in range(25):
            answer = client.post("/predict", json={"records": records(1 + i % 3)})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["model"] == "bc:1"
            assert len(body["predictions"]) == len(body["prediction_ids"]) == 1 + i % 3
            assert set(body["probabilities"]) == {"benign", "malignant"}
            ids += body["prediction_ids"]
    assert server.stop() == 0
    logged = read_log(workspace / "predictions", "bc")
    assert sorted(logged["prediction_id"].to_pylist()) == sorted(ids)
    assert set(logged["model_ref"].to_pylist()) == {"bc:1"}


def test_the_server_answers_like_the_loaded_model(serve: Any, workspace: Path) -> None:
    server = serve("--no-log")
    rows = records(20)
    answer = httpx.post(server.url + "/predict", json={"records": rows}, headers=AUTH)
    model = mlwright.load_model("bc@production", workspace=workspace)
    expected = model.predict_proba(pd.DataFrame(rows))
    got = answer.json()["probabilities"]
    classes = [str(c) for c in model.classes_]
    for j, label in enumerate(classes):
        assert got[label] == pytest.approx(expected[:, j].tolist(), abs=1e-9)


def test_a_missing_or_wrong_token_gets_401_without_detail(serve: Any) -> None:
    server = serve("--no-log")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        answer = httpx.post(server.url + "/predict", json={"records": records(1)}, headers=headers)
        assert answer.status_code == 401
        assert answer.json() == {
            "error": {"code": "unauthorized", "message": "unauthorized", "details": []}
        }
    assert httpx.get(server.url + "/health").json() == {"status": "alive"}


def test_bad_input_is_a_4xx_naming_the_field_never_a_5xx(serve: Any) -> None:
    server = serve("--no-log", "--max-bytes", "5000")
    row = records(1)[0]
    name = next(iter(row))
    cases = [
        ({"records": [{**row, name: "forty"}]}, 422, name),
        ({"records": [{k: v for k, v in row.items() if k != name}]}, 422, name),
        ({"rows": [row]}, 422, "rows"),
        ({"records": []}, 422, ""),
    ]
    with httpx.Client(base_url=server.url, headers=AUTH) as client:
        for body, status, field in cases:
            answer = client.post("/predict", json=body)
            assert answer.status_code == status, (body, answer.text)
            assert field in answer.text
        raw = {"content-type": "application/json"}
        nan = json.dumps({"records": [{**row, name: float("nan")}]})
        assert client.post("/predict", content=nan, headers=raw).status_code == 422
        huge = '{"records": [' + ",".join([json.dumps(row)] * 50) + "]}"
        too_big = client.post("/predict", content=huge, headers=raw)
        assert too_big.status_code == 413
        assert "records" not in too_big.text, "an error never echoes the input"
        broken = client.post("/predict", content=b'{"records": [', headers=raw)
        assert broken.status_code == 400
        assert broken.json()["error"]["code"] == "malformed_json"


def test_a_public_address_without_a_token_is_refused(workspace: Path) -> None:
    result = subprocess.run(
        [MLWRIGHT, "--workspace", str(workspace), "serve", "bc", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "refusing to serve on 0.0.0.0 without a token" in result.stderr


def test_metadata_metrics_and_openapi_describe_the_model(serve: Any) -> None:
    server = serve("--no-log")
    with httpx.Client(base_url=server.url, headers=AUTH) as client:
        client.post("/predict", json={"records": records(3)})
        meta = client.get("/metadata").json()
        assert meta["model"] == "bc:1"
        assert meta["target"] == "target"
        columns = [c["name"] for c in meta["columns"]]
        record = client.get("/openapi.json").json()["components"]["schemas"]["Record"]
        assert list(record["properties"]) == columns
        assert set(record["required"]) == set(columns)
        client.get("/no/such/path")
        metrics = client.get("/metrics").text
        assert 'endpoint="other",status="404"' in metrics
        assert "mlwright_rows_scored_total 3.0" in metrics
        assert "mlwright_batch_rows_count 1.0" in metrics, "one model call"
        assert "mlwright_batch_rows_sum 3.0" in metrics
        assert 'mlwright_requests_total{endpoint="/predict",status="200"} 1.0' in metrics


def test_a_row_unlike_the_training_data_is_scored_with_warnings(
    serve: Any, workspace: Path
) -> None:
    server = serve()
    normal, odd = records(2)
    column = next(iter(odd))
    odd[column] = 1e6
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client:
        body = client.post("/predict", json={"records": [normal, odd]}).json()
        metrics = client.get("/metrics").text
    assert len(body["predictions"]) == 2
    assert body["warnings"][0] == []
    warning = body["warnings"][1][0]
    assert warning["column"] == column
    assert warning["reason"] == "out_of_range"
    assert "1e+06 is outside the training range" in warning["message"]
    counted = f'mlwright_row_warnings_total{{column="{column}",reason="out_of_range"}} 1.0'
    assert counted in metrics
    assert server.stop() == 0
    logged = read_log(workspace / "predictions", "bc").to_pylist()
    by_id = {row["prediction_id"]: row["warnings"] for row in logged}
    assert by_id[body["prediction_ids"][1]] == [f"out_of_range:{column}"]
    assert by_id[body["prediction_ids"][0]] == []


def test_a_followed_alias_switches_versions_under_load_without_a_failed_request(
    serve: Any, workspace: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(workspace, copy)
    with mlwright.Workspace(copy) as ws:
        run_id = ws.model_version("bc:1").run_id
        ws.register(run_id, "bc")  # bc:2, not yet where the alias points
    server = serve("--no-log", "--follow-alias", "--follow-every", "0.2", at=copy)
    seen: list[list[str]] = [[] for _ in range(4)]
    failures: list[str] = []
    stop = threading.Event()

    def send(mine: list[str]) -> None:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client:
            while not stop.is_set():
                answer = client.post("/predict", json={"records": records(2)})
                if answer.status_code != 200:
                    failures.append(answer.text)
                else:
                    mine.append(answer.json()["model"])

    threads = [threading.Thread(target=send, args=(mine,)) for mine in seen]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        with mlwright.Workspace(copy) as ws:
            ws.set_alias("bc", 2, "production")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("bc:2" in mine for mine in seen):
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert all(mine for mine in seen)
    for mine in seen:
        assert set(mine) <= {"bc:1", "bc:2"}
        switched = mine.index("bc:2") if "bc:2" in mine else len(mine)
        assert set(mine[switched:]) <= {"bc:2"}, "once switched, never back"
    assert any("bc:2" in mine for mine in seen), "the server switched"
    metrics = httpx.get(server.url + "/metrics", headers=AUTH).text
    assert 'mlwright_model_switches_total{outcome="switched"} 1.0' in metrics


def test_a_version_that_needs_other_columns_is_refused_and_the_old_one_kept(
    serve: Any, workspace: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(workspace, copy)
    with mlwright.Workspace(copy) as ws:
        fewer = breast_cancer().drop(columns=["mean radius"])
        ws.ingest(fewer, name="fewer")
        run = ws.train("fewer", target="target", time_budget=2, families=["lightgbm"], seed=0)
        ws.register(run.id, "bc")
    server = serve("--no-log", "--follow-alias", "--follow-every", "0.2", at=copy)
    with mlwright.Workspace(copy) as ws:
        ws.set_alias("bc", 2, "production")
    metrics = ""
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and 'outcome="refused"' not in metrics:
            time.sleep(0.2)
            metrics = client.get("/metrics").text
        answer = client.post("/predict", json={"records": records(1)})
    assert 'mlwright_model_switches_total{outcome="refused"} 1.0' in metrics
    assert answer.status_code == 200
    assert answer.json()["model"] == "bc:1"
