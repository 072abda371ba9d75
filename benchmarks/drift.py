"""Benchmark drift detection: mlwright's monitor against Evidently and a NumPy/SciPy baseline.

The same reference/current Parquet pairs (``benchmarks/drift/make_data.py``: 20 columns, 14
numeric and 6 categorical, 100,000 and 1,000,000 rows by default, built on the first run under
``benchmarks/out/drift/``) go, in turn, each pair through three tools, each in a fresh child
process so that its time and peak memory are its own:

(a) Evidently: ``Report([DataDriftPreset()]).run(current, reference)`` with the preset's
    defaults, from its own virtualenv ``benchmarks/.venv-evidently``
    (``benchmarks/drift/evidently_run.py``);
(b) the baseline: the same tests as mlwright's monitor written plainly in one pass over the
    columns with NumPy and SciPy (PSI on 20 reference-quantile bins plus a missing bin and the
    KS test per numeric column; PSI, chi-square and Jensen-Shannon per categorical column;
    flagged when PSI > 0.1 or p < 0.05 / 20), ``benchmarks/drift/baseline.py``;
(c) mlwright: ``mlwright.monitor.drift.detect_drift(reference, current, DriftConfig())`` on
    the two ``pyarrow.Table``\\ s, ``benchmarks/drift/mlwright_run.py``. When the monitor
    cannot be imported, the report says "mlwright monitor not available: <error>" and the
    other tools are measured all the same.

Each pair has exactly three injected shifts (``benchmarks/out/drift/shifts.json``): a large
mean shift of a numeric column (+0.5 std), a categorical column whose top category's share is
halved, and a small mean shift of another numeric column (+0.1 std). For each tool and size
the report gives the wall time of the child process (start-up, imports and Parquet reads
included) and the time of the detection call alone, the peak memory, the flagged columns,
whether exactly the three shifts were flagged, the false alarms (unshifted columns flagged;
the twelve unshifted numeric and five unshifted categorical columns) and the missed shifts;
then the ratios mlwright / Evidently and mlwright / baseline.

Peak memory of a child is, as in ``benchmarks/ingest.py``, the larger of the resident set of
its process tree sampled every 20 ms and its ``ru_maxrss`` from ``os.wait4``. Before each run
the script waits (up to a minute) for the machine to go quiet and records how many cores
other processes kept busy meanwhile. The exit status is 0 whatever the figures are (it is a
report); only a crash of the script itself exits non-zero (a tool that fails is reported).

Run it from the repository root with the project's virtual environment, after
``bash benchmarks/drift/peers.sh`` (Evidently's venv)::

    .venv/bin/python benchmarks/drift.py                          # 100k and 1M rows
    .venv/bin/python benchmarks/drift.py --sizes 100000           # a quick run
    .venv/bin/python benchmarks/drift.py --skip-evidently         # the baseline and mlwright
    .venv/bin/python benchmarks/drift.py --json                   # machine-readable report
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import scipy

from drift import make_data
from ingest import CONTENTION_WARN_CORES, _clean_env, machine, measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUNNERS = HERE / "drift"
EVIDENTLY_PYTHON = HERE / ".venv-evidently" / "bin" / "python"
TOOLS = ("evidently", "baseline", "mlwright")
TITLES = {"evidently": "Evidently", "baseline": "baseline", "mlwright": "mlwright"}
SCRIPTS = {
    "evidently": RUNNERS / "evidently_run.py",
    "baseline": RUNNERS / "baseline.py",
    "mlwright": RUNNERS / "mlwright_run.py",
}


@dataclass
class ToolRun:
    """One tool on one pair, in a child process."""

    tool: str
    rows: int
    error: str | None = None
    version: str | None = None
    wall_s: float | None = None  # the child process, start to exit (measured here)
    cpu_s: float | None = None  # user + system seconds of the child and its descendants
    peak_mb: float | None = None  # max(sampled tree RSS, ru_maxrss)
    other_cores: float | None = None  # cores other processes kept busy meanwhile
    import_s: float | None = None  # as the child measured them
    load_s: float | None = None
    detect_s: float | None = None
    flagged: list[str] = field(default_factory=list)
    correct: bool | None = None  # flagged exactly the injected shifts
    false_alarms: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    """Everything measured, as printed and as written with ``--json``."""

    machine: dict[str, object]
    data: dict[str, Any]
    runs: list[ToolRun] = field(default_factory=list)
    ratios: list[dict[str, Any]] = field(default_factory=list)


def command_of(tool: str, reference: Path, current: Path) -> tuple[list[str], dict[str, str]]:
    """The child's command line and environment."""
    env = _clean_env()
    python = sys.executable
    if tool == "evidently":
        python = str(EVIDENTLY_PYTHON)
        env["DO_NOT_TRACK"] = "1"  # Evidently's (UI-only) telemetry, off in any case
    return [python, str(SCRIPTS[tool]), str(reference), str(current)], env


