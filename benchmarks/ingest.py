"""Benchmark ``mlwright ingest`` against a bare DuckDB CSV-to-Parquet copy, and start-up time.

The benchmark generates (once, then reuses) a deterministic CSV of ``--rows`` rows and 20
mixed-type columns under ``benchmarks/out/``, then times, alternating, ``--repeats`` runs of

(a) ``mlwright --workspace <fresh dir> ingest FILE --name bench --quiet``: read, stage to
    Parquet, profile and store, end to end in a child process;
(b) the baseline, a child ``python -c`` that runs DuckDB's
    ``COPY (SELECT * FROM read_csv(FILE)) TO 'out.parquet' (FORMAT parquet, COMPRESSION zstd)``
    with DuckDB's defaults (one thread per core),

and reports the median wall time and CPU time, the peak memory, and their ratios. It also times
``python -c "import mlwright"`` and ``mlwright --help`` (median of ``--startup-repeats``).

Peak memory of a child is the larger of two readings: the resident set of the child's whole
process tree (the child plus all its descendants, summed), sampled with psutil every 20 ms;
and ``ru_maxrss`` that ``os.wait4`` returns for the child, the exact high-water mark of its
largest process, which no sampling can miss.

The machine should be quiet. Each run waits (up to a minute) for the other processes to go
idle, records how many cores they kept busy meanwhile, and is measured again (``--tries``)
when that exceeds a quarter of a core; the report says how quiet the kept runs were.

Targets (the ingest issue): ingest within 1.5x of the baseline's time and under 2 GB peak
memory; ``import mlwright`` under 0.3 s; ``mlwright --help`` under 0.6 s. The exit status is
0 whatever the figures are (it is a report); only a crash or a failing child exits non-zero.

Run it from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/ingest.py                 # 5 million rows, 3 repeats
    .venv/bin/python benchmarks/ingest.py --rows 200000   # a quick run
    .venv/bin/python benchmarks/ingest.py --json          # machine-readable report
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import psutil

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

OUT_DIR = Path(__file__).resolve().parent / "out"
POLL_SECONDS = 0.02
CONTENTION_WARN_CORES = 0.25
QUIET_MAX_WAIT_S = 60.0
MB = 1_000_000

TIME_RATIO_TARGET = 1.5
PEAK_MEMORY_TARGET_MB = 2000.0
IMPORT_TARGET_S = 0.3
HELP_TARGET_S = 0.6

# A short vocabulary for the free-text column; seven words give ~40 characters and 6 spaces.
# fmt: off
WORDS = (
    "the", "order", "arrived", "late", "and", "box", "was", "damaged", "great", "service",
    "would", "buy", "again", "price", "too", "high", "fast", "delivery", "not", "happy",
)
# fmt: on

BASELINE_CODE = """\
import sys
import duckdb

