"""Benchmark batch scoring: ``mlwright predict`` and ``model.predict`` against the bare estimator.

The benchmark trains (once, then reuses) a LightGBM-only model on a deterministic table of
``--train-rows`` rows and 20 mixed columns (12 float, 3 integer, 4 string categorical, of
which one has missing values, and 1 boolean; a binary string target ``yes``/``no`` from a
formula plus noise), registers it as ``bench`` in a workspace under
``benchmarks/out/predict/`` and exports it as a package file. The training run is
``deterministic`` (its budget counts units of work, not seconds), so every machine gets the
same model; with the default ``--budget 3`` that is one pipeline of 300 trees. (A larger
budget makes a weighted ensemble: 20 gives five LightGBM pipelines, 3,013 trees in all. A
budget of seconds, mlwright's default, would give a model that depends on the machine and
its load.) It writes (once per row count) a Parquet file of ``--rows`` new rows to score,
without the target, and (with ``--csv``) the same rows as CSV. Then it times, in the same
run, ``--repeats`` rounds of

(a) the baseline, raw predict: the fitted pipeline(s) inside the model (preprocessing +
    LightGBM) called directly, ``pipeline.predict_proba(frame[feature_columns])``, on a
    DataFrame already in memory (for an ensemble: the weighted sum of every pipeline's
    ``predict_proba``; the report says which);
(b) in memory: ``model.predict(frame)`` (labels; it computes the probabilities inside) and
    ``model.predict_proba(frame)`` of the ``LoadedModel``, on the same DataFrame;
(c) the file baseline's other parts: a bare DuckDB read of the input file to pandas
    (``duckdb.connect().read_parquet(path).df()``) and a bare pyarrow write (zstd) of a
    result table of the output's shape (``prediction`` and one ``proba_<class>`` column
    per class; the very table ``mlwright predict`` wrote);
(d) file to file, in process: ``mlwright.serve.batch.score_file(model, INPUT, OUTPUT)``
    (streamed batches of 200,000 rows);
(e) file to file, end to end: ``mlwright --workspace WS predict bench INPUT -o OUT.parquet
    -q`` in a child process; its wall time includes Python's start-up, imports and the
    model load;

each the median of the rounds, and the rows per second of each. In memory is judged
against (a); both file-to-file figures against (a) + the read + the write of (c). For a
single-pipeline model (a) is also split, for information, into the preprocessing
(``pipeline[:-1].transform``) and LightGBM's ``predict_proba`` on its output. Beside each
wall-time ratio the report gives the same ratio of CPU seconds (user + system, of this
process or of the child), which a busy machine disturbs far less. The outputs are checked
against each other (the probabilities of (a), (b) and (d) agree, and the labels).

The model's LightGBM ``n_jobs`` is the number of cores the training run found free, and
LightGBM predicts with that many threads: a model trained on a busy machine predicts with
fewer threads. The report warns when it is below the core count; ``--retrain`` then.

Model load: ``mlwright.load_model(PACKAGE)`` in this (warm) process, after a warm-up, median
of ``--load-repeats``; and cold, in a fresh ``python -c`` child (median of
``--cold-repeats``, after one untimed run that warms the disk cache): the load call alone
(which includes importing pandas, scikit-learn, LightGBM and skops), the same call with
those libraries imported beforehand, and the whole child process from start to exit.

Targets (the predict issue): in memory within 1.1x of raw predict; file to file within 1.5x
of raw predict plus the bare read and write; loading a LightGBM package under 200 ms (the
target is judged on the warm load; the cold figures are reported as they are).

The machine should be quiet: before each round the script waits (at most ``--quiet-wait``
seconds) for the other processes to go idle, and it records how many cores they kept busy
during each timed call. The exit status is 0 whatever the figures are (it is a report); only
a crash or a failing child exits non-zero.

Run it from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/predict.py                             # 1,000,000 rows
    .venv/bin/python benchmarks/predict.py --rows 100000 --repeats 1   # a quick run
    .venv/bin/python benchmarks/predict.py --csv                       # CSV input as well
    .venv/bin/python benchmarks/predict.py --json                      # machine-readable
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import mlwright
from ingest import (
    CONTENTION_WARN_CORES,
    MB,
    _busy_seconds,
    _clean_env,
    _mlwright_exe,
    machine,
    sampled_peak,
    wait_for_quiet,
)
from mlwright.serve.batch import score_file

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlwright.registry.loaded import LoadedModel

OUT_DIR = Path(__file__).resolve().parent / "out" / "predict"
MODEL_NAME = "bench"
TARGET = "y"
TRAIN_SEED = 1
SCORE_SEED = 2

IN_MEMORY_TARGET = 1.1
FILE_TARGET = 1.5
LOAD_TARGET_MS = 200.0

COUNTRIES = ("US", "DE", "FR", "GB", "IN", "BR", "JP", "CN")
SEGMENTS = ("consumer", "business", "enterprise")
CHANNELS = ("web", "app", "store", "phone", "partner")
PLANS = ("free", "basic", "pro", "team", "enterprise", "legacy")

# A fresh interpreter times the load call; with "preimport" it imports the heavy libraries
# first, so that the load call is mlwright's own work.
COLD_LOAD_CODE = """\
import json, sys, time
start = time.perf_counter()
if sys.argv[2] == "preimport":
    import lightgbm, numpy, pandas, sklearn.pipeline, skops.io
