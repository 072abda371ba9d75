"""The full monitoring check at scale: 1,000,000 reference and current rows x 20 columns.

Issue 6's target: ``check_model`` (drift of every input column, prediction drift, the
domain classifier, estimated performance) in under 10 s and 2 GB of peak memory on this
machine. The data is the drift benchmark's (``benchmarks/drift/make_data.py``: 14 numeric
and 6 categorical columns, three injected shifts); the model is trained once by mlwright
on 20,000 reference rows with a target made from four columns, and registered as
``scale`` in ``benchmarks/out/monitor_scale/ws``. The check runs in a child process, so
its peak memory is its own::

    .venv/bin/python benchmarks/monitor_scale.py            # build what is missing, measure
    .venv/bin/python benchmarks/monitor_scale.py --rows 100000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ingest import machine, measure  # noqa: E402

DATA = HERE / "out" / "drift"
WORKSPACE = HERE / "out" / "monitor_scale" / "ws"
MODEL = "scale"
TRAIN_ROWS = 20_000
TARGET_SECONDS, TARGET_MB = 10.0, 2048.0


def pair(rows: int) -> tuple[Path, Path]:
    """The reference and current Parquet files of ``rows`` rows (made if missing)."""
    reference, current = DATA / f"reference_{rows}.parquet", DATA / f"current_{rows}.parquet"
    if not (reference.exists() and current.exists()):
        import subprocess

        script = HERE / "drift" / "make_data.py"
        subprocess.run([sys.executable, str(script), "--sizes", str(rows)], check=True)
    return reference, current


def build_model(reference: Path) -> None:
    """Train and register the model once: a target from four of the columns, plus noise."""
    import numpy as np
    import pyarrow.parquet as pq

    import mlwright

    if (WORKSPACE / "mlwright.db").exists():
        return
    frame = pq.read_table(reference).slice(0, TRAIN_ROWS).to_pandas()
    rng = np.random.default_rng(0)
    numbers = frame.select_dtypes("number").columns[:3]
    categories = frame.select_dtypes(exclude="number").columns[:1]
    score = sum((frame[c] - frame[c].mean()) / frame[c].std() for c in numbers)
    score = score + (frame[categories[0]] == frame[categories[0]].mode()[0]) * 1.0
    frame["y"] = np.where(score.fillna(0) + rng.normal(0, 1, len(frame)) > 0, "yes", "no")
    with mlwright.Workspace(WORKSPACE) as ws:
        ws.ingest(frame, name="scale")
        run = ws.train("scale", target="y", time_budget=10, families=["lightgbm"], seed=0)
        ws.register(run.id, MODEL, alias="production")


def child(reference: Path, current: Path) -> None:
    """The measured work: load the model, read both tables, check."""
    import pyarrow.parquet as pq

    import mlwright
    from mlwright.monitor.check import check_model

    start = time.perf_counter()
    model = mlwright.load_model(f"{MODEL}@production", workspace=WORKSPACE)
    loaded = time.perf_counter()
    ref, cur = pq.read_table(reference), pq.read_table(current)
    read = time.perf_counter()
    report = check_model(model, ref, cur)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "load_s": loaded - start,
                "read_s": read - loaded,
                "check_s": done - read,
                "drifted": report.drift.drifted,
                "status": report.status,
                "rows": [ref.num_rows, cur.num_rows],
                "columns": len(report.drift.features),
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    reference, current = pair(args.rows)
    build_model(reference)
    command = [sys.executable, __file__, "--child", str(reference), str(current)]
    run, out = measure(command, cwd=HERE.parent, env=dict(os.environ))
    found = json.loads(out.strip().splitlines()[-1])
    print(
        f"rows: {found['rows'][0]:,} reference, {found['rows'][1]:,} current, "
        f"{found['columns']} columns; status {found['status']}, drifted {found['drifted']}"
    )
    print(
        f"load model {found['load_s']:.2f} s, read Parquet {found['read_s']:.2f} s, "
        f"check {found['check_s']:.2f} s; process wall {run.wall_s:.2f} s, "
        f"peak {run.peak_mb:,.0f} MB"
    )
    within = found["check_s"] + found["read_s"] < TARGET_SECONDS and run.peak_mb < TARGET_MB
    print(
        f"target (read + check < {TARGET_SECONDS:g} s, peak < {TARGET_MB:,.0f} MB): "
        f"{'met' if within else 'MISSED'}"
    )
    print(f"machine: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
