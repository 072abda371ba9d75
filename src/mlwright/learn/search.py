"""The budgeted search: strong defaults first, then Optuna on the most promising families.

Phase one tries every family's default configurations, cheapest first, so that a small
budget still ends with good models. Phase two tunes the two best families with Optuna's TPE
sampler, alternating between them, and prunes a trial after any fold where its running score
falls below the median of earlier trials. A candidate starts only when its estimated time
(from the family's earlier fits, or its cost hint) fits in what is left of the budget after
the reserve for the final refit and evaluation.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlwright.core.types import TrialReport
from mlwright.learn.budget import WORK_UNITS_PER_SECOND, fit_work
from mlwright.learn.evaluate import CandidateScore, Pruned, cross_validate
from mlwright.learn.threads import threads_for

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np
    import pandas as pd

    from mlwright.core.types import RunRecorder, TrainingProgress
    from mlwright.data.schema import Role
    from mlwright.data.split import Fold
    from mlwright.learn.budget import Budget
    from mlwright.learn.families.base import Family, Params
    from mlwright.learn.metrics import Metric
    from mlwright.learn.task import TaskType

logger = logging.getLogger(__name__)

N_TUNED_FAMILIES = 2
N_STARTUP_TRIALS = 5
# Fit time grows a little slower than the rows (measured for LightGBM: 20x the rows took
# about 14x the time), so a refit is estimated as fold time x (row ratio) ** this.
REFIT_SCALING = 0.9
LIGHTGBM_COST = 1.0


@dataclass(slots=True)
class SearchContext:
    """Everything a candidate needs: the data, the folds, the task and the run's services."""

    X: pd.DataFrame
    y: np.ndarray
    folds: list[Fold]
    task_type: TaskType
    metric: Metric
    n_classes: int
    roles: dict[str, Role]
    n_categories: dict[str, int]
    budget: Budget
    recorder: RunRecorder
    progress: TrainingProgress
    seed: int = 0
    n_jobs: int = 1
    # Rows the final refit learns from, and the budget kept for evaluating on the test set.
    n_refit_rows: int = 0
    evaluation_s: float = 0.0
    # Budget kept back from the search: at least this, more once the refit is estimated.
    min_reserve_s: float = 0.0
    reserve_s: float = 0.0


@dataclass(slots=True)
class Candidate:
    """A configuration tried by the search, and what came of it."""

    number: int
    family: Family
    params: Params
    phase: str
    status: str = "ok"
    score: CandidateScore | None = None
    message: str = ""

    def loss(self, metric: Metric) -> float:
        """The mean fold score as a loss (lower is better); infinite when it has none."""
        if self.status != "ok" or self.score is None:
            return float("inf")
        return -self.score.mean if metric.greater_is_better else self.score.mean


def build_pipeline(
    family: Family, params: Params, ctx: SearchContext, *, n_jobs: int | None = None
) -> Any:
    """An unfitted pipeline: the family's preprocessing, then its estimator."""
    from sklearn.pipeline import Pipeline

    from mlwright.learn.preprocess import build_preprocessor

    prep = build_preprocessor(ctx.roles, family.style, ctx.task_type, n_categories=ctx.n_categories)
    if n_jobs is None:
        n_jobs = threads_for(len(ctx.y), ctx.n_jobs)
    model = family.make(params, ctx.task_type, ctx.seed, n_jobs)
    return Pipeline([("prepare", prep), ("model", model)])


