"""A file larger than the ingest memory limit still ingests: DuckDB streams it to Parquet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

MLWRIGHT = str(Path(sys.executable).parent / "mlwright")


def test_csv_larger_than_the_memory_limit(tmp_path: Path) -> None:
    csv = tmp_path / "big.csv"
    duckdb.execute(
        f"""COPY (SELECT i AS id, i % 97 AS bucket, hash(i) % 100000 / 7.0 AS amount,
                  'customer-' || (i % 5000) AS customer, 'note ' || (i % 13) AS note
                  FROM range(3000000) t(i)) TO '{csv}' (HEADER)"""
    )
    memory_mb = 96
    assert csv.stat().st_size > memory_mb * 1024 * 1024
    result = subprocess.run(
        [MLWRIGHT, "--workspace", str(tmp_path / "ws"), "ingest", str(csv), "-n", "big", "-q"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MLWRIGHT_INGEST_MEMORY_MB": str(memory_mb)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = subprocess.run(
        [MLWRIGHT, "--workspace", str(tmp_path / "ws"), "datasets", "show", "big", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"n_rows": 3000000' in listed.stdout
