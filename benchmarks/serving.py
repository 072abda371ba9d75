"""Benchmark model serving: ``mlwright serve`` against MLflow and BentoML, on loopback.

The same kind of model, a LightGBM classifier of ``y`` on 20 numeric and 5 string categorical
features, is served in turn by three servers, in the same run, on 127.0.0.1:

(a) mlwright: ``mlwright --workspace WS serve bench --port P --workers 1 --no-log`` (and once
    more with the prediction log on, at concurrency 16 only, labelled ``log on``);
(b) MLflow: ``mlflow models serve -m MODEL --env-manager local -w 1``, from its own
    virtualenv ``benchmarks/.venv-mlflow``;
(c) BentoML: the minimal service of ``benchmarks/serving/bento_service.py`` (one worker, one
    thread; its access log on, as a user gets it), from ``benchmarks/.venv-bentoml``.

The two models are trained separately on the same data (``benchmarks/out/serving/
train.parquet``, 20,000 rows, from ``benchmarks/serving/make_model.py``) with LightGBM
settings as alike as each allows: the peers serve make_model.py's pipeline (an
``OrdinalEncoder`` and ``LGBMClassifier`` of 200 trees, 31 leaves, learning rate 0.05); mlwright
serves the model of its own training run (``families=["lightgbm"]``, ``deterministic=True``,
``--budget`` units of work; the default budget 1 gives one pipeline of mlwright's own
preprocessing and a LightGBM of 300 trees, 31 leaves, learning rate 0.05), registered as
``bench`` in the workspace ``benchmarks/out/serving/ws`` (built once and reused; ``--retrain``
builds it again). Their per-row cost is not the same, so each model's in-process
``predict_proba`` is timed too, for 1 row and for 1,000 rows, on one thread, pinned to the
server's core: mlwright's ``LoadedModel.predict_proba`` (``set_threads(1)``; it checks the
input first, as the server does) and the peers' pipeline (``make_model.baseline()``, in the
BentoML venv). For mlwright the script also times, in process, each step a request takes
(JSON parse and validation, the DataFrame, the input check, the model call, the answer),
for 1, 16 and 1,000 rows.

Each server runs with ONE worker process pinned to core 1; the load generator
(``benchmarks/serving/loadgen.py``, a closed loop of keep-alive connections, standard library
only) runs in this process pinned to core 0. No tokens, loopback only. For each server, after
the server answers ready (its cold start: spawn to the first 2xx answer of ``/ready``,
``/health`` or ``/readyz``) and the script has checked one 1,000-row answer against the
in-process probabilities:

* single-row requests (the 1,000 rows of ``request.json`` in turn) at concurrency 1, 16 and
  64, each for ``--seconds`` after ``--warmup`` seconds not counted;
* 1,000-row requests (all of ``request.json``) at concurrency 1 and 2, each for
  ``--batch-seconds`` (default: ``--seconds``).

Before each level it waits (at most ``--quiet-wait`` seconds) for the machine to go idle,
and it records the server's CPU (its process tree, from /proc), the client's CPU, and how
many cores other processes kept busy. For mlwright it reads ``/metrics`` before and after each
level: requests by status, and ``mlwright_batch_rows`` (rows per model call). mlwright is
started ``--cold-starts`` more times, only to time its cold start.

The report: a table per server (req/s, rows/s, p50 / p90 / p99 / max latency, errors, client
and server CPU, server CPU per request), a comparison table with the ratios mlwright / MLflow
and mlwright / BentoML, the in-process baselines, and the targets of the serving issue, on
this 2-core machine: single-row throughput at concurrency 16 at least 5x MLflow's and 2x
BentoML's; p99 under 20 ms at concurrency 16; 1,000-row batches (the better of concurrency 1
and 2) at 80% or more of the in-process ``predict_proba`` rows/s; no errors; a worker's cold
start under 2 s (median of the ``--no-log`` starts). Server logs go to
``benchmarks/out/serving/logs/``; any error is reported with its status codes and the tail of
the server's log. The exit status is 0 whatever the figures are (it is a report); only a
crash exits non-zero.

Run it from the repository root with the project's virtual environment, after
``bash benchmarks/serving/peers.sh`` (the peers' venvs; the data and the peers' model are
built on the first run)::

    .venv/bin/python benchmarks/serving.py                      # 10 s per level
    .venv/bin/python benchmarks/serving.py --seconds 3          # a quick run
    .venv/bin/python benchmarks/serving.py --servers mlwright   # mlwright alone
    .venv/bin/python benchmarks/serving.py --json               # machine-readable
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import mlwright
from ingest import CONTENTION_WARN_CORES, _busy_seconds, _mlwright_exe, machine, wait_for_quiet
from serving import loadgen, make_model

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mlwright.registry.loaded import LoadedModel

OUT_DIR = Path(__file__).resolve().parent / "out" / "serving"
WORKSPACE = OUT_DIR / "ws"
TRAINED_FILE = OUT_DIR / "mlwright-model.json"
MODEL_NAME = "bench"
DATASET = "serving_train"

PEERS = ("mlflow", "bentoml")
SERVERS = ("mlwright", *PEERS)
TITLES = {"mlwright": "mlwright", "mlflow": "MLflow", "bentoml": "BentoML", "log": "mlwright"}
MLWRIGHT_FORMAT = loadgen.MLWRIGHT  # POST /predict {"records": [...]}; ready: GET /ready

MLFLOW_RATIO_TARGET = 5.0
BENTOML_RATIO_TARGET = 2.0
P99_TARGET_MS = 20.0
BATCH_SHARE_TARGET = 0.8
COLD_START_TARGET_S = 2.0
TARGET_LEVEL = 16
CLIENT_CPU_WARN_PCT = 80.0
THREADS_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# --- results --------------------------------------------------------------------------------


@dataclass
class Level:
    """One load level against one server."""

    kind: str  # "single" or "batch"
    concurrency: int
    result: dict[str, Any]  # loadgen.Result.as_dict()
    other_cores: float  # cores other processes kept busy during the call
    server_cpu_ms_per_request: float
    metrics: dict[str, Any] | None = None  # mlwright's /metrics, the level's difference

    @property
    def label(self) -> str:
        return "single row" if self.kind == "single" else "1,000-row batch"


@dataclass
class ServerRun:
    """One server started, loaded and stopped."""

    key: str  # "mlwright", "log" (mlwright with the prediction log), "mlflow", "bentoml"
    title: str
    command: list[str]
    cold_start_s: float | None = None
    levels: list[Level] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    log_path: str = ""
    problems: list[str] = field(default_factory=list)
    log_tail: str = ""


@dataclass
class Report:
    """Everything measured, as printed and as written with ``--json``."""

    machine: dict[str, object]
    setup: dict[str, object]
    models: dict[str, dict[str, Any]]
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)
    request_path: dict[str, dict[str, float]] = field(default_factory=dict)
    servers: list[ServerRun] = field(default_factory=list)
    cold_starts: list[float] = field(default_factory=list)  # mlwright --no-log, in order
    comparison: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- the models -----------------------------------------------------------------------------


def mlwright_model(args: argparse.Namespace) -> dict[str, Any]:
    """Train and register ``bench`` in the workspace, or reuse the one trained alike before."""
    key = {"budget": args.budget, "data": make_model.BUILD_KEY}
    if TRAINED_FILE.exists() and WORKSPACE.exists() and not args.retrain:
        facts: dict[str, Any] = json.loads(TRAINED_FILE.read_text())
        if facts.get("key") == key:
            return facts
        _log("the cached mlwright model was trained otherwise; training again")
    shutil.rmtree(WORKSPACE, ignore_errors=True)
    TRAINED_FILE.unlink(missing_ok=True)
    _log(
        f"mlwright: training on {make_model.TRAIN_PATH.name}, LightGBM only, budget {args.budget:g}"
    )
    start = time.perf_counter()
    with mlwright.Workspace(WORKSPACE) as ws:
        ws.ingest(make_model.TRAIN_PATH, name=DATASET)
        run = ws.train(
            DATASET,
            target=make_model.TARGET,
            time_budget=args.budget,
            families=["lightgbm"],
            seed=0,
            deterministic=True,
        )
        run.register(MODEL_NAME)
        facts = {
            "key": key,
            "run_id": run.id,
            "train_rows": make_model.TRAIN_ROWS,
            "budget": args.budget,
            "train_wall_s": round(time.perf_counter() - start, 1),
            "test_roc_auc": round(run.test_metrics.get("roc_auc", {}).get("value", 0.0), 4),
        }
    TRAINED_FILE.write_text(json.dumps(facts, indent=2))
    _log(f"  trained in {facts['train_wall_s']} s; test ROC AUC {facts['test_roc_auc']}")
    return facts


def describe(model: LoadedModel) -> dict[str, Any]:
    """The model's shape: pipelines, steps, trees, leaves, learning rate."""
    inner = model.model
    estimators = [p.steps[-1][1] for p in inner.pipelines]
    params = [e.get_params() for e in estimators]
    return {
        "pipelines": len(inner.pipelines),
        "weights": [round(w, 4) for w in inner.weights],
        "steps": [[name for name, _ in p.steps] for p in inner.pipelines],
        "estimators": [type(e).__name__ for e in estimators],
        "trees": [
            int(e.booster_.num_trees()) if hasattr(e, "booster_") else None for e in estimators
        ],
        "num_leaves": [p.get("num_leaves") for p in params],
        "learning_rate": [p.get("learning_rate") for p in params],
        "features": len(inner.feature_columns),
        "classes": [str(c) for c in inner.classes or []],
        "threshold": inner.threshold,
        "fast_path": getattr(model, "_fast", None) is not None,
    }


