"""A workspace with something on every dashboard page, and ``mlwright ui`` run for real.

Two runs on the planted churn data (tests/cli/planted.py), both registered (``production``
on version 1), and one monitoring check of a shifted copy.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from mlwright.workspace import Workspace
from tests.cli.planted import customers

if TYPE_CHECKING:
    from pathlib import Path

MLWRIGHT = str(os.path.join(os.path.dirname(sys.executable), "mlwright"))
TOKEN = "a-long-dashboard-token-for-tests"


@dataclass(frozen=True)
class Built:
    path: Path
    first_run: str
    second_run: str


def build(path: Path) -> Built:
    """Ingest, train twice, register both runs, alias version 1, check a shifted copy."""
    with Workspace(path) as ws:
        ws.ingest(customers(2000, 0), name="customers")
        first = ws.train("customers", target="churn", time_budget=3, families=["lightgbm"], seed=0)
        second = ws.train("customers", target="churn", time_budget=3, families=["linear"], seed=1)
        ws.register(first.id, "churn", alias="production")
        ws.register(second.id, "churn")
        shifted = customers(1500, 5)
        shifted["usage"] = shifted["usage"] * 2.0
        ws.monitor("churn@production", current=_csv(shifted, path.parent / "later.csv"))
    return Built(path, first.id, second.id)


def _csv(frame: object, path: Path) -> Path:
    frame.to_csv(path, index=False)  # type: ignore[attr-defined]
    return path


@dataclass
class UiServer:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start(path: Path, log: Path, *options: str, token_file: Path | None = None) -> UiServer:
    """``mlwright ui`` on a free loopback port, once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [MLWRIGHT, "--workspace", str(path), "ui", "--port", str(port), *options]
    if token_file is not None:
        command += ["--token-file", str(token_file)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = UiServer(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            httpx.get(server.url + "/login", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise AssertionError("the dashboard did not start within 60 s")