src, dest = (p.replace("'", "''") for p in sys.argv[1:3])
duckdb.connect().execute(
    f"COPY (SELECT * FROM read_csv('{src}')) TO '{dest}' (FORMAT parquet, COMPRESSION zstd)"
)
"""


@dataclass(frozen=True)
class Run:
    """One timed child process."""

    wall_s: float
    tree_rss_peak_mb: float
    maxrss_mb: float
    # Cores kept busy by everything else on the machine meanwhile (contention), on average.
    other_cores: float
    # CPU seconds (user + system) of the child and its descendants: robust to contention.
    cpu_s: float

    @property
    def peak_mb(self) -> float:
        return max(self.tree_rss_peak_mb, self.maxrss_mb)


@dataclass
class Row:
    """One line of the report table."""

    measurement: str
    mlwright: float
    baseline: float | None
    target: str
    passed: bool | None  # None: shown for information, no target
    unit: str
    ratio: float | None = None


@dataclass
class Report:
    """Everything measured, as printed and as written with ``--json``."""

    machine: dict[str, object]
    csv: dict[str, object]
    rows: list[Row] = field(default_factory=list)
    runs: dict[str, list[dict[str, float]]] = field(default_factory=dict)


# --- the data -------------------------------------------------------------------------------


def _column_sql() -> list[str]:
    """The 20 generated columns; ``h(i, k)`` is a deterministic hash of the row and column."""
    words = "[" + ", ".join(f"'{w}'" for w in WORDS) + "]"
    text = " || ' ' || ".join(f"{words}[h(i, {k}) % {len(WORDS)} + 1]" for k in range(23, 30))
    return [
        "i AS customer_id",
        "18 + h(i, 1) % 70 AS age",
        "h(i, 2) % 50 AS n_items",
        "h(i, 3) % 1000000 AS amount_cents",
        "round((h(i, 4) % 100000) / 100.0, 2) AS price",
        "CASE WHEN h(i, 5) % 10 = 0 THEN NULL "
        "ELSE round((h(i, 6) % 1000000) / 1e4 - 50, 4) END AS score",
        "CASE WHEN h(i, 7) % 100 < 35 THEN NULL ELSE round((h(i, 8) % 10000) / 1e4, 4) END "
        "AS ratio",
        "round((h(i, 9) % 6000) / 100.0 - 20, 2) AS temperature",
        "round((h(i, 10) % 18000000) / 1e5 - 90, 5) AS latitude",
        "round(ln(1 + h(i, 11) % 100000), 6) AS log_value",
        "['US', 'DE', 'FR', 'GB', 'IN', 'BR', 'JP', 'CN'][h(i, 12) % 8 + 1] AS country",
        "['consumer', 'business', 'enterprise'][h(i, 13) % 3 + 1] AS segment",
        "'city_' || (h(i, 14) % 500) AS city",
        "'sku-' || lpad((h(i, 15) % 5000)::VARCHAR, 5, '0') AS product",
        "CASE WHEN h(i, 16) % 20 = 0 THEN NULL "
        "ELSE ['new', 'paid', 'shipped', 'returned'][h(i, 17) % 4 + 1] END AS status",
        "h(i, 18) % 3 = 0 AS is_active",
        "DATE '2015-01-01' + (h(i, 19) % 3650)::INTEGER AS signup_date",
        "TIMESTAMP '2020-01-01' + to_seconds(h(i, 20) % 157680000) AS event_time",
        "CASE WHEN h(i, 21) % 50 = 0 THEN 'unknown' "
        "ELSE lpad((h(i, 22) % 100000)::VARCHAR, 5, '0') END AS postcode",
        f"{text} AS comment",
    ]


def generate_csv(rows: int, out_dir: Path) -> Path:
    """Write the benchmark CSV once per row count; later runs reuse it."""
    path = out_dir / f"ingest-{rows}.csv"
    if path.exists():
        return path
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.partial")
    select = ",\n  ".join(_column_sql())
    con = duckdb.connect()
    try:
        # DuckDB's hash() is deterministic for a given DuckDB version; no random seed needed.
        con.execute("CREATE MACRO h(i, k) AS (hash(i, k) % 2147483647)::BIGINT")
        con.execute(
            f"COPY (SELECT\n  {select}\nFROM range({rows}) t(i)) "
            f"TO '{partial}' (HEADER, DELIMITER ',')"
        )
    finally:
        con.close()
    partial.replace(path)
    return path


# --- measuring a child process --------------------------------------------------------------


def _tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of ``proc`` and all its descendants now; 0 once it has gone."""
    try:
        processes = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in processes:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue  # exited between listing and reading
    return total


@contextlib.contextmanager
def sampled_peak(pid: int) -> Iterator[Callable[[], int]]:
    """Sample the resident memory of process ``pid`` and its descendants until the block ends.

    Yields a function giving the peak seen so far, in bytes.
    """
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        try:
            proc = psutil.Process(pid)
        except psutil.Error:
            return
        while not done.is_set():
            peak = max(peak, _tree_rss(proc))
            done.wait(POLL_SECONDS)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        yield lambda: peak
    finally:
        done.set()
        poller.join()


def wait_for_quiet(max_wait_s: float = QUIET_MAX_WAIT_S) -> None:
    """Wait (a while, at most) until the rest of the machine is idle, so runs do not contend."""
    deadline = time.monotonic() + max_wait_s
    while time.monotonic() < deadline:
        before = _busy_seconds()
        time.sleep(1.0)
        if _busy_seconds() - before < CONTENTION_WARN_CORES:
            return
    _log(f"  the machine is still busy after {max_wait_s:.0f} s; measuring anyway")


def measure(command: list[str], *, cwd: Path, env: dict[str, str]) -> tuple[Run, str]:
    """Run ``command`` to completion; its wall time, peak memory and standard output."""
    wait_for_quiet()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        before = _busy_seconds()
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        with sampled_peak(child.pid) as peak:
            # wait4, unlike Popen.wait, hands back the child's own resource usage.
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
        others = _busy_seconds() - before - usage.ru_utime - usage.ru_stime
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        msg = f"{' '.join(command)} exited {child.returncode}:\n{stderr[-4000:]}"
        raise RuntimeError(msg)
    # ru_maxrss is in kilobytes on Linux.
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, peak() / MB, usage.ru_maxrss * 1024 / MB, max(others, 0.0) / wall, cpu), stdout