@contextlib.contextmanager
def limited_threads(n_jobs: int) -> Iterator[None]:
    """Cap the OpenMP and BLAS threads of everything fitted inside (LightGBM, sklearn's HGB).

    Their thread pools otherwise take every core whatever ``n_jobs`` says, and on a busy
    machine a fit of a thousand rows can then stall for a minute instead of a second.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_jobs):
        yield


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """Silence third-party warnings and Optuna's per-trial log lines during the search.

    Convergence and feature-name warnings from inside a fit tell the user nothing they can
    act on; the run records what matters (a failed or pruned candidate) instead.
    """
    import optuna

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        optuna.logging.set_verbosity(verbosity)


@dataclass(slots=True)
class Searcher:
    """Runs candidates within the budget and keeps every result."""

    ctx: SearchContext
    candidates: list[Candidate] = field(default_factory=list)
    fold_fit_s: dict[str, list[float]] = field(default_factory=dict)

    @property
    def n_jobs(self) -> int:
        """Threads per fit: one on small data, where more cost more than they save."""
        return threads_for(len(self.ctx.y), self.ctx.n_jobs)

    def best(self) -> Candidate | None:
        """The candidate with the lowest loss so far."""
        done = [c for c in self.candidates if c.status == "ok"]
        return min(done, key=lambda c: c.loss(self.ctx.metric)) if done else None

    def work(self, family: Family) -> float:
        """Units of work of one candidate of ``family``: a fit per fold."""
        n_features, cost = len(self.ctx.roles), family.cost_for(self.ctx.n_classes)
        return sum(fit_work(len(train), n_features, cost) for train, _ in self.ctx.folds)

    def estimate_s(self, family: Family) -> float:
        """Expected seconds for one candidate of ``family`` (fitting and predicting every fold)."""
        if self.ctx.budget.deterministic:
            return self.work(family) / WORK_UNITS_PER_SECOND
        timed = self.fold_fit_s.get(family.name)
        if timed:
            return sum(timed) / len(timed) * len(self.ctx.folds) * 1.2
        anchor = self.fold_fit_s.get("lightgbm")
        if anchor:
            relative = family.cost / LIGHTGBM_COST  # both grow alike with the classes
            return sum(anchor) / len(anchor) * len(self.ctx.folds) * relative * 1.2
        return self.work(family) / WORK_UNITS_PER_SECOND

    def refit_s(self, candidate: Candidate) -> float:
        """Expected seconds to refit ``candidate`` on all training rows.

        Scaled from its own fold fits (by rows), or in deterministic runs from units of
        work, so that the decision does not depend on the machine's speed.
        """
        n_features = len(self.ctx.roles)
        if self.ctx.budget.deterministic or candidate.score is None:
            cost = candidate.family.cost_for(self.ctx.n_classes)
            work = fit_work(self.ctx.n_refit_rows, n_features, cost)
            return work / WORK_UNITS_PER_SECOND
        per_fold = candidate.score.fit_time_s / max(len(candidate.score.fold_scores), 1)
        fold_rows = sum(len(train) for train, _ in self.ctx.folds) / len(self.ctx.folds)
        growth = max(self.ctx.n_refit_rows / max(fold_rows, 1.0), 1.0)
        return float(per_fold * growth**REFIT_SCALING)

    def affords(self, family: Family) -> bool:
        """Whether a candidate of ``family`` fits in the budget left after the reserve."""
        return self.ctx.budget.affords(self.estimate_s(family), self.ctx.reserve_s)

    def run(self, family: Family, params: Params, phase: str, trial: Any = None) -> Candidate:
        """Cross-validate one configuration and record it, whatever happens."""
        candidate = Candidate(len(self.candidates) + 1, family, dict(params), phase)
        self.candidates.append(candidate)
        after_fold = None if trial is None else self._pruner(trial)
        try:
            with quiet_libraries(), limited_threads(self.n_jobs):
                candidate.score = cross_validate(
                    lambda: build_pipeline(family, params, self.ctx),
                    self.ctx.X,
                    self.ctx.y,
                    self.ctx.folds,
                    self.ctx.task_type,
                    self.ctx.metric,
                    self.ctx.n_classes,
                    after_fold=after_fold,
                    fit_params=self.deadline_params(family),
                )
        except Pruned as pruned:
            candidate.score = pruned.score
            candidate.status, candidate.message = "pruned", "stopped early: below the median"
        except (ValueError, TypeError, ArithmeticError, MemoryError, RuntimeError) as exc:
            candidate.status = "failed"
            candidate.message = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
            logger.info("candidate %d (%s) failed: %s", candidate.number, family.name, exc)
        self._account(candidate)
        return candidate

    def deadline_params(self, family: Family) -> dict[str, Any]:
        """Fit parameters that stop a fit when the search's time is up (timed runs only)."""
        budget = self.ctx.budget
        if family.deadline_params is None or budget.deterministic:
            return {}
        return family.deadline_params(time.monotonic() + budget.left_s - self.ctx.reserve_s)

    def _pruner(self, trial: Any) -> Any:
        metric = self.ctx.metric
        scores: list[float] = []

        def after_fold(index: int, score: float) -> None:
            scores.append(score)
            running = sum(scores) / len(scores)
            trial.report(-running if metric.greater_is_better else running, index)
            if trial.should_prune():
                raise Pruned

        return after_fold

    def _account(self, candidate: Candidate) -> None:
        ctx = self.ctx
        ctx.budget.spend(self.work(candidate.family))
        score = candidate.score
        if score is not None and score.fold_scores:
            per_fold = score.fit_time_s / len(score.fold_scores)
            self.fold_fit_s.setdefault(candidate.family.name, []).append(per_fold)
        ctx.recorder.trial(_report(candidate))
        best = self.best()
        if best is not None:
            # Keep back enough to refit the best candidate on every row and evaluate it.
            ctx.reserve_s = max(ctx.min_reserve_s, self.refit_s(best) + ctx.evaluation_s)
        ctx.progress(
            stage=f"tried {candidate.family.name}",
            elapsed_s=ctx.budget.used_s,
            budget_s=ctx.budget.seconds,
            n_trials=len(self.candidates),
            best=None if best is None or best.score is None else best.score.mean,
        )

    def skip(self, family: Family, params: Params, phase: str, reason: str) -> None:
        """Record a configuration the search did not run, and why."""
        candidate = Candidate(len(self.candidates) + 1, family, dict(params), phase, "skipped")
        candidate.message = reason
        self.candidates.append(candidate)
        self.ctx.recorder.trial(_report(candidate))