imported = time.perf_counter()
import mlwright
before = time.perf_counter()
mlwright.load_model(sys.argv[1])
after = time.perf_counter()
print(json.dumps({"imports_s": before - start, "preimport_s": imported - start,
                  "load_s": after - before, "to_loaded_s": after - start}))
"""


@dataclass
class Row:
    """One line of the report table."""

    measurement: str
    seconds: float
    rows_per_s: float | None
    baseline_s: float | None
    target: str
    passed: bool | None  # None: shown for information, no target
    unit: str = "s"  # how the table shows the times: "s" or "ms"
    cpu_s: float | None = None
    baseline_cpu_s: float | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.baseline_s is None else self.seconds / self.baseline_s

    @property
    def cpu_ratio(self) -> float | None:
        if self.cpu_s is None or not self.baseline_cpu_s:
            return None
        return self.cpu_s / self.baseline_cpu_s


@dataclass
class Report:
    """Everything measured, as printed and as written with ``--json``."""

    machine: dict[str, object]
    data: dict[str, object]
    model: dict[str, object]
    rows: list[dict[str, object]] = field(default_factory=list)
    runs: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    checks: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Timing:
    """One timed call: wall seconds, and the cores other processes kept busy meanwhile."""

    wall_s: float
    other_cores: float
    # User + system seconds of this process (all its threads) or of the child: it depends far
    # less on other load than wall time does.
    cpu_s: float
    peak_mb: float | None = None  # a child's peak resident memory, sampled


# --- the data and the model -----------------------------------------------------------------


def make_frame(n_rows: int, seed: int, *, with_target: bool) -> pd.DataFrame:
    """20 mixed feature columns (and the target ``y``), the same for the same seed."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {f"x{i}": rng.normal(size=n_rows) for i in range(10)}
    for name, share in (("x8", 0.1), ("x9", 0.2)):
        columns[name][rng.random(n_rows) < share] = np.nan
    columns["amount"] = np.round(rng.lognormal(3.0, 1.0, n_rows), 2)
    ratio = rng.random(n_rows)
    ratio[rng.random(n_rows) < 0.3] = np.nan
    columns["ratio"] = ratio
    columns["age"] = rng.integers(18, 89, n_rows)
    columns["n_items"] = rng.poisson(4.0, n_rows)
    columns["tenure_days"] = rng.integers(0, 3650, n_rows)
    for name, values in (
        ("country", COUNTRIES),
        ("segment", SEGMENTS),
        ("channel", CHANNELS),
        ("plan", PLANS),
    ):
        columns[name] = np.asarray(values, dtype=object)[rng.integers(0, len(values), n_rows)]
    columns["channel"][rng.random(n_rows) < 0.05] = None
    columns["is_active"] = rng.random(n_rows) < 0.6
    frame = pd.DataFrame(columns)
    if with_target:
        logit = (
            1.2 * frame.x0
            - 0.8 * frame.x1
            + 0.5 * frame.x2 * frame.x3
            + 0.03 * (frame.age - 50)
            + 0.8 * (frame.segment == "enterprise")
            - 0.6 * (frame.channel == "store")
            + 0.3 * np.log(frame.amount + 1)
            + 0.5 * frame.is_active
            - 0.1 * frame.n_items
            - 1.0
        )
        noisy = logit + rng.logistic(size=n_rows)
        frame[TARGET] = np.where(noisy > 0, "yes", "no")
    return frame