def _busy_seconds() -> float:
    """CPU seconds the machine has spent busy, less this process's own (the poller)."""
    t = psutil.cpu_times()
    busy: float = t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)
    own = psutil.Process().cpu_times()
    return busy - float(own.user + own.system)


def _clean_env() -> dict[str, str]:
    """The environment without MLWRIGHT_* settings, so every run uses the defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MLWRIGHT_")}


def _mlwright_exe() -> str:
    return str(Path(sys.executable).parent / "mlwright")


def run_mlwright(csv: Path) -> Run:
    """One ``mlwright ingest`` of ``csv`` into a fresh workspace."""
    with tempfile.TemporaryDirectory(prefix="mlwright-bench-") as tmp:
        work = Path(tmp)
        command = [_mlwright_exe(), "--workspace", str(work / "ws")]
        command += ["ingest", str(csv), "--name", "bench", "--quiet"]
        run, stdout = measure(command, cwd=work, env=_clean_env())
    if stdout.strip() != "bench:1":
        msg = f"mlwright ingest printed {stdout!r}, expected 'bench:1'"
        raise RuntimeError(msg)
    return run


def run_baseline(csv: Path) -> Run:
    """One bare DuckDB copy of ``csv`` to zstd Parquet."""
    with tempfile.TemporaryDirectory(prefix="mlwright-bench-") as tmp:
        work = Path(tmp)
        command = [sys.executable, "-c", BASELINE_CODE, str(csv), str(work / "out.parquet")]
        run, _ = measure(command, cwd=work, env=_clean_env())
    return run


def run_uncontended(runner: Callable[[Path], Run], csv: Path, label: str, tries: int) -> Run:
    """Run ``runner`` again (up to ``tries`` times) while other work disturbs it; the quietest."""
    runs: list[Run] = []
    for attempt in range(1, tries + 1):
        runs.append(runner(csv))
        _log_run(label, runs[-1])
        if runs[-1].other_cores <= CONTENTION_WARN_CORES:
            break
        if attempt < tries:
            _log("    (other processes were busy; measuring again)")
    return min(runs, key=lambda r: r.other_cores)


def time_ingest(csv: Path, repeats: int, tries: int) -> tuple[list[Run], list[Run]]:
    """Alternate mlwright ingest and the bare DuckDB copy, each in a fresh folder."""
    ours: list[Run] = []
    theirs: list[Run] = []
    for i in range(repeats):
        ours.append(run_uncontended(run_mlwright, csv, f"run {i + 1}/{repeats} mlwright", tries))
        theirs.append(run_uncontended(run_baseline, csv, f"run {i + 1}/{repeats} duckdb  ", tries))
    return ours, theirs


def time_startup(command: list[str], repeats: int) -> list[float]:
    """Wall times of ``command``, run ``repeats`` times after one untimed warm-up."""
    env = _clean_env()
    wait_for_quiet()
    with tempfile.TemporaryDirectory(prefix="mlwright-bench-") as tmp:
        subprocess.run(command, cwd=tmp, env=env, check=True, capture_output=True)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(command, cwd=tmp, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times


# --- the report -----------------------------------------------------------------------------


def machine(**libraries: str) -> dict[str, object]:
    """The machine, Python, mlwright and ``libraries`` (name=version), for a report."""
    import mlwright

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **libraries,
        "mlwright": getattr(mlwright, "__version__", "?"),
        "date": time.strftime("%Y-%m-%d"),
    }


def build_report(args: argparse.Namespace) -> Report:
    """Generate the data, run every measurement and judge it against the targets."""
    started = time.perf_counter()
    csv = generate_csv(args.rows, args.out_dir)
    _log(f"CSV ready: {csv} ({csv.stat().st_size / MB:,.0f} MB) in {_since(started)}")
    report = Report(
        machine(duckdb=duckdb.__version__),
        {"path": str(csv), "rows": args.rows, "size_mb": csv.stat().st_size / MB},
    )

    _log(f"ingest: {args.repeats} repeats of mlwright and of bare DuckDB, alternating")
    ours, theirs = time_ingest(csv, args.repeats, args.tries)
    report.runs["mlwright_ingest"] = [{**asdict(r), "peak_mb": r.peak_mb} for r in ours]
    report.runs["duckdb_copy"] = [{**asdict(r), "peak_mb": r.peak_mb} for r in theirs]
    wall = statistics.median(r.wall_s for r in ours)
    base_wall = statistics.median(r.wall_s for r in theirs)
    ratio = wall / base_wall
    target = f"<= {TIME_RATIO_TARGET}x"
    report.rows.append(
        Row("ingest wall time", wall, base_wall, target, ratio <= TIME_RATIO_TARGET, "s", ratio)
    )
    cpu = statistics.median(r.cpu_s for r in ours)
    base_cpu = statistics.median(r.cpu_s for r in theirs)
    report.rows.append(Row("ingest CPU time", cpu, base_cpu, "", None, "s", cpu / base_cpu))
    peak, base_peak = max(r.peak_mb for r in ours), max(r.peak_mb for r in theirs)
    target = f"< {PEAK_MEMORY_TARGET_MB:,.0f} MB"
    passed = peak < PEAK_MEMORY_TARGET_MB
    report.rows.append(
        Row("ingest peak memory", peak, base_peak, target, passed, "MB", peak / base_peak)
    )

    _log(f"start-up: {args.startup_repeats} runs each")
    bare = time_startup([sys.executable, "-c", "pass"], args.startup_repeats)
    imports = time_startup([sys.executable, "-c", "import mlwright"], args.startup_repeats)
    helps = time_startup([_mlwright_exe(), "--help"], args.startup_repeats)
    report.runs["python_startup"] = [{"wall_s": t} for t in bare]
    report.runs["import_mlwright"] = [{"wall_s": t} for t in imports]
    report.runs["mlwright_help"] = [{"wall_s": t} for t in helps]
    base = statistics.median(bare)
    for label, times, limit in (
        ('python -c "import mlwright"', imports, IMPORT_TARGET_S),
        ("mlwright --help", helps, HELP_TARGET_S),
    ):
        median = statistics.median(times)
        report.rows.append(Row(label, median, base, f"< {limit} s", median < limit, "s"))
    _log(f"done in {_since(started)}")
    return report


def format_table(report: Report, repeats: int, startup_repeats: int) -> str:
    """The report as a plain-text table, with the method in a few lines under it."""
    header = ("measurement", "mlwright", "baseline", "ratio", "target", "result")
    lines = [header]
    for row in report.rows:
        fmt = "{:,.0f} MB" if row.unit == "MB" else "{:.3f} s"
        baseline = "" if row.baseline is None else fmt.format(row.baseline)
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
        result = {True: "pass", False: "FAIL", None: "info"}[row.passed]
        lines.append(
            (row.measurement, fmt.format(row.mlwright), baseline, ratio, row.target, result)
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    m, c = report.machine, report.csv
    text += [
        "",
        f"data: {c['rows']:,} rows x 20 columns, {c['size_mb']:,.0f} MB CSV ({c['path']})",
        f"machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, "
        f"DuckDB {m['duckdb']}, {m['platform']}, {m['date']}",
        f"ingest: median wall time of {repeats} alternating runs; baseline is a bare DuckDB "
        "COPY of read_csv to zstd Parquet with DuckDB's defaults.",
        "CPU time: median user + system seconds of the child and its descendants; it depends "
        "far less on other load than wall time, so it is the figure to trust on a busy machine.",
        "peak memory: max over runs of max(child tree RSS summed, sampled every 20 ms by "
        "psutil; ru_maxrss of the child from wait4).",
        f"start-up: median of {startup_repeats} runs after a warm-up; baseline is "
        '`python -c "pass"`.',
        _contention(report),
    ]
    return "\n".join(text)


def _contention(report: Report) -> str:
    """How busy the rest of the machine was during the ingest runs, and whether that matters."""
    runs = report.runs["mlwright_ingest"] + report.runs["duckdb_copy"]
    worst = max(r["other_cores"] for r in runs)
    line = f"contention: other processes kept at most {worst:.2f} cores busy during an ingest run"
    if worst > CONTENTION_WARN_CORES:
        line += "; WARNING: the machine was not quiet, rerun for reliable figures"
    return line


def _since(start: float) -> str:
    return f"{time.perf_counter() - start:.1f} s"


def _log_run(label: str, run: Run) -> None:
    _log(
        f"  {label}: {run.wall_s:.2f} s, {run.cpu_s:.1f} CPU s, {run.peak_mb:,.0f} MB, "
        f"other load {run.other_cores:.2f} cores"
    )


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows in the CSV")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each ingest")
    parser.add_argument(
        "--startup-repeats", type=int, default=7, help="runs of each start-up command"
    )
    parser.add_argument(
        "--tries",
        type=int,
        default=3,
        help="measure a run again, up to this many times, while other processes disturb it",
    )
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where the CSV is cached")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = build_report(args)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print(format_table(report, args.repeats, args.startup_repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
