"""mlwright's drift monitor on one reference/current pair; one JSON object on stdout.

Runs in mlwright's ``.venv``, in a process of its own (``benchmarks/drift.py`` starts one per
pair, so that its peak memory is mlwright's alone)::

    .venv/bin/python benchmarks/drift/mlwright_run.py \\
        benchmarks/out/drift/reference_100000.parquet benchmarks/out/drift/current_100000.parquet

``run_mlwright`` reads both files with ``pyarrow.parquet.read_table`` and calls
``mlwright.monitor.drift.detect_drift(reference, current, DriftConfig())`` with the defaults;
``report.drifted`` is the list of flagged columns and ``report.features`` the per-column
results (``.column``, ``.statistic`` = PSI, ``.p_value``, ``.threshold``). It prints the fields
``evidently_run.py`` and ``baseline.py`` print (``tool``, ``version``, ``rows``, ``import_s``,
``load_s``, ``detect_s``, ``wall_s``, ``peak_rss_mb``, ``flagged``, ``columns``).

When ``mlwright.monitor.drift`` cannot be imported (the monitor is not there yet, or is
broken), the script prints ``{"tool": "mlwright", "available": false, "error": "mlwright
monitor not available: <error>"}`` and exits 0, so the driver can report it and go on; any
other failure is a crash (non-zero exit, traceback on stderr).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

STARTED = time.perf_counter()


def run_mlwright(reference_path: str, current_path: str) -> dict[str, Any]:
    """mlwright's ``detect_drift`` on the pair, timed; raises ImportError without the monitor."""
    t0 = time.perf_counter()
    import pyarrow.parquet as pq

    import mlwright
    from mlwright.monitor.drift import DriftConfig, detect_drift

    t1 = time.perf_counter()
    reference = pq.read_table(reference_path)
    current = pq.read_table(current_path)
    t2 = time.perf_counter()
    report = detect_drift(reference, current, DriftConfig())
    t3 = time.perf_counter()

    drifted = list(report.drifted)
    columns = [
        {
            "column": f.column,
            "test": getattr(f, "test", None) or "mlwright",
            "score": _num(getattr(f, "statistic", None)),
            "p_value": _num(getattr(f, "p_value", None)),
            "threshold": _num(getattr(f, "threshold", None)),
            "drifted": f.column in drifted,
        }
        for f in report.features
    ]
    return {
        "tool": "mlwright",
        "available": True,
        "version": getattr(mlwright, "__version__", "?"),
        "rows": [reference.num_rows, current.num_rows],
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "detect_s": t3 - t2,
        "wall_s": time.perf_counter() - STARTED,
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
        "flagged": drifted,
        "columns": columns,
    }


def _num(value: Any) -> float | None:
    """A float for JSON (NumPy scalars included), or None."""
    return None if value is None else float(value)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: mlwright_run.py REFERENCE.parquet CURRENT.parquet", file=sys.stderr)
        return 2
    try:
        result = run_mlwright(*args)
    except ImportError as exc:
        error = f"mlwright monitor not available: {type(exc).__name__}: {exc}"
        result = {"tool": "mlwright", "available": False, "error": error}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