def score_files(rows: int, out_dir: Path, *, csv: bool) -> dict[str, Path]:
    """The input files of ``rows`` rows to score, written once per row count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"parquet": out_dir / f"score-{rows}.parquet"}
    if not files["parquet"].exists():
        partial = files["parquet"].with_suffix(".partial")
        table = pa.Table.from_pandas(make_frame(rows, SCORE_SEED, with_target=False))
        pq.write_table(table, partial, compression="zstd")
        partial.replace(files["parquet"])
    if csv:
        files["csv"] = out_dir / f"score-{rows}.csv"
        if not files["csv"].exists():
            partial = files["csv"].with_suffix(".partial")
            con = duckdb.connect()
            try:
                src, dest = (_sql_literal(p) for p in (files["parquet"], partial))
                query = f"COPY (SELECT * FROM read_parquet({src})) TO {dest} (FORMAT csv, HEADER)"
                con.execute(query)
            finally:
                con.close()
            partial.replace(files["csv"])
    return files


@dataclass(frozen=True)
class Trained:
    """The cached workspace (model ``bench`` registered in it) and the exported package."""

    workspace: Path
    package: Path
    facts: dict[str, object]


def trained_model(args: argparse.Namespace) -> Trained:
    """Train, register and export the model, or reuse the one trained earlier alike."""
    folder = args.out_dir / f"model-{args.train_rows}-{args.budget:g}-deterministic"
    workspace, package, facts_file = (
        folder / "ws",
        folder / "bench.mlwright.zip",
        folder / "trained.json",
    )
    if facts_file.exists() and not args.retrain:
        return Trained(workspace, package, json.loads(facts_file.read_text()))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _log(f"training on {args.train_rows:,} rows, LightGBM only, budget {args.budget:g} ...")
    start = time.perf_counter()
    with mlwright.Workspace(workspace) as ws:
        ws.ingest(make_frame(args.train_rows, TRAIN_SEED, with_target=True), name="bench_train")
        run = ws.train(
            "bench_train",
            target=TARGET,
            time_budget=args.budget,
            families=["lightgbm"],
            seed=0,
            deterministic=True,
        )
        run.register(MODEL_NAME)
        ws.export_model(MODEL_NAME, package)
        facts = {
            "run_id": run.id,
            "train_rows": args.train_rows,
            "budget_s": args.budget,
            "train_wall_s": round(time.perf_counter() - start, 1),
            "test_roc_auc": round(run.test_metrics.get("roc_auc", {}).get("value", 0.0), 4),
        }
    facts_file.write_text(json.dumps(facts, indent=2))
    _log(f"  trained in {facts['train_wall_s']} s; test ROC AUC {facts['test_roc_auc']}")
    return Trained(workspace, package, facts)


def describe(model: LoadedModel) -> dict[str, object]:
    """The model's shape: pipelines, weights, trees, threads, threshold."""
    inner = model.model
    estimators = [p.steps[-1][1] for p in inner.pipelines]
    return {
        "pipelines": len(inner.pipelines),
        "weights": [round(w, 4) for w in inner.weights],
        "estimators": [type(e).__name__ for e in estimators],
        "trees": [_trees(e) for e in estimators],
        "n_jobs": [e.get_params().get("n_jobs") for e in estimators],
        "features": len(inner.feature_columns),
        "classes": list(inner.classes or []),
        "threshold": inner.threshold,
    }


def _threads_note(shape: dict[str, Any]) -> str:
    """A warning when the model predicts with fewer threads than the machine has cores."""
    cores = os.cpu_count() or 1
    fixed = [n for n in shape["n_jobs"] if isinstance(n, int) and 0 < n < cores]
    if not fixed:
        return ""
    return (
        f"the model's LightGBM n_jobs is {fixed} on {cores} cores: the training run chose it "
        "from the cores free at the time, and predict keeps it; --retrain on a quiet machine"
    )


def _trees(estimator: Any) -> int | None:
    booster = getattr(estimator, "booster_", None)
    return None if booster is None else int(booster.num_trees())


# --- the measured calls ---------------------------------------------------------------------


