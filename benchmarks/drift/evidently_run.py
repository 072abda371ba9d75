"""Evidently's data drift preset on one reference/current pair; one JSON object on stdout.

Runs INSIDE Evidently's virtualenv (``benchmarks/drift/peers.sh`` builds
``benchmarks/.venv-evidently``), as ``benchmarks/drift.py`` does::

    benchmarks/.venv-evidently/bin/python benchmarks/drift/evidently_run.py \\
        benchmarks/out/drift/reference_100000.parquet benchmarks/out/drift/current_100000.parquet

What it does, as an Evidently 0.7 user would: read both Parquet files with pyarrow into pandas
DataFrames, then ``Report([DataDriftPreset()], include_tests=True).run(current, reference)``
with the preset's defaults (column types inferred by Evidently, stat tests and thresholds
chosen by Evidently: above 1,000 reference rows the normed Wasserstein distance for numeric
columns and the Jensen-Shannon distance for categorical ones, both at threshold 0.1).
``include_tests=True`` only adds Evidently's own pass/fail verdict per column (the ValueDrift
test, ``FAIL`` = drift detected), which is what ``flagged`` lists; the scores are the same
without it.

``--cat-method NAME`` (not used by ``benchmarks/drift.py``) passes ``cat_method=NAME`` to the
preset, e.g. ``chisquare``, to see another of Evidently's categorical tests on the same data.

Printed fields: ``tool``, ``version``, ``rows`` (reference, current), ``import_s`` (importing
Evidently), ``load_s`` (Parquet to pandas), ``detect_s`` (``Report.run``), ``wall_s`` (the
script from its first line to the end of the run), ``peak_rss_mb`` (``ru_maxrss`` of this
process), ``flagged`` (columns Evidently flags, in column order), ``drifted_count`` (Evidently's
own DriftedColumnsCount, a cross-check) and ``columns``: per column ``test`` (Evidently's method
name), ``score``, ``threshold``, ``drifted`` and ``p_value`` (the score when the method is a
p-value test, else null).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from typing import Any

STARTED = time.perf_counter()


def run(reference_path: str, current_path: str, cat_method: str | None = None) -> dict[str, Any]:
    """Evidently's DataDriftPreset on the pair, timed; the fields the module docstring lists."""
    t0 = time.perf_counter()
    import pyarrow.parquet as pq
    from evidently import Report
    from evidently import __version__ as evidently_version
    from evidently.presets import DataDriftPreset

    t1 = time.perf_counter()
    reference = pq.read_table(reference_path).to_pandas()
    current = pq.read_table(current_path).to_pandas()
    t2 = time.perf_counter()
    preset = DataDriftPreset() if cat_method is None else DataDriftPreset(cat_method=cat_method)
    snapshot = Report([preset], include_tests=True).run(current, reference)
    t3 = time.perf_counter()

    result = snapshot.dict()
    columns: list[dict[str, Any]] = []
    verdicts: dict[str, bool] = {}
    for test in result["tests"]:
        params = test["metric_config"]["params"]
        if params.get("type", "").endswith(":ValueDrift"):
            verdicts[params["column"]] = test["status"] == "FAIL"
    drifted_count = None
    for metric in result["metrics"]:
        config = metric["config"]
        kind = config.get("type", "")
        if kind.endswith(":DriftedColumnsCount"):
            drifted_count = int(metric["value"]["count"])
        elif kind.endswith(":ValueDrift"):
            method = str(config.get("method"))
            score = float(metric["value"])
            columns.append(
                {
                    "column": config["column"],
                    "test": method,
                    "score": score,
                    "threshold": config.get("threshold"),
                    "drifted": verdicts.get(config["column"]),
                    "p_value": score if "p_value" in method else None,
                }
            )
    order = {name: i for i, name in enumerate(reference.columns)}
    columns.sort(key=lambda c: order.get(c["column"], len(order)))
    return {
        "tool": "evidently",
        "cat_method": cat_method,
        "version": evidently_version,
        "rows": [len(reference), len(current)],
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "detect_s": t3 - t2,
        "wall_s": time.perf_counter() - STARTED,
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
        "flagged": [c["column"] for c in columns if c["drifted"]],
        "drifted_count": drifted_count,
        "columns": columns,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", help="reference Parquet file")
    parser.add_argument("current", help="current Parquet file")
    parser.add_argument("--cat-method", help="Evidently's test for categorical columns")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.reference, args.current, args.cat_method)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
