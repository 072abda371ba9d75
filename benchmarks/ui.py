"""Dashboard page times with 1,000 runs and 100 model versions (issue 8: each under 300 ms).

The workspace (``benchmarks/out/ui/ws``, built once) holds one dataset, one real training run
registered as 100 versions of ``bench`` (an alias moved along the way), 999 more runs recorded
through the store with the real run's settings, result and leaderboard, and 60 monitoring
checks copied from a real one. The dashboard runs under uvicorn on loopback in this process;
each page is fetched once to warm up, then ``--repeats`` times over real HTTP::

    .venv/bin/python benchmarks/ui.py
    .venv/bin/python benchmarks/ui.py --repeats 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "cli"))

from ingest import machine  # noqa: E402

WORKSPACE = HERE / "out" / "ui" / "ws"
RUNS, VERSIONS, CHECKS = 1000, 100, 60
TARGET_MS = 300.0


def build() -> None:
    """The workspace described above (skipped when it exists)."""
    from planted import customers

    from mlwright.core.types import TrialReport
    from mlwright.track.entities import NewCheck, NewRun
    from mlwright.workspace import Workspace

    if WORKSPACE.exists():
        return
    print(f"building {WORKSPACE} (once) ...", flush=True)
    with Workspace(WORKSPACE) as ws:
        ws.ingest(customers(4000, 0), name="customers")
        run = ws.train("customers", target="churn", time_budget=5, families=["lightgbm"])
        for version in range(1, VERSIONS + 1):
            ws.register(run.id, "bench", alias="production" if version % 10 == 0 else None)
        shifted = customers(2000, 9)
        shifted["usage"] *= 1.5
        later = WORKSPACE.parent / "later.csv"
        shifted.to_csv(later, index=False)
        check = ws.monitor("bench@production", current=later)
        record = run.record
        trials = ws.store.get_run(run.id).trials
        for _ in range(RUNS - 1):
            new = ws.store.create_run(
                NewRun(
                    dataset_name=record.dataset_name,
                    dataset_version=record.dataset_version,
                    dataset_fingerprint=record.dataset_fingerprint,
                    target=record.target,
                    config=record.config,
                    lineage=record.lineage,
                    created_by="benchmark",
                )
            )
            for trial in trials:
                ws.store.add_trial(
                    new.id,
                    TrialReport(
                        number=trial.number,
                        family=trial.family,
                        phase=trial.phase,
                        status=trial.status,
                        params=trial.params,
                        fold_scores=trial.fold_scores,
                        mean=trial.mean,
                        std=trial.std,
                        fit_time_s=trial.fit_time_s,
                        predict_ms_per_1k=trial.predict_ms_per_1k,
                        message=trial.message,
                    ),
                )
            ws.store.finish_run(
                new.id,
                status="finished",
                task_type=record.task_type,
                metric=record.metric,
                result={k: v for k, v in record.result.items() if k != "oof_losses_key"},
                model_key=record.model_key,
            )
        for _ in range(CHECKS - 1):
            ws.store.add_check(
                NewCheck(
                    kind="drift",
                    model_name="bench",
                    model_version=VERSIONS,
                    status=check.status,
                    summary=check.to_dict(),
                    created_by="benchmark",
                )
            )


def pages(first_run: str, second_run: str) -> list[str]:
    """Every kind of page of the dashboard (the report excepted: it is a written file)."""
    return [
        "/",
        "/datasets",
        "/datasets/customers/1",
        "/runs",
        "/runs?page_number=20",
        f"/runs/{first_run}",
        f"/runs/compare?a={first_run}&b={second_run}",
        "/models",
        "/models/bench",
        "/monitoring",
        "/monitoring/bench",
    ]


def main() -> None:
    import httpx
    import uvicorn

    from mlwright.ui.app import create_app
    from mlwright.workspace import Workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    build()
    print(machine())
    with Workspace(WORKSPACE) as ws:
        runs = ws.store.list_runs()
        print(f"{len(runs):,} runs, {len(ws.store.list_model_versions()):,} model versions")
        server = uvicorn.Server(
            uvicorn.Config(create_app(ws), host="127.0.0.1", port=0, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not (server.started and server.servers):
            time.sleep(0.05)
        url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        worst = 0.0
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                print(f"{'page':<48} {'median ms':>10} {'max ms':>8}")
                for path in pages(runs[0].id, runs[-1].id):
                    assert client.get(path).status_code == 200, path
                    times = []
                    for _ in range(args.repeats):
                        start = time.perf_counter()
                        client.get(path).raise_for_status()
                        times.append(1000 * (time.perf_counter() - start))
                    worst = max(worst, max(times))
                    print(f"{path:<48} {statistics.median(times):>10.1f} {max(times):>8.1f}")
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    verdict = "met" if worst < TARGET_MS else "MISSED"
    print(f"slowest request {worst:.0f} ms; target {TARGET_MS:.0f} ms per page: {verdict}")


if __name__ == "__main__":
    main()