def raw_predict(model: LoadedModel, frame: pd.DataFrame) -> np.ndarray:
    """The fitted pipelines' own ``predict_proba``, weighted as the model weighs them."""
    inner = model.model
    features = frame[inner.feature_columns]
    with warnings.catch_warnings():  # as the model does: unseen categories are expected
        warnings.filterwarnings("ignore", message="Found unknown categories")
        if len(inner.pipelines) == 1:
            return np.asarray(inner.pipelines[0].predict_proba(features))
        return np.asarray(
            sum(
                w * p.predict_proba(features)
                for w, p in zip(inner.weights, inner.pipelines, strict=True)
            )
        )


def duckdb_read(path: Path) -> pd.DataFrame:
    """A bare DuckDB read of the input file into pandas."""
    con = duckdb.connect()
    try:
        if path.suffix == ".csv":
            return con.read_csv(str(path)).df()
        return con.read_parquet(str(path)).df()
    finally:
        con.close()


def timed(call: Callable[[], Any]) -> tuple[Timing, Any]:
    """Run ``call`` once; its wall time, the other processes' load meanwhile, its result."""
    before = _busy_seconds()
    cpu = time.process_time()
    start = time.perf_counter()
    result = call()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    # _busy_seconds leaves out this process's own CPU, so what remains is the others'.
    others = max(_busy_seconds() - before, 0.0)
    return Timing(wall, others / wall, cpu), result