def _report(candidate: Candidate) -> TrialReport:
    score = candidate.score
    done = score is not None and bool(score.fold_scores) and candidate.status == "ok"
    return TrialReport(
        number=candidate.number,
        family=candidate.family.name,
        params=candidate.params,
        phase=candidate.phase,
        status=candidate.status,
        fold_scores=tuple(score.fold_scores) if score is not None else (),
        mean=score.mean if done and score is not None else None,
        std=score.std if done and score is not None else None,
        fit_time_s=score.fit_time_s if score is not None else 0.0,
        predict_ms_per_1k=score.predict_ms_per_1k if done and score is not None else None,
        message=candidate.message,
    )


def run_defaults(searcher: Searcher, families: list[Family]) -> None:
    """Phase one: every family's default configurations, cheapest family first.

    The very first candidate runs even when it looks too slow for the budget, so that a run
    always ends with a model; the run notes that the budget was too small.
    """
    queue = [(f, p) for f in sorted(families, key=lambda f: f.cost) for p in f.defaults]
    # LightGBM's first default anchors every later time estimate, so it goes first.
    queue.sort(key=lambda fp: fp[0].name != "lightgbm" or fp[1] is not fp[0].defaults[0])
    for family, params in queue:
        if searcher.best() is not None and not searcher.affords(family):
            searcher.skip(family, params, "default", "would not fit in the time budget left")
            continue
        if searcher.best() is None and not searcher.affords(family):
            searcher.ctx.recorder.note(
                f"the time budget is too small for a full search; trained {family.name} only"
            )
        searcher.run(family, params, "default")


def tune(searcher: Searcher, families: list[Family]) -> None:
    """Phase two: Optuna TPE on the best families, in turn, while the budget lasts."""
    import optuna

    ranked = sorted(
        {c.family.name: c for c in searcher.candidates if c.status == "ok"}.values(),
        key=lambda c: min(
            x.loss(searcher.ctx.metric) for x in searcher.candidates if x.family is c.family
        ),
    )
    chosen = [c.family for c in ranked[:N_TUNED_FAMILIES] if c.family in families]
    with quiet_libraries():
        studies = {
            f.name: optuna.create_study(
                direction="minimize",
                sampler=optuna.samplers.TPESampler(
                    seed=searcher.ctx.seed + i, n_startup_trials=N_STARTUP_TRIALS
                ),
                pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0),
            )
            for i, f in enumerate(chosen)
        }
    while chosen:
        chosen = [f for f in chosen if searcher.affords(f)]
        for family in chosen:
            if not searcher.affords(family):
                continue
            study = studies[family.name]
            with quiet_libraries():
                trial = study.ask()
                params = family.space(trial, searcher.ctx.task_type)
            candidate = searcher.run(family, params, "search", trial)
            with quiet_libraries():
                if candidate.status == "ok":
                    study.tell(trial, candidate.loss(searcher.ctx.metric))
                elif candidate.status == "pruned":
                    study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                else:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
