"""Several processes writing one store at once all succeed, with no lost or doubled version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING

from mlwright.track.store import open_store

if TYPE_CHECKING:
    from pathlib import Path

N_PROCESSES = 6
N_WRITES_EACH = 10

WRITER = textwrap.dedent(
    """
    import sys, time
    from mlwright.track.entities import NewDataset
    from mlwright.track.store import open_store
    uri, start, worker, n = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    store = open_store(uri)
    time.sleep(max(0.0, start - time.time()))  # start together, to collide
    for i in range(n):
        store.add_dataset(NewDataset(
            name="shared", fingerprint=f"{worker}-{i}".ljust(64, "0"), artifact_key="a" * 64,
            n_rows=1, n_columns=1, size_bytes=1, source=f"worker {worker}",
            schema={"columns": []}, profile={}, created_by=worker,
        ))
    store.close()
    """
)


def run_together(commands: list[list[str]], cwd: Path | None = None) -> list[str]:
    children = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
        for c in commands
    ]
    failures = []
    for child in children:
        _, err = child.communicate(timeout=240)
        if child.returncode != 0:
            failures.append(f"exit {child.returncode}: {err.strip()[-2000:]}")
    return failures


def test_processes_adding_versions_of_one_name(store_uri: str) -> None:
    # Open once first so the processes race on writes, plus once more inside each process
    # (the schema check on open must itself be safe when several processes open at once).
    start = time.time() + 3.0
    commands = [
        [sys.executable, "-c", WRITER, store_uri, str(start), f"w{k}", str(N_WRITES_EACH)]
        for k in range(N_PROCESSES)
    ]
    assert run_together(commands) == []
    store = open_store(store_uri)
    versions = sorted(r.version for r in store.list_datasets("shared"))
    store.close()
    assert versions == list(range(1, N_PROCESSES * N_WRITES_EACH + 1))


def test_processes_ingesting_into_one_workspace(tmp_path: Path) -> None:
    """Real `mlwright ingest` processes on one SQLite workspace: every ingest lands."""
    files = []
    for k in range(4):
        path = tmp_path / f"part{k}.csv"
        path.write_text("x,y\n" + "".join(f"{i},{i * k}\n" for i in range(200)))
        files.append(path)
    mlwright = os.path.join(os.path.dirname(sys.executable), "mlwright")
    workspace = tmp_path / "ws"
    commands = [
        [mlwright, "--workspace", str(workspace), "ingest", str(f), "--name", "parts", "-q"]
        for f in files
    ]
    assert run_together(commands) == []
    listed = subprocess.run(
        [mlwright, "--workspace", str(workspace), "datasets", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    refs = sorted(d["ref"] for d in json.loads(listed.stdout))
    assert refs == ["parts:1", "parts:2", "parts:3", "parts:4"]
    assert len(list((workspace / "artifacts" / "objects").rglob("*.*"))) == 0
    assert len([p for p in (workspace / "artifacts" / "objects").rglob("*") if p.is_file()]) == 4