def run_child(command: list[str], cwd: Path) -> tuple[Timing, str]:
    """Run ``command`` to completion; its wall time, CPU time, peak memory, standard output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        before = _busy_seconds()
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=_clean_env(), stdout=out, stderr=err)
        # The child's ru_maxrss would count this big process's memory, copied at fork time,
        # so its peak is sampled instead.
        with sampled_peak(child.pid) as peak:
            # wait4, unlike Popen.wait, hands back the child's own resource usage.
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
        cpu = usage.ru_utime + usage.ru_stime
        others = max(_busy_seconds() - before - cpu, 0.0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        msg = f"{' '.join(command)} exited {child.returncode}:\n{stderr[-4000:]}"
        raise RuntimeError(msg)
    return Timing(wall, others / wall, cpu, peak() / MB), stdout


def cli_predict(workspace: Path, source: Path, output: Path) -> Timing:
    """``mlwright predict`` of ``source`` into ``output``, end to end, in a child process."""
    command = [_mlwright_exe(), "--workspace", str(workspace), "predict", MODEL_NAME]
    command += [str(source), "-o", str(output), "-q"]
    timing, stdout = run_child(command, cwd=output.parent)
    if "Scored" not in stdout:
        msg = f"mlwright predict printed {stdout!r}"
        raise RuntimeError(msg)
    return timing


# --- the benchmark --------------------------------------------------------------------------


def time_scoring(
    args: argparse.Namespace,
    model: LoadedModel,
    trained: Trained,
    files: dict[str, Path],
    work: Path,
    report: Report,
) -> dict[str, list[Timing]]:
    """The alternating rounds of every scoring measurement; the timings by name."""
    parquet = files["parquet"]
    _log("warm-up: reading the input, one call of each")
    frame = duckdb_read(parquet)
    raw = raw_predict(model, frame)
    labels = model.predict(frame)
    proba = model.predict_proba(frame)
    warm_out = work / "warm-up.parquet"
    score_file(model, str(parquet), warm_out)
    result_table = pq.read_table(warm_out)
    scored = result_table.to_pandas()
    proba_columns = [f"proba_{c}" for c in model.model.classes or []]
    report.checks |= {
        "predict_proba equals raw predict": bool(np.allclose(proba, raw)),
        "score_file output equals predict_proba": bool(
            np.allclose(scored[proba_columns].to_numpy(), proba)
        ),
        "score_file labels equal predict": bool((scored["prediction"].to_numpy() == labels).all()),
        "output columns": result_table.column_names,
        "frame dtypes": sorted({str(t) for t in frame.dtypes}),
    }
    if not all(v for v in report.checks.values() if isinstance(v, bool)):
        _log(f"WARNING: the outputs disagree: {report.checks}")

    inner = model.model
    single = len(inner.pipelines) == 1
    if single:
        pipeline = inner.pipelines[0]
        features = frame[inner.feature_columns]
        transformed = pipeline[:-1].transform(features)
        booster = pipeline.steps[-1][1]

    steps: list[tuple[str, Callable[[], Any]]] = [
        ("raw", lambda: raw_predict(model, frame)),
        ("model.predict", lambda: model.predict(frame)),
        ("model.predict_proba", lambda: model.predict_proba(frame)),
    ]
    if single:
        steps += [
            ("raw preprocessing", lambda: pipeline[:-1].transform(features)),
            ("raw booster", lambda: booster.predict_proba(transformed)),
        ]
    steps += [
        ("duckdb read parquet", lambda: duckdb_read(parquet)),
        (
            "pyarrow write",
            lambda: pq.write_table(result_table, work / "bare.parquet", compression="zstd"),
        ),
        ("score_file", lambda: score_file(model, str(parquet), work / "scored.parquet")),
    ]
    if "csv" in files:
        steps += [("duckdb read csv", lambda: duckdb_read(files["csv"]))]
    timings: dict[str, list[Timing]] = {name: [] for name, _ in steps}
    timings["cli"] = []
    if "csv" in files:
        timings["cli csv"] = []
    for i in range(args.repeats):
        wait_for_quiet(args.quiet_wait)
        for name, call in steps:
            timing, _ = timed(call)
            timings[name].append(timing)
            _log_timing(f"round {i + 1}/{args.repeats} {name}", timing)
        timing = cli_predict(trained.workspace, parquet, work / "cli.parquet")
        timings["cli"].append(timing)
        _log_timing(f"round {i + 1}/{args.repeats} mlwright predict (CLI)", timing)
        if "csv" in files:
            timing = cli_predict(trained.workspace, files["csv"], work / "cli-csv.parquet")
            timings["cli csv"].append(timing)
            _log_timing(f"round {i + 1}/{args.repeats} mlwright predict CSV (CLI)", timing)
    return timings


def time_loads(args: argparse.Namespace, package: Path, work: Path) -> dict[str, list[float]]:
    """Warm loads in this process and cold ones in fresh child processes, in seconds."""
    wait_for_quiet(args.quiet_wait)
    mlwright.load_model(package)  # the warm-up
    warm = []
    for _ in range(args.load_repeats):
        timing, _ = timed(lambda: mlwright.load_model(package))
        warm.append(timing.wall_s)
    _log(f"warm load: median {statistics.median(warm) * 1000:.0f} ms of {len(warm)}")
    loads: dict[str, list[float]] = {"warm load": warm}
    for key in ("load_s", "preimport load_s", "imports_s", "process_s"):
        loads[f"cold {key}"] = []
    for mode in ("plain", "preimport"):
        command = [sys.executable, "-c", COLD_LOAD_CODE, str(package), mode]
        run_child(command, cwd=work)  # warms the disk cache; not counted
        for _ in range(args.cold_repeats):
            timing, stdout = run_child(command, cwd=work)
            figures = json.loads(stdout)
            if mode == "plain":
                loads["cold load_s"].append(figures["load_s"])
                loads["cold imports_s"].append(figures["imports_s"])
                loads["cold process_s"].append(timing.wall_s)
            else:
                loads["cold preimport load_s"].append(figures["load_s"])
    _log(
        f"cold load: median {statistics.median(loads['cold load_s']) * 1000:.0f} ms "
        f"(process {statistics.median(loads['cold process_s']):.2f} s)"
    )
    return loads


def build_report(args: argparse.Namespace) -> Report:
    """Make the data and the model, run every measurement and judge it against the targets."""
    started = time.perf_counter()
    trained = trained_model(args)
    files = score_files(args.rows, args.out_dir, csv=args.csv)
    sizes = {k: round(p.stat().st_size / MB, 1) for k, p in files.items()}
    _log(f"input ready: {', '.join(str(p) for p in files.values())} ({sizes} MB)")
    model = mlwright.load_model(trained.package)
    shape = describe(model)
    kind = "single pipeline" if shape["pipelines"] == 1 else "weighted ensemble"
    _log(f"model: {kind}, {shape}")
    threads = _threads_note(shape)
    if threads:
        _log(f"WARNING: {threads}")
    report = Report(
        machine(
            duckdb=duckdb.__version__,
            pandas=pd.__version__,
            **{"scikit-learn": version("scikit-learn"), "lightgbm": version("lightgbm")},
        ),
        {"rows": args.rows, "files": {k: str(p) for k, p in files.items()}, "size_mb": sizes},
        {**shape, **trained.facts, "kind": kind, "package": str(trained.package)},
    )
    report.checks["threads"] = threads or "LightGBM predicts with every core"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="work-", dir=args.out_dir) as tmp:
        work = Path(tmp)
        timings = time_scoring(args, model, trained, files, work, report)
        loads = time_loads(args, trained.package, work)
    report.runs = {name: [asdict(t) for t in ts] for name, ts in timings.items()}
    report.runs |= {name: [{"wall_s": s} for s in ss] for name, ss in loads.items()}
    rows = judge(args.rows, timings, loads, kind, csv="csv" in files)
    report.rows = [{**asdict(r), "ratio": r.ratio, "cpu_ratio": r.cpu_ratio} for r in rows]
    _log(f"done in {time.perf_counter() - started:.1f} s")
    return report


def judge(
    n_rows: int,
    timings: dict[str, list[Timing]],
    loads: dict[str, list[float]],
    kind: str,
    *,
    csv: bool,
) -> list[Row]:
    """The report's lines: medians, rows per second, ratios, targets and verdicts."""

    def median(name: str) -> tuple[float, float]:
        """The median wall and the median CPU seconds of the calls named ``name``."""
        wall = statistics.median(t.wall_s for t in timings[name])
        return wall, statistics.median(t.cpu_s for t in timings[name])

    def total(*names: str) -> tuple[float, float]:
        medians = [median(n) for n in names]
        return sum(m[0] for m in medians), sum(m[1] for m in medians)

    def line(
        label: str, name: str, baseline: tuple[float, float] | None, limit: float | None
    ) -> Row:
        seconds, cpu = median(name)
        target = "" if limit is None else f"<= {limit}x"
        passed = None if limit is None or baseline is None else seconds / baseline[0] <= limit
        base_s, base_cpu = (None, None) if baseline is None else baseline
        return Row(label, seconds, n_rows / seconds, base_s, target, passed, "s", cpu, base_cpu)

    raw = median("raw")
    file_base = total("raw", "duckdb read parquet", "pyarrow write")
    rows = [line(f"raw predict_proba ({kind})", "raw", None, None)]
    if "raw booster" in timings:
        rows += [
            line("  of which preprocessing (transform)", "raw preprocessing", raw, None),
            line("  of which LightGBM predict_proba", "raw booster", raw, None),
        ]
    rows += [
        line("model.predict, in memory", "model.predict", raw, IN_MEMORY_TARGET),
        line("model.predict_proba, in memory", "model.predict_proba", raw, IN_MEMORY_TARGET),
        line("bare DuckDB read of the Parquet", "duckdb read parquet", None, None),
        line("bare pyarrow write of the result", "pyarrow write", None, None),
        Row(
            "file baseline: raw + read + write",
            file_base[0],
            n_rows / file_base[0],
            None,
            "",
            None,
            "s",
            file_base[1],
        ),
        line("score_file, in process", "score_file", file_base, FILE_TARGET),
        line("mlwright predict (CLI, end to end)", "cli", file_base, FILE_TARGET),
    ]
    if csv:
        csv_base = total("raw", "duckdb read csv", "pyarrow write")
        rows += [
            line("bare DuckDB read of the CSV", "duckdb read csv", None, None),
            line("mlwright predict, CSV in (CLI)", "cli csv", csv_base, FILE_TARGET),
        ]
    warm = statistics.median(loads["warm load"])
    target = f"< {LOAD_TARGET_MS:.0f} ms"
    rows += [
        Row(
            "load_model, warm process", warm, None, None, target, warm * 1000 < LOAD_TARGET_MS, "ms"
        ),
    ]
    for label, key in (
        ("load_model, fresh process (with imports)", "cold load_s"),
        ("load_model, fresh process, libs imported", "cold preimport load_s"),
        ("fresh process: start, import, load, exit", "cold process_s"),
    ):
        rows.append(Row(label, statistics.median(loads[key]), None, None, "", None, "ms"))
    return rows