# --- in-process baselines -------------------------------------------------------------------


@contextlib.contextmanager
def pinned(cpus: set[int] | None) -> Iterator[None]:
    """This thread (and the processes it starts meanwhile) on ``cpus``."""
    if not cpus:
        yield
        return
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, previous)


def median_s(call: Callable[[], Any], repeats: int) -> float:
    """The median seconds of ``repeats`` calls, after a few untimed ones."""
    for _ in range(min(repeats, 20)):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def mlwright_baseline(
    model: LoadedModel, frame: pd.DataFrame, repeats: int
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """``model.predict_proba`` for 1, 16 and 1,000 rows; and each step of a request, in ms."""
    import orjson

    from mlwright.serve.predlog import new_prediction_ids, prediction_table
    from mlwright.serve.requests import body_columns, read_body, request_models

    model.set_threads(1)
    # LoadedModel.output takes a fast path for a few rows (mlwright.learn.fastpath) once its
    # first calls are checked against scikit-learn's; median_s's warm-up calls do that.
    one, sixteen = frame.head(1), frame.head(16)
    batch_repeats = max(5, repeats // 20)
    one_s = median_s(lambda: model.predict_proba(one), repeats)
    sixteen_s = median_s(lambda: model.predict_proba(sixteen), repeats)
    batch_s = median_s(lambda: model.predict_proba(frame), batch_repeats)
    baseline = {
        "one_row_ms": one_s * 1e3,
        "one_row_per_s": 1.0 / one_s,
        "sixteen_rows_ms": sixteen_s * 1e3,
        "batch_rows": len(frame),
        "batch_ms": batch_s * 1e3,
        "batch_rows_per_s": len(frame) / batch_s,
    }

    # The steps of POST /predict (src/mlwright/serve/app.py), one at a time.
    request_model = request_models(model.info.columns, max_rows=10_000)
    pipeline = model.model.pipelines[0]
    features = model.model.feature_columns
    records = frame.to_dict(orient="records")
    steps: dict[str, dict[str, float]] = {}
    for rows in (1, 16, len(records)):
        body = json.dumps({"records": records[:rows]}).encode()
        parsed = read_body(request_model, body)
        columns = body_columns(parsed, model.info.columns)
        output = model.output_columns(columns)
        labels = model.labels(output).tolist()
        prepared = model.prepare(frame.head(rows), warn_extra=False)
        transformed = pipeline[:-1].transform(prepared[features])
        probabilities = {
            str(label): output[:, j].tolist() for j, label in enumerate(model.model.classes or [])
        }
        ids = new_prediction_ids(rows)
        warnings = model.contract.check(columns, output)

        def answer(
            labels: list[Any] = labels,
            probabilities: dict[str, list[float]] = probabilities,
            warnings: list[Any] = warnings,
        ) -> bytes:
            ids = new_prediction_ids(len(labels))
            return orjson.dumps(
                {
                    "model": model.source.ref,
                    "version": model.source.version,
                    "prediction_ids": ids,
                    "predictions": labels,
                    "probabilities": probabilities,
                    "warnings": warnings,
                }
            )

        calls: list[tuple[str, Callable[[], Any]]] = [
            ("JSON parse + validation", lambda b=body: read_body(request_model, b)),
            ("body -> column arrays", lambda p=parsed: body_columns(p, model.info.columns)),
            ("model output (fast path)", lambda c=columns: model.output_columns(c)),
            (
                "  of which LightGBM predict_proba",
                lambda t=transformed: pipeline.steps[-1][1].predict_proba(t),
            ),
            (
                "  (scikit-learn's path instead)",
                lambda f=prepared: model.model.predict_proba(f),
            ),
            ("labels", lambda o=output: model.labels(o)),
            ("data contract check", lambda c=columns, o=output: model.contract.check(c, o)),
            ("prediction ids + answer JSON", answer),
            (
                "prediction log rows (log on; writer thread)",
                lambda c=columns, p=labels, q=probabilities, i=ids: prediction_table(
                    c,
                    p,
                    prediction_ids=i,
                    model_name=MODEL_NAME,
                    model_version=model.source.version,
                    model_ref=model.source.ref,
                    latency_ms=1.0,
                    probabilities=q,
                    warnings=[[] for _ in i],
                ),
            ),
        ]
        n = max(50, repeats // 2) if rows <= 16 else batch_repeats
        steps[f"{rows:,} row{'s' if rows > 1 else ''}"] = {
            name: median_s(call, n) * 1e3 for name, call in calls
        }
    return baseline, steps


# --- the servers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How to start one server and talk to it."""

    key: str  # "mlwright", "log" (mlwright with the prediction log on), "mlflow", "bentoml"
    fmt: loadgen.Format
    name: str  # the log file's stem

    @property
    def is_mlwright(self) -> bool:
        return self.key in ("mlwright", "log")

    def command(self, port: int) -> tuple[list[str], str, dict[str, str]]:
        """``(command, health path, environment)`` that serve on 127.0.0.1:``port``."""
        if not self.is_mlwright:
            return loadgen.peer_command(self.key, port, workers=1)
        command = [_mlwright_exe(), "--workspace", str(WORKSPACE), "serve", MODEL_NAME]
        command += ["--port", str(port), "--workers", "1"]
        if self.key == "mlwright":
            command.append("--no-log")
        # The peers get the same one-thread settings (loadgen.peer_command).
        return command, self.fmt.health_path, dict(THREADS_ENV)


def spec_of(key: str) -> Spec:
    fmt = {"mlflow": loadgen.MLFLOW, "bentoml": loadgen.BENTOML}.get(key, MLWRIGHT_FORMAT)
    return Spec(key, fmt, "mlwright-log" if key == "log" else key)


@dataclass(frozen=True)
class Load:
    """The request bodies and what is expected of the answers."""

    records: list[dict[str, Any]]
    mlwright_proba: np.ndarray  # P(class) of the 1,000 rows, mlwright's model in process
    peer_proba: np.ndarray  # the same of the peers' model (make_model.py's file)


def answer_proba(spec: Spec, answer: bytes) -> np.ndarray:
    """The probability of ``yes`` per row, from a server's answer to a 1,000-row request."""
    data = json.loads(answer)
    if spec.is_mlwright:
        return np.asarray(data["probabilities"]["yes"], dtype=float)
    if spec.key == "mlflow":
        return np.asarray(data["predictions"], dtype=float)[:, 1]
    return np.asarray(data["probabilities"], dtype=float)[:, 1]


def run_server(
    spec: Spec,
    load: Load,
    args: argparse.Namespace,
    cpus: tuple[set[int] | None, set[int] | None],
    levels: list[tuple[str, int]],
) -> ServerRun:
    """Start the server, check one answer, run the levels, stop it."""
    client_cpus, server_cpus = cpus
    port = loadgen.free_port()
    command, health, env = spec.command(port)
    run = ServerRun(spec.key, TITLES[spec.key], command)
    singles = loadgen.single_row_bodies(spec.fmt, load.records)
    batch = [spec.fmt.body(load.records)]
    wait_for_quiet(args.quiet_wait)
    _log(f"{run.title}{' (log on)' if spec.key == 'log' else ''}: starting {' '.join(command)}")
    try:
        with loadgen.start_server(
            command,
            port=port,
            health_path=health,
            name=spec.name,
            env=env,
            cpus=server_cpus,
            ready_timeout_s=180.0,
        ) as server:
            run.log_path = str(server.log_path)
            run.cold_start_s = server.cold_start_s
            _log(f"  ready after {server.cold_start_s:.2f} s (pid {server.proc.pid})")
            url = server.url(spec.fmt.predict_path)
            run.check = check_answer(spec, url, batch[0], load)
            if run.check.get("status") != 200:
                run.problems.append(f"the 1,000-row check answered {run.check}")
            for kind, concurrency in levels:
                if server.proc.poll() is not None:
                    run.problems.append(f"the server exited ({server.proc.returncode})")
                    break
                level = run_level(
                    spec,
                    server,
                    (kind, concurrency),
                    singles if kind == "single" else batch,
                    len(load.records),
                    args,
                    client_cpus,
                )
                run.levels.append(level)
                errors = level.result["errors"]
                if errors:
                    run.problems.append(
                        f"{level.label} c={concurrency}: {errors} errors "
                        f"{level.result['error_kinds']}"
                    )
            alive = server.proc.poll() is None
            if alive and spec.is_mlwright:
                ready = loadgen._get_ok(server.url("/ready"), timeout_s=5.0)
                run.check["ready_after_load"] = ready
                if not ready:
                    run.problems.append("GET /ready did not answer 2xx after the load")
        run.exit_code = server.proc.returncode
    except RuntimeError as exc:  # did not start: the message holds the log's tail
        run.problems.append(str(exc))
    if run.problems:
        log_path = Path(run.log_path) if run.log_path else None
        if log_path is not None and log_path.exists():
            run.log_tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
        _log(f"  PROBLEMS: {run.problems}")
    _log(f"  stopped (exit status {run.exit_code})")
    return run


def check_answer(spec: Spec, url: str, body: bytes, load: Load) -> dict[str, Any]:
    """One 1,000-row request: the status, and its probabilities against the in-process ones."""
    status, answer = loadgen.post_once(url, body, timeout_s=60.0)
    check: dict[str, Any] = {"status": status}
    if status != 200:
        check["answer"] = answer[:500].decode(errors="replace")
        return check
    p_yes = answer_proba(spec, answer)
    own, other = (load.mlwright_proba, load.peer_proba)
    if not spec.is_mlwright:
        own, other = other, own
    check["max_abs_diff_vs_in_process"] = float(np.max(np.abs(p_yes - own[:, 1])))
    check["label_agreement_with_other_model"] = float(
        ((p_yes >= 0.5) == (other[:, 1] >= 0.5)).mean()
    )
    check["mean_abs_diff_vs_other_model"] = float(np.mean(np.abs(p_yes - other[:, 1])))
    return check


def run_level(
    spec: Spec,
    server: loadgen.Server,
    level_id: tuple[str, int],
    bodies: list[bytes],
    batch_rows: int,
    args: argparse.Namespace,
    client_cpus: set[int] | None,
) -> Level:
    """One load level, after a quiet machine; with mlwright's /metrics around it."""
    kind, concurrency = level_id
    wait_for_quiet(args.quiet_wait)
    before = _scrape(server) if spec.is_mlwright else None
    busy, server_cpu, start = _busy_seconds(), server.cpu_s(), time.perf_counter()
    single = kind == "single"
    result = loadgen.run_load(
        server.url(spec.fmt.predict_path),
        bodies,
        concurrency,
        args.seconds if single else args.batch_seconds,
        warmup_s=args.warmup,
        timeout_s=10.0 if single else 60.0,
        rows_per_request=1 if single else batch_rows,
        cpus=client_cpus,
        cpu_probe=server.cpu_s,
    )
    wall = time.perf_counter() - start
    server_cpu = server.cpu_s() - server_cpu
    others = max(_busy_seconds() - busy - server_cpu, 0.0) / wall
    metrics = None
    if spec.is_mlwright:
        metrics = _metrics_delta(before, _scrape(server))
    level = Level(
        kind,
        concurrency,
        result.as_dict(),
        others,
        1e3 * result.server_cpu_s / max(result.n, 1),
        metrics,
    )
    _log("  " + result.line(level.label) + f"  others {others:.2f} cores")
    return level


def _scrape(server: loadgen.Server) -> dict[str, float] | None:
    """mlwright's /metrics, as {series: value}, or None when it does not answer."""
    try:
        with urllib.request.urlopen(server.url("/metrics"), timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        series, _, value = line.rpartition(" ")
        with contextlib.suppress(ValueError):
            values[series] = float(value)
    return values


def _metrics_delta(
    before: dict[str, float] | None, after: dict[str, float] | None
) -> dict[str, Any]:
    """What changed over a level: requests by status, errors, rows, rows per model call."""
    if before is None or after is None:
        return {"scrape": "failed"}

    def delta(series: str) -> float:
        return after.get(series, 0.0) - before.get(series, 0.0)

    statuses = {}
    for series in after:
        if series.startswith("mlwright_requests_total{") and 'endpoint="/predict"' in series:
            status = series.split('status="', 1)[1].split('"', 1)[0]
            statuses[status] = int(delta(series))
    errors = {
        s.split('kind="', 1)[1].split('"', 1)[0]: int(delta(s))
        for s in after
        if s.startswith("mlwright_errors_total{") and delta(s)
    }
    calls, rows = delta("mlwright_batch_rows_count"), delta("mlwright_batch_rows_sum")
    buckets = {
        s.split('le="', 1)[1].split('"', 1)[0]: int(delta(s))
        for s in after
        if s.startswith("mlwright_batch_rows_bucket{")
    }
    return {
        "predict_status": statuses,
        "errors": errors,
        "rows_scored": int(delta("mlwright_rows_scored_total")),
        "model_calls": int(calls),
        "rows_per_call": rows / calls if calls else None,
        "batch_rows_buckets": buckets,
    }


def cold_starts(
    args: argparse.Namespace, server_cpus: set[int] | None, n: int
) -> tuple[list[float], list[str]]:
    """``n`` more starts of mlwright (--no-log), each to its first ready answer."""
    spec = spec_of("mlwright")
    times, problems = [], []
    for i in range(n):
        wait_for_quiet(args.quiet_wait)
        port = loadgen.free_port()
        command, health, env = spec.command(port)
        try:
            with loadgen.start_server(
                command,
                port=port,
                health_path=health,
                name="mlwright-cold",
                env=env,
                cpus=server_cpus,
                ready_timeout_s=60.0,
            ) as server:
                times.append(server.cold_start_s)
            _log(f"mlwright cold start {i + 1}/{n}: {server.cold_start_s:.2f} s")
        except RuntimeError as exc:
            problems.append(str(exc))
    return times, problems


# --- the benchmark --------------------------------------------------------------------------


def build_report(args: argparse.Namespace) -> Report:
    """Build what is missing, time the baselines, load every server, judge the figures."""
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # make_model prints its progress
        peer_meta = make_model.build()
    facts = mlwright_model(args)
    model = mlwright.load_model(MODEL_NAME, workspace=WORKSPACE)
    shape = describe(model)
    _log(f"mlwright model: {shape}")
    cores = sorted(os.sched_getaffinity(0))
    client_cpus, server_cpus = ({cores[0]}, {cores[1]}) if len(cores) >= 2 else (None, None)
    frame = pd.read_parquet(make_model.REQUEST_PATH)
    records = loadgen.load_records(make_model.REQUEST_JSON)

    report = Report(
        machine(
            pandas=pd.__version__,
            **{"scikit-learn": version("scikit-learn"), "lightgbm": version("lightgbm")},
            commit=_commit(),
        ),
        {
            "seconds": args.seconds,
            "batch_seconds": args.batch_seconds,
            "warmup_s": args.warmup,
            "levels": args.levels,
            "batch_levels": args.batch_levels,
            "client_cpus": sorted(client_cpus or []),
            "server_cpus": sorted(server_cpus or []),
            "request_rows": len(records),
        },
        {
            "mlwright": {**shape, **facts, "workspace": str(WORKSPACE)},
            "peers": {
                "pipeline": "ColumnTransformer(OrdinalEncoder on 5 categoricals) + LGBMClassifier",
                "trees": make_model.LGBM_PARAMS["n_estimators"],
                "lgbm_params": make_model.LGBM_PARAMS,
                "train_accuracy": peer_meta.get("train_accuracy"),
                "versions": peer_meta.get("versions"),
                "mlflow_dir": str(make_model.MLFLOW_DIR),
                "joblib": str(make_model.JOBLIB_PATH),
            },
        },
    )

    wait_for_quiet(args.quiet_wait)
    _log("in-process baselines (one thread, pinned to the server's core) ...")
    with pinned(server_cpus):
        report.baselines["mlwright"], report.request_path = mlwright_baseline(
            model, frame, args.baseline_repeats
        )
        report.baselines["peers"] = make_model.baseline(repeats=args.baseline_repeats)
    _log(f"  mlwright {report.baselines['mlwright']}")
    _log(f"  peers {report.baselines['peers']}")
    load = Load(
        records,
        np.asarray(model.predict_proba(frame)),
        np.load(make_model.OUT_DIR / "request_proba.npy"),
    )
    levels = [("single", c) for c in args.levels] + [("batch", c) for c in args.batch_levels]
    cpus = (client_cpus, server_cpus)
    for key in args.servers:
        report.servers.append(run_server(spec_of(key), load, args, cpus, levels))
    if "mlwright" in args.servers and not args.skip_log:
        log_levels = [("single", TARGET_LEVEL)]
        report.servers.append(run_server(spec_of("log"), load, args, cpus, log_levels))
    if "mlwright" in args.servers:
        first = _server(report, "mlwright")
        report.cold_starts = (
            [] if first is None or first.cold_start_s is None else [first.cold_start_s]
        )
        more, problems = cold_starts(args, server_cpus, args.cold_starts)
        report.cold_starts += more
        report.notes += problems
    report.comparison = compare(report, levels)
    report.targets = judge(report)
    report.notes += notes(report)
    _log(f"done in {time.perf_counter() - started:.0f} s")
    return report


def _server(report: Report, key: str) -> ServerRun | None:
    return next((s for s in report.servers if s.key == key), None)


def _level(run: ServerRun | None, kind: str, concurrency: int) -> dict[str, Any] | None:
    if run is None:
        return None
    for level in run.levels:
        if level.kind == kind and level.concurrency == concurrency:
            return level.result
    return None


def compare(report: Report, levels: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """mlwright beside each peer at each level, with the ratios mlwright / peer."""
    runs = {key: _server(report, key) for key in SERVERS}
    rows: list[dict[str, Any]] = []

    def add(name: str, unit: str, values: dict[str, Any], *, ratio: bool = True) -> None:
        ratios = _ratios(values) if ratio else {}
        rows.append({"measurement": name, "unit": unit, **values, **ratios})

    def metric(key: str, kind: str, c: int, name: str) -> Any:
        result = _level(runs[key], kind, c)
        return None if result is None else result[name]

    for kind, c in levels:
        label = f"single row c={c}" if kind == "single" else f"1,000-row batch c={c}"
        rate, unit = ("req_s", "req/s") if kind == "single" else ("rows_s", "rows/s")
        add(f"{label} {unit}", unit, {k: metric(k, kind, c, rate) for k in SERVERS})
        for name in ("p50_ms", "p99_ms"):
            add(f"  {name[:3]}", "ms", {k: metric(k, kind, c, name) for k in SERVERS})
        add("  errors", "n", {k: metric(k, kind, c, "errors") for k in SERVERS}, ratio=False)
    cold = {k: None if runs[k] is None else runs[k].cold_start_s for k in SERVERS}  # type: ignore[union-attr]
    add("cold start (spawn to ready)", "s", cold)
    log_on = _level(_server(report, "log"), "single", TARGET_LEVEL)
    if log_on is not None:
        label = f"mlwright log on, single row c={TARGET_LEVEL}"
        for name, unit in (("req_s", "req/s"), ("p50_ms", "ms"), ("p99_ms", "ms")):
            peers = {p: metric(p, "single", TARGET_LEVEL, name) for p in PEERS}
            add(
                f"{label} {unit if name == 'req_s' else name[:3]}",
                unit,
                {"mlwright": log_on[name], **peers},
            )
        add(f"{label} errors", "n", {"mlwright": log_on["errors"]}, ratio=False)
    return rows


def _ratios(values: dict[str, Any]) -> dict[str, float | None]:
    mine = values.get("mlwright")
    out: dict[str, float | None] = {}
    for peer in PEERS:
        theirs = values.get(peer)
        ok = mine is not None and theirs and np.isfinite(mine) and np.isfinite(theirs)
        out[f"vs_{peer}"] = mine / theirs if ok else None
    return out


def judge(report: Report) -> list[dict[str, Any]]:
    """The serving issue's targets, each with what was measured and a verdict."""
    mine = _server(report, "mlwright")
    targets: list[dict[str, Any]] = []
    at16 = _level(mine, "single", TARGET_LEVEL)
    for peer, limit in (("mlflow", MLFLOW_RATIO_TARGET), ("bentoml", BENTOML_RATIO_TARGET)):
        theirs = _level(_server(report, peer), "single", TARGET_LEVEL)
        target = f"single-row req/s at c={TARGET_LEVEL} >= {limit:g}x {TITLES[peer]}"
        if at16 is None or theirs is None or not theirs["req_s"]:
            targets.append({"target": target, "measured": "not measured", "passed": None})
            continue
        ratio = at16["req_s"] / theirs["req_s"]
        measured = f"{ratio:.1f}x ({at16['req_s']:,.0f} vs {theirs['req_s']:,.0f} req/s)"
        targets.append({"target": target, "measured": measured, "passed": ratio >= limit})
    target = f"p99 at c={TARGET_LEVEL} < {P99_TARGET_MS:g} ms"
    if at16 is None:
        targets.append({"target": target, "measured": "not measured", "passed": None})
    else:
        p99 = at16["p99_ms"]
        passed = bool(np.isfinite(p99) and p99 < P99_TARGET_MS)
        targets.append({"target": target, "measured": f"{p99:.2f} ms", "passed": passed})

    target = f"1,000-row batches >= {BATCH_SHARE_TARGET:.0%} of in-process predict_proba rows/s"
    batches = [level.result for level in (mine.levels if mine else []) if level.kind == "batch"]
    base = report.baselines.get("mlwright", {}).get("batch_rows_per_s")
    if not batches or not base:
        targets.append({"target": target, "measured": "not measured", "passed": None})
    else:
        best = max(batches, key=lambda r: r["rows_s"])
        share = best["rows_s"] / base
        measured = (
            f"{share:.0%} (best: c={best['concurrency']}, {best['rows_s']:,.0f} vs "
            f"{base:,.0f} rows/s)"
        )
        targets.append(
            {"target": target, "measured": measured, "passed": share >= BATCH_SHARE_TARGET}
        )

    runs = [s for s in report.servers if s.key in ("mlwright", "log")]
    errors = sum(level.result["errors"] for s in runs for level in s.levels)
    total = sum(level.result["n"] for s in runs for level in s.levels)
    failed = [p for s in runs for p in s.problems]
    measured = f"{errors:,} of {total:,} requests" + (
        f"; {len(failed)} problem(s)" if failed else ""
    )
    targets.append(
        {
            "target": "zero errors (mlwright, every level, log off and on)",
            "measured": measured,
            "passed": (errors == 0 and not failed) if runs else None,
        }
    )
    target = f"worker cold start < {COLD_START_TARGET_S:g} s"
    if report.cold_starts:
        cold = statistics.median(report.cold_starts)
        measured = (
            f"{cold:.2f} s (median of {len(report.cold_starts)} starts; first "
            f"{report.cold_starts[0]:.2f} s, max {max(report.cold_starts):.2f} s)"
        )
        targets.append(
            {"target": target, "measured": measured, "passed": cold < COLD_START_TARGET_S}
        )
    else:
        targets.append({"target": target, "measured": "not measured", "passed": None})
    return targets


def notes(report: Report) -> list[str]:
    """Warnings about the run: a busy client, a busy machine, servers that failed."""
    out = []
    levels = [(s, level) for s in report.servers for level in s.levels]
    if levels:
        server, worst = max(levels, key=lambda sl: sl[1].result["client_cpu_pct"])
        pct = worst.result["client_cpu_pct"]
        line = (
            f"client CPU: at most {pct:.0f}% of its core ({server.title} "
            f"{worst.label} c={worst.concurrency})"
        )
        if pct > CLIENT_CPU_WARN_PCT:
            line += "; WARNING: the load generator may be the limit there"
        out.append(line)
        busiest = max(level.other_cores for _, level in levels)
        line = f"contention: other processes kept at most {busiest:.2f} cores busy during a level"
        if busiest > CONTENTION_WARN_CORES:
            line += "; WARNING: the machine was not quiet, rerun for reliable figures"
        out.append(line)
    scraped = [
        level.metrics
        for s in report.servers
        for level in s.levels
        if level.metrics is not None and "model_calls" in level.metrics
    ]
    if scraped and not any(m["model_calls"] for m in scraped):
        out.append(
            "mlwright_batch_rows: the histogram did not move at any level although rows were "
            "scored (mlwright_rows_scored rose): the server never observes it, so /metrics "
            "cannot show how requests were batched"
        )
    for server in report.servers:
        if server.exit_code not in (0, None) and server.key in ("mlwright", "log"):
            out.append(f"{server.title}: exit status {server.exit_code} after SIGTERM")
    return out


# --- the report -----------------------------------------------------------------------------


def _commit() -> str:
    """The repository's commit, and whether the tree differs from it."""
    import subprocess

    def git(*args: str) -> str:
        run = subprocess.run(
            ["git", *args], cwd=OUT_DIR.parent.parent, capture_output=True, text=True, check=False
        )
        return run.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "?"
    return head + (" (modified)" if git("status", "--porcelain", "--", "src") else "")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = [header, *rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return text


def _num(value: Any, fmt: str = "{:,.1f}") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    return fmt.format(value)


def _server_table(run: ServerRun) -> list[str]:
    title = run.title + (" (prediction log on)" if run.key == "log" else "")
    cold = "did not start" if run.cold_start_s is None else f"cold start {run.cold_start_s:.2f} s"
    head = [f"{title}: {cold}, exit status {run.exit_code}; log {run.log_path}"]
    if run.check:
        head.append(f"  check: {run.check}")
    scrape = run.key in ("mlwright", "log")
    header = (
        "level",
        "c",
        "req/s",
        "rows/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "n",
        "client cpu",
        "server cpu",
        "srv cpu ms/req",
        "others",
    ) + (("rows/call",) if scrape else ())
    rows = []
    for level in run.levels:
        r = level.result
        per_call = ""
        if level.metrics is not None:
            value = level.metrics.get("rows_per_call")
            per_call = "not observed" if value is None else f"{value:.1f}"
        rows.append(
            (
                level.label,
                str(level.concurrency),
                _num(r["req_s"]),
                _num(r["rows_s"], "{:,.0f}"),
                _num(r["p50_ms"], "{:.2f}"),
                _num(r["p90_ms"], "{:.2f}"),
                _num(r["p99_ms"], "{:.2f}"),
                _num(r["max_ms"], "{:.2f}"),
                str(r["errors"]) + (f" {r['error_kinds']}" if r["errors"] else ""),
                f"{r['n']:,}",
                f"{r['client_cpu_pct']:.0f}%",
                _num(r["server_cpu_pct"], "{:.0f}%"),
                _num(level.server_cpu_ms_per_request, "{:.2f}"),
                f"{level.other_cores:.2f}",
                *((per_call,) if scrape else ()),
            )
        )
    text = head + (_table(header, rows) if rows else ["  no level measured"])
    for problem in run.problems:
        text.append(f"  PROBLEM: {problem}")
    if run.log_tail:
        text += ["  server log tail:", *("    " + line for line in run.log_tail.splitlines())]
    return text


def format_report(report: Report) -> str:
    """The report as plain-text tables, with the method in a few lines under them."""
    text: list[str] = []
    for run in report.servers:
        text += [*_server_table(run), ""]

    text.append("comparison (ratio = mlwright / peer; for latencies lower is better)")
    header = ("measurement", "mlwright", "MLflow", "BentoML", "/ MLflow", "/ BentoML")
    rows = []
    formats = {"ms": "{:,.2f}", "s": "{:,.2f}", "n": "{:,.0f}", "rows/s": "{:,.0f}"}
    for row in report.comparison:
        fmt = formats.get(row["unit"], "{:,.1f}")
        rows.append(
            (
                row["measurement"],
                *(_num(row.get(k), fmt) for k in SERVERS),
                *(_num(row.get(f"vs_{p}"), "{:.2f}x") for p in PEERS),
            )
        )
    text += [*_table(header, rows), ""]

    text.append("in-process predict_proba, one thread, on the server's core (median)")
    mine, peers = report.baselines.get("mlwright", {}), report.baselines.get("peers", {})
    header = ("model", "1 row ms", "1 row/s", "16 rows ms", "1,000 rows ms", "1,000 rows: rows/s")
    rows = [
        (
            "mlwright model.predict_proba",
            _num(mine.get("one_row_ms"), "{:.3f}"),
            _num(mine.get("one_row_per_s"), "{:,.0f}"),
            _num(mine.get("sixteen_rows_ms"), "{:.3f}"),
            _num(mine.get("batch_ms"), "{:.2f}"),
            _num(mine.get("batch_rows_per_s"), "{:,.0f}"),
        ),
        (
            "peers' pipeline.predict_proba",
            _num(peers.get("one_row_ms"), "{:.3f}"),
            _num(peers.get("one_row_per_s"), "{:,.0f}"),
            "",
            _num(peers.get("batch_ms"), "{:.2f}"),
            _num(peers.get("batch_rows_per_s"), "{:,.0f}"),
        ),
    ]
    text += _table(header, rows)
    if peers:
        text.append(
            "  peers: a 1-row DataFrame from a dict record "
            f"{peers['frame_from_record_ms']:.3f} ms; "
            f"the bare booster on 1 encoded row {peers['raw_booster_one_row_ms']:.3f} ms"
        )
    text.append("")

    if report.request_path:
        text.append("mlwright's request path, step by step, in process (median ms)")
        sizes = list(report.request_path)
        names = list(report.request_path[sizes[0]])
        rows = [(name, *(f"{report.request_path[s][name]:.3f}" for s in sizes)) for name in names]
        text += [*_table(("step", *sizes), rows), ""]

    text.append("targets")
    rows = [
        (t["target"], t["measured"], {True: "pass", False: "FAIL", None: "info"}[t["passed"]])
        for t in report.targets
    ]
    text += [*_table(("target", "measured", "result"), rows), ""]

    m, s, models = report.machine, report.setup, report.models
    own, peer = models["mlwright"], models["peers"]
    text += [
        f"mlwright model: {own['pipelines']} pipeline(s) {own['steps']}, {own['estimators']}, "
        f"trees {own['trees']}, leaves {own['num_leaves']}, learning rate "
        f"{own['learning_rate']}, fast path {'on' if own['fast_path'] else 'off'}; "
        f"trained by mlwright on {own['train_rows']:,} rows "
        f"(deterministic budget {own['budget']:g}, test ROC AUC {own['test_roc_auc']}); "
        f"workspace {own['workspace']}",
        f"peers' model: {peer['pipeline']}, {peer['trees']} trees, {peer['lgbm_params']}; "
        f"trained by make_model.py on the same rows (train accuracy "
        f"{_num(peer['train_accuracy'], '{:.3f}')}); peer venvs {peer['versions']}",
        "the two models are trained separately on the same data, with the same LightGBM "
        "settings where possible (mlwright keeps its own preprocessing and tuned parameters); "
        "the in-process table shows what each costs per row.",
        f"load: single rows at c={s['levels']} for {s['seconds']:g} s each, 1,000-row batches "
        f"at c={s['batch_levels']} for {s['batch_seconds']:g} s each, after {s['warmup_s']:g} s "
        f"of warm-up; one server worker pinned to core(s) {s['server_cpus']}, the client to "
        f"{s['client_cpus']}; loopback, no token, keep-alive connections.",
        "cpu: client = this process (share of one core); server = its process tree; srv cpu "
        "ms/req = server CPU per request; others = cores other processes kept busy. "
        "rows/call: mlwright_batch_rows from /metrics over the level ('not observed': the "
        "histogram did not move).",
        f"machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, pandas "
        f"{m['pandas']}, scikit-learn {m['scikit-learn']}, LightGBM {m['lightgbm']}, "
        f"{m['platform']}, mlwright commit {m['commit']}, {m['date']}",
        *report.notes,
    ]
    return "\n".join(text)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per single-row level")
    parser.add_argument(
        "--batch-seconds", type=float, help="seconds per batch level (default: --seconds)"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="uncounted seconds per level")
    parser.add_argument(
        "--levels", type=_ints, default=[1, 16, 64], help="single-row concurrencies (1,16,64)"
    )
    parser.add_argument(
        "--batch-levels", type=_ints, default=[1, 2], help="1,000-row batch concurrencies (1,2)"
    )
    parser.add_argument(
        "--servers",
        type=lambda t: [s for s in t.split(",") if s],
        default=list(SERVERS),
        help="which servers, in order (mlwright,mlflow,bentoml)",
    )
    parser.add_argument("--skip-log", action="store_true", help="no mlwright run with the log on")
    parser.add_argument(
        "--cold-starts", type=int, default=3, help="more mlwright starts, only for the cold start"
    )
    parser.add_argument(
        "--baseline-repeats", type=int, default=500, help="in-process calls of 1 row timed"
    )
    parser.add_argument(
        "--budget", type=float, default=1.0, help="mlwright's training budget (units of work)"
    )
    parser.add_argument("--retrain", action="store_true", help="train mlwright's model again")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="seconds to wait, at most, for other processes to go idle before each level",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    unknown = [s for s in args.servers if s not in SERVERS]
    if unknown:
        parser.error(f"unknown server(s) {unknown}; choose from {', '.join(SERVERS)}")
    if args.batch_seconds is None:
        args.batch_seconds = args.seconds
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = build_report(args)
    if args.json:
        print(json.dumps(asdict(report), indent=2, default=str))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
