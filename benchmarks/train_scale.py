"""Train on a large generated table and check the budget rule and the memory ceiling.

The issue's scale target: training on 1,000,000 rows x 30 columns fits in 6 GB of memory and
in its budget (wall time of ``train`` <= budget x 1.1 + 5 s). The script generates the table
(24 numeric and 5 categorical features, a binary target with a known signal; fixed seed),
ingests it into a fresh workspace, runs ``Workspace.train`` and reports the wall time of the
training call, the rule, the peak resident memory of the process (``ru_maxrss``), the plan's
degradations and the test ROC AUC. It exits 0 whatever the figures are.

    .venv/bin/python benchmarks/train_scale.py                    # 1,000,000 rows, 60 s
    .venv/bin/python benchmarks/train_scale.py --rows 200000 --budget 30
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import mlwright

MEMORY_TARGET_MB = 6_000


def make_frame(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """24 numeric and 5 categorical features and a binary target ``y`` with a known signal."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {f"x{i}": rng.normal(size=n_rows) for i in range(24)}
    labels = np.array([f"v{j}" for j in range(20)])
    columns |= {f"c{i}": labels[rng.integers(0, 20, n_rows)] for i in range(5)}
    frame = pd.DataFrame(columns)
    signal = 1.5 * frame.x0 - frame.x1 + 2.0 * (frame.c0 == "v3") + rng.normal(size=n_rows)
    frame["y"] = signal > 0.5
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--budget", type=float, default=60.0, help="time budget, seconds")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        ws = mlwright.Workspace(folder)
        start = time.perf_counter()
        ws.ingest(make_frame(args.rows), name="scale")
        ingest_s = time.perf_counter() - start
        start = time.perf_counter()
        run = ws.train("scale", target="y", time_budget=args.budget)
        train_s = time.perf_counter() - start
        ws.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    limit = args.budget * 1.1 + 5
    auc = run.test_metrics.get("roc_auc", {})
    print(f"rows: {args.rows:,} x 30 columns; budget {args.budget:g} s")
    print(f"ingest: {ingest_s:.1f} s")
    print(
        f"train wall time: {train_s:.1f} s; rule <= {limit:.1f} s: "
        f"{'pass' if train_s <= limit else 'FAIL'}"
    )
    print(
        f"peak memory (whole process): {peak_mb:,.0f} MB; target < {MEMORY_TARGET_MB:,} MB: "
        f"{'pass' if peak_mb < MEMORY_TARGET_MB else 'FAIL'}"
    )
    print(f"candidates: {len(run.record.trials)}; model: {run.record.result['chosen']['kind']}")
    print(
        f"test roc_auc: {auc.get('value', float('nan')):.4f} "
        f"[{auc.get('low', float('nan')):.4f}, {auc.get('high', float('nan')):.4f}]"
    )
    for note in run.notes:
        if note.startswith("plan: (") or note.startswith("(4)") or "ensemble" in note:
            print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