def run_tool(tool: str, rows: int, truth: dict[str, Any]) -> ToolRun:
    """Run ``tool`` on the pair of ``rows`` rows in a child process and judge its flags."""
    result = ToolRun(tool, rows)
    if tool == "evidently" and not EVIDENTLY_PYTHON.exists():
        result.error = f"{EVIDENTLY_PYTHON} is missing; run bash benchmarks/drift/peers.sh"
        return result
    reference, current = make_data.pair_paths(rows)
    command, env = command_of(tool, reference, current)
    try:
        run, stdout = measure(command, cwd=ROOT, env=env)
        out: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    except (RuntimeError, ValueError, IndexError) as exc:
        result.error = f"{TITLES[tool]} failed: {exc}"
        return result
    if not out.get("available", True):
        result.error = str(out.get("error", "not available"))
        return result
    result.wall_s, result.cpu_s, result.peak_mb = run.wall_s, run.cpu_s, run.peak_mb
    result.other_cores = run.other_cores
    result.version = out.get("version")
    result.import_s, result.load_s = out.get("import_s"), out.get("load_s")
    result.detect_s = out.get("detect_s")
    result.flagged = list(out.get("flagged", []))
    result.columns = list(out.get("columns", []))
    shifted = set(truth["shifted"])
    result.false_alarms = [c for c in result.flagged if c not in shifted]
    result.missed = [c for c in truth["shifted"] if c not in result.flagged]
    result.correct = not result.false_alarms and not result.missed
    return result


def ratios(runs: list[ToolRun], sizes: list[int]) -> list[dict[str, Any]]:
    """mlwright / Evidently and mlwright / baseline, per size, for time and memory."""
    found = {(r.tool, r.rows): r for r in runs}
    rows = []
    for size in sizes:
        ours = found.get(("mlwright", size))
        for peer in ("evidently", "baseline"):
            theirs = found.get((peer, size))
            entry: dict[str, Any] = {"rows": size, "peer": peer}
            for key in ("wall_s", "cpu_s", "detect_s", "peak_mb"):
                a = getattr(ours, key, None) if ours else None
                b = getattr(theirs, key, None) if theirs else None
                entry[key] = a / b if a is not None and b else None
            rows.append(entry)
    return rows


def build_report(args: argparse.Namespace) -> Report:
    """Build the data if missing, run every tool on every size, judge the flags."""
    started = time.perf_counter()
    make_data.build(tuple(args.sizes))
    truth = json.loads(make_data.SHIFTS_PATH.read_text())
    _log(f"data ready in {_since(started)}: {make_data.OUT_DIR}")
    report = Report(
        machine(numpy=np.__version__, scipy=scipy.__version__, pyarrow=pa.__version__),
        {
            "dir": str(make_data.OUT_DIR),
            "sizes": args.sizes,
            "shifts": truth["shifts"],
            "unshifted_numeric": truth["unshifted_numeric"],
            "unshifted_categorical": truth["unshifted_categorical"],
        },
    )
    tools = [t for t in TOOLS if not (t == "evidently" and args.skip_evidently)]
    for rows in args.sizes:
        for tool in tools:
            _log(f"{TITLES[tool]}, {rows:,} rows ...")
            run = run_tool(tool, rows, truth)
            report.runs.append(run)
            _log_run(run)
    report.ratios = ratios(report.runs, args.sizes)
    _log(f"done in {_since(started)}")
    return report


