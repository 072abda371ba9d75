"""Serve a model on a free loopback port for a few real requests, then stop: the demo's check.

The server is uvicorn in a thread of this process, on 127.0.0.1 and a port the system
picks; it stops by itself after the requests, whatever happens.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from mlwright.registry.loaded import LoadedModel

STARTUP_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class TrialResult:
    """What the trial sent and how fast the answers came."""

    url: str
    n_requests: int
    n_rows: int
    median_ms: float


def serve_briefly(model: LoadedModel, rows_csv: Path, *, n_requests: int = 5) -> TrialResult:
    """Start a server for ``model``, POST rows of ``rows_csv`` to it, and stop it."""
    import pandas as pd
    import uvicorn

    from mlwright.serve.app import create_app

    names = [c.name for c in model.info.columns]
    frame = pd.read_csv(rows_csv, nrows=n_requests * 4)
    rows = json.loads(frame[names].to_json(orient="records", date_format="iso"))
    config = uvicorn.Config(create_app(model), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="mlwright-demo-server", daemon=True)
    thread.start()
    try:
        url = _wait_until_started(server)
        latencies = []
        for i in range(n_requests):
            body = json.dumps({"records": rows[i * 4 : (i + 1) * 4]}).encode()
            started = time.perf_counter()
            _post(f"{url}/predict", body)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)
    return TrialResult(url, n_requests, n_requests * 4, statistics.median(latencies))


def _post(url: str, body: bytes) -> None:
    """POST JSON with the standard library (the demo needs no HTTP client installed)."""
    from urllib.request import Request, urlopen

    request = Request(url, data=body, headers={"content-type": "application/json"})
    with urlopen(request, timeout=30) as answer:
        answer.read()


def _wait_until_started(server: Any) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.started and server.servers:
            port = server.servers[0].sockets[0].getsockname()[1]
            return f"http://127.0.0.1:{port}"
        time.sleep(0.02)
    msg = "the demo server did not start within 30 s"
    raise RuntimeError(msg)