# --- the report -----------------------------------------------------------------------------


def format_table(report: Report, args: argparse.Namespace) -> str:
    """The report as a plain-text table, with the method in a few lines under it."""
    header = ("measurement", "time", "rows/s", "baseline", "ratio", "cpu ratio", "target", "result")
    lines = [header]
    for row in report.rows:
        fmt = "{:.0f} ms" if row["unit"] == "ms" else "{:.3f} s"
        scale = 1000 if row["unit"] == "ms" else 1
        baseline = "" if row["baseline_s"] is None else fmt.format(row["baseline_s"] * scale)
        lines.append(
            (
                str(row["measurement"]),
                fmt.format(row["seconds"] * scale),
                "" if row["rows_per_s"] is None else f"{row['rows_per_s']:,.0f}",
                baseline,
                "" if row["ratio"] is None else f"{row['ratio']:.2f}x",
                "" if row["cpu_ratio"] is None else f"{row['cpu_ratio']:.2f}x",
                str(row["target"]),
                {True: "pass", False: "FAIL", None: "info"}[row["passed"]],
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    m, d, model = report.machine, report.data, report.model
    text += [
        "",
        f"data: {d['rows']:,} rows x 20 columns to score, {d['size_mb']} MB ({d['files']})",
        f"model: {model['kind']} of {model['pipelines']} pipeline(s) {model['estimators']}, "
        f"weights {model['weights']}, trees {model['trees']}, n_jobs {model['n_jobs']}; "
        f"trained on {model['train_rows']:,} rows with a deterministic budget of "
        f"{model['budget_s']:g} "
        f"(test ROC AUC {model['test_roc_auc']}); package {model['package']}",
        f"machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, "
        f"pandas {m['pandas']}, scikit-learn {m['scikit-learn']}, LightGBM {m['lightgbm']}, "
        f"DuckDB {m['duckdb']}, {m['platform']}, {m['date']}",
        f"times: median of {args.repeats} alternating rounds; in-memory calls on a DataFrame "
        "already loaded (by DuckDB); raw = the fitted pipeline(s) predict_proba, weighted for "
        "an ensemble. File to file is judged against raw + the bare read + the bare write.",
        "cpu ratio: the same ratio of user + system seconds (of this process's threads, or "
        "of the child), far less sensitive to other load than wall time.",
        "the CLI figure is one child process end to end: Python start-up, imports, opening the "
        "workspace, the model load, reading, scoring and writing.",
        f"load: warm = median of {args.load_repeats} loads in this process after a warm-up; "
        f"fresh process = median of {args.cold_repeats} children after an untimed one (disk "
        "cache warm); 'with imports' includes importing pandas, scikit-learn, LightGBM, skops.",
        "checks: " + ", ".join(f"{k}: {v}" for k, v in report.checks.items()),
        _contention(report),
    ]
    return "\n".join(text)


def _contention(report: Report) -> str:
    """How busy the rest of the machine was during the scoring runs, and whether that matters."""
    worst = max(
        (r["other_cores"] for runs in report.runs.values() for r in runs if "other_cores" in r),
        default=0.0,
    )
    line = f"contention: other processes kept at most {worst:.2f} cores busy during a timed call"
    if worst > CONTENTION_WARN_CORES:
        line += "; WARNING: the machine was not quiet, rerun for reliable figures"
    return line


def _log_timing(label: str, timing: Timing) -> None:
    peak = "" if timing.peak_mb is None else f", {timing.peak_mb:,.0f} MB peak"
    _log(
        f"  {label}: {timing.wall_s:.3f} s, {timing.cpu_s:.2f} CPU s{peak}, "
        f"other load {timing.other_cores:.2f} cores"
    )


def _sql_literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to score")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every scoring timing")
    parser.add_argument("--load-repeats", type=int, default=10, help="warm model loads")
    parser.add_argument("--cold-repeats", type=int, default=5, help="fresh-process model loads")
    parser.add_argument("--train-rows", type=int, default=50_000, help="rows to train on")
    parser.add_argument(
        "--budget", type=float, default=3.0, help="training budget (deterministic: units of work)"
    )
    parser.add_argument("--retrain", action="store_true", help="train again, not the cached one")
    parser.add_argument("--csv", action="store_true", help="also score the rows as a CSV file")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="seconds to wait, at most, for other processes to go idle before each round",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=OUT_DIR, help="where the data and model are cached"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = build_report(args)
    if args.json:
        print(json.dumps(asdict(report), indent=2, default=str))
    else:
        print(format_table(report, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