# --- the report -----------------------------------------------------------------------------


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = [header, *rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return text


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def format_report(report: Report) -> str:
    """The report as plain-text tables, with the method in a few lines under them."""
    header = (
        "tool",
        "rows",
        "wall s",
        "CPU s",
        "detect s",
        "peak MB",
        "other load",
        "correct",
        "flagged",
        "false alarms",
        "missed",
    )
    rows = []
    errors = []
    for r in report.runs:
        if r.error:
            rows.append((TITLES[r.tool], f"{r.rows:,}", *["-"] * (len(header) - 2)))
            errors.append(f"{TITLES[r.tool]}, {r.rows:,} rows: {r.error}")
            continue
        rows.append(
            (
                TITLES[r.tool],
                f"{r.rows:,}",
                _num(r.wall_s, "{:.2f}"),
                _num(r.cpu_s, "{:.2f}"),
                _num(r.detect_s, "{:.2f}"),
                _num(r.peak_mb, "{:,.0f}"),
                _num(r.other_cores, "{:.2f} cores"),
                "yes" if r.correct else "NO",
                str(len(r.flagged)),
                _names(r.false_alarms),
                _names(r.missed),
            )
        )
    text = _table(header, rows)
    text += ["", *errors] if errors else []

    ratio_rows = [
        (
            f"mlwright / {TITLES[e['peer']]}",
            f"{e['rows']:,}",
            _num(e["wall_s"], "{:.2f}x"),
            _num(e["cpu_s"], "{:.2f}x"),
            _num(e["detect_s"], "{:.2f}x"),
            _num(e["peak_mb"], "{:.2f}x"),
        )
        for e in report.ratios
    ]
    text += ["", *_table(("ratio", "rows", "wall", "CPU", "detect", "peak memory"), ratio_rows)]

    text += ["", "flagged columns:"]
    for r in report.runs:
        if not r.error:
            text.append(f"  {TITLES[r.tool]}, {r.rows:,} rows: {_names(r.flagged)}")
    text += ["", *_method(report)]
    return "\n".join(text)


def _method(report: Report) -> list[str]:
    m, d = report.machine, report.data
    shifts = "; ".join(
        f"{s['column']} ({s['label']}: "
        + (f"+{s['size_std']} std" if "size_std" in s else "top share halved")
        + ")"
        for s in d["shifts"]
    )
    versions = {r.tool: r.version for r in report.runs if r.version}
    lines = [
        f"data: {d['dir']}, 20 columns (14 numeric, 6 categorical); shifts: {shifts}; "
        f"{len(d['unshifted_numeric'])} numeric and {len(d['unshifted_categorical'])} "
        "categorical columns unshifted.",
        f"machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, "
        f"{m['platform']}, {m['date']}; versions: "
        + ", ".join(f"{TITLES[t]} {v}" for t, v in versions.items()),
        "wall s: the child process from spawn to exit (interpreter start-up, imports, Parquet "
        "reads and the detection); CPU s: its user + system seconds (less sensitive to other "
        "load than wall time); detect s: the detection call alone, timed in the child.",
        "peak memory: max(child tree RSS summed, sampled every 20 ms by psutil; ru_maxrss of "
        "the child from wait4).",
        "correct: flagged exactly the injected shifts; false alarms: unshifted columns flagged; "
        "other load: cores other processes kept busy during the run.",
    ]
    measured = [r.other_cores for r in report.runs if r.other_cores is not None]
    if measured:
        worst = max(measured)
        line = f"contention: other processes kept at most {worst:.2f} cores busy during a run"
        if worst > CONTENTION_WARN_CORES:
            line += "; WARNING: the machine was not quiet, rerun for reliable figures"
        lines.append(line)
    return lines


def _since(start: float) -> str:
    return f"{time.perf_counter() - start:.1f} s"


def _log_run(run: ToolRun) -> None:
    if run.error:
        _log(f"  {run.error}")
        return
    _log(
        f"  {run.wall_s:.2f} s wall, {run.detect_s:.2f} s detect, {run.peak_mb:,.0f} MB, "
        f"flagged {_names(run.flagged)}; other load {run.other_cores:.2f} cores"
    )


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _sizes(text: str) -> list[int]:
    return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(make_data.SIZES),
        help="rows per pair, comma-separated (default: 100000,1000000)",
    )
    parser.add_argument("--skip-evidently", action="store_true", help="do not run Evidently")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    report = build_report(args)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
