"""Train the best model for a table within a time budget, and prove how good it is.

The steps, in order: check the target and infer the task; hold out a test set; choose the
feature columns (identifiers, constants and leaked columns out); plan the run to fit its
budget; search (defaults, then Optuna); build a greedy ensemble if it beats the best single
model in cross-validation; refit on every training row; pick the decision threshold (the
business cost's minimum, on out-of-fold predictions); score the test set with bootstrap
intervals. Storage is not this module's concern: it reports to a ``RunRecorder``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlwright.core.types import ignore_training_progress
from mlwright.data.split import SplitKind, SplitSpec, folds, holdout
from mlwright.learn import checks
from mlwright.learn.budget import Budget
from mlwright.learn.cost import best_threshold, expected_cost
from mlwright.learn.ensemble import pooled_loss, select_ensemble
from mlwright.learn.evaluate import bootstrap_metrics, confusion
from mlwright.learn.families.registry import select_families
from mlwright.learn.metrics import confidence_accuracy, get_metric, report_metrics, row_loss
from mlwright.learn.model import TabularModel
from mlwright.learn.plan import REFIT_BUDGET_SHARE, make_plan
from mlwright.learn.search import (
    SearchContext,
    Searcher,
    build_pipeline,
    limited_threads,
    quiet_libraries,
    run_defaults,
    tune,
)
from mlwright.learn.task import (
    TaskType,
    check_target,
    check_target_values,
    encode_target,
    infer_task_type,
)
from mlwright.learn.threads import THREADS_MIN_ROWS, free_cores

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np
    import pandas as pd

    from mlwright.core.types import RunRecorder, TrainingProgress
    from mlwright.data.schema import Schema
    from mlwright.learn.cost import CostMatrix
    from mlwright.learn.evaluate import MetricEstimate
    from mlwright.learn.search import Candidate

logger = logging.getLogger(__name__)

MAX_ENSEMBLE_CANDIDATES = 8
# The best candidates whose out-of-fold losses are kept, to compare where each one fails.
KEPT_LOSSES = 5
# Seconds to keep for scoring the test set: a fixed part, and a part per test row.
EVALUATION_S = 1.0
EVALUATION_S_PER_ROW = 2e-5
# The search always keeps at least this share of the budget for the refit and evaluation.
MIN_RESERVE_SHARE = 0.1
# The budget rule: a run may end this much after its budget (share, and seconds).
OVERRUN_SHARE = 0.1
OVERRUN_S = 5.0


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """What to learn and under which constraints; every field has a sensible default."""

    target: str
    task_type: TaskType | None = None
    metric: str | None = None
    time_budget_s: float = 60.0
    n_folds: int = 5
    test_size: float = 0.2
    split: SplitSpec | None = None
    cost: CostMatrix | None = None
    seed: int = 0
    deterministic: bool = False
    families: tuple[str, ...] | None = None
    keep_columns: tuple[str, ...] = ()
    n_jobs: int = 0


@dataclass(slots=True)
class TrainResult:
    """Everything a run learned: the model, the leaderboard, and its honest evaluation."""

    task_type: TaskType
    metric: str
    greater_is_better: bool
    model: TabularModel
    candidates: list[Candidate]
    chosen: dict[str, Any]
    cv_score: dict[str, float]
    test_metrics: list[MetricEstimate]
    confusion_matrix: list[list[int]] | None
    threshold: float | None
    cost: dict[str, Any] | None
    plan: dict[str, Any]
    features: list[str]
    n_train: int
    n_test: int
    notes: list[str] = field(default_factory=list)
    # Out-of-fold loss of each row the search cross-validated (positions among the labelled
    # rows: see :func:`labelled_split`), for the best candidates by number, and "chosen".
    oof_rows: np.ndarray | None = None
    oof_losses: dict[str, np.ndarray] = field(default_factory=dict)
    # A classifier's accuracy on the test rows as its own probabilities estimate it.
    confidence_accuracy: float | None = None


def train_model(
    frame: pd.DataFrame,
    schema: Schema,
    config: TrainConfig,
    recorder: RunRecorder,
    progress: TrainingProgress = ignore_training_progress,
    *,
    budget: Budget | None = None,
) -> TrainResult:
    """Train within ``config.time_budget_s`` and evaluate on a held-out test set.

    ``budget`` is the clock to count against, when the caller started it earlier (loading
    the data counts too); a new one starts otherwise.

    Raises
    ------
    TrainingError
        The target is unknown, all missing, has one class, or cannot be regressed, or
        there are fewer labelled rows than folds need.
    """
    budget = budget or Budget(config.time_budget_s, deterministic=config.deterministic)
    notes = _Notes(recorder)
    check_target(schema, config.target)
    frame, y_raw = _labelled(frame, config.target, notes.add)
    task_type = config.task_type or infer_task_type(y_raw)
    check_target_values(y_raw, task_type, config.target, config.n_folds)
    if config.cost is not None and task_type is not TaskType.BINARY:
        notes.add(
            f"the cost matrix applies to binary tasks; this {task_type.value} task ignores it"
        )
    metric = get_metric(config.metric, task_type)
    recorder.task(task_type.value, metric.name, metric.greater_is_better)
    y, classes = encode_target(y_raw, task_type)
    n_classes = len(classes or [])
    spec = _split_spec(config, task_type)
    train_idx, test_idx = holdout(frame, y, spec, config.test_size, config.seed)
    roles = _features(frame, schema, config, y, train_idx, task_type, notes)
    n_shared = checks.shared_rows(frame[[*roles, config.target]], train_idx, test_idx)
    if n_shared:
        notes.add(f"{n_shared:,} test rows also appear, identical, in the training rows")
    families = select_families(list(config.families) if config.families else None)
    families = [f for f in families if f.supports(task_type)]
    plan = make_plan(
        len(train_idx),
        len(roles),
        families,
        budget_s=config.time_budget_s,
        n_folds=config.n_folds,
        n_classes=n_classes,
    )
    for line in plan.lines():
        notes.add(line)
    progress(stage="plan", elapsed_s=0.0, budget_s=budget.seconds, n_trials=0, best=None)
    n_jobs = config.n_jobs or free_cores()
    if not config.n_jobs and n_jobs < (os.cpu_count() or 1):
        notes.add(f"other processes keep cores busy: fits use {n_jobs} thread(s)")
    search_idx = _search_rows(train_idx, plan.search_rows, y, task_type, config.seed)
    x_search = frame.iloc[search_idx][list(roles)].reset_index(drop=True)
    y_search = y[search_idx]
    cv_folds = folds(
        frame.iloc[search_idx].reset_index(drop=True), y_search, spec, plan.n_folds, config.seed
    )
    ctx = SearchContext(
        X=x_search,
        y=y_search,
        folds=cv_folds,
        task_type=task_type,
        metric=metric,
        n_classes=n_classes,
        roles=roles,
        n_categories={c: int(x_search[c].nunique()) for c in roles},
        budget=budget,
        recorder=recorder,
        progress=progress,
        seed=config.seed,
        n_jobs=n_jobs,
        n_refit_rows=len(train_idx),
        evaluation_s=EVALUATION_S + len(test_idx) * EVALUATION_S_PER_ROW,
        min_reserve_s=MIN_RESERVE_SHARE * config.time_budget_s,
        reserve_s=REFIT_BUDGET_SHARE * config.time_budget_s,
    )
    searcher = Searcher(ctx)
    kept = [f for f in families if f.name in plan.families]
    if not kept:
        kept = [min(families, key=lambda f: f.cost_for(n_classes))]
        notes.add(f"every family asked for looks slow for the budget; trying {kept[0].name}")
    run_defaults(searcher, kept)
    tune(searcher, kept)
    members, weights, chosen, cv_score = _choose(searcher, metric, y_search, notes)
    if not _refits_in_time(searcher, members, config):
        best = min(members, key=lambda c: c.loss(metric))
        notes.add("the ensemble would not refit within the budget; using its best member alone")
        members, weights, chosen = [best], [1.0], _describe([best], [1.0], "single")
        cv_score = {"mean": best.score.mean, "std": best.score.std} if best.score else cv_score
    refit_idx = _refit_rows(searcher, members[0], train_idx, y, task_type, config, notes)
    progress(
        stage="refit",
        elapsed_s=budget.used_s,
        budget_s=budget.seconds,
        n_trials=len(searcher.candidates),
        best=cv_score["mean"],
    )
    x_train = frame.iloc[refit_idx][list(roles)]
    n_jobs = 1
    if len(train_idx) >= THREADS_MIN_ROWS:  # the load may have changed: count free cores again
        n_jobs = config.n_jobs or free_cores()
    with quiet_libraries(), limited_threads(n_jobs):
        pipelines = [
            _refit(c, ctx, n_jobs, x_train, y[refit_idx], searcher, config) for c in members
        ]
    threshold, cost = _threshold(config, task_type, members, weights, y_search)
    model = TabularModel(
        pipelines=pipelines,
        weights=weights,
        task_type=task_type.value,
        feature_columns=list(roles),
        classes=classes,
        threshold=threshold if threshold is not None else 0.5,
    )
    test_metrics, matrix, confident = _evaluate(model, frame, y, test_idx, task_type, config, cost)
    oof_losses = _oof_losses(searcher, metric, members, weights, y_search, model.threshold)
    return TrainResult(
        task_type=task_type,
        metric=metric.name,
        greater_is_better=metric.greater_is_better,
        model=model,
        candidates=searcher.candidates,
        chosen=chosen,
        cv_score=cv_score,
        test_metrics=test_metrics,
        confusion_matrix=matrix,
        threshold=threshold,
        cost=cost,
        plan=plan.to_dict(),
        features=list(roles),
        n_train=len(train_idx),
        n_test=len(test_idx),
        notes=notes.lines,
        oof_rows=search_idx,
        oof_losses=oof_losses,
        confidence_accuracy=confident,
    )


@dataclass(frozen=True, slots=True)
class LabelledSplit:
    """A table's labelled rows, their encoded target, and which rows train and test."""

    frame: pd.DataFrame
    y: np.ndarray
    train_idx: np.ndarray
    test_idx: np.ndarray


def labelled_split(frame: pd.DataFrame, config: TrainConfig, task_type: TaskType) -> LabelledSplit:
    """The rows :func:`train_model` learned from and held out, drawn again the same way.

    ``frame`` is the dataset the run trained on, ``task_type`` the one it learned; a report
    scores the model on exactly the test rows the run held out.
    """
    labelled, y_raw = _labelled(frame, config.target, lambda _: None)
    y, _ = encode_target(y_raw, task_type)
    spec = _split_spec(config, task_type)
    train_idx, test_idx = holdout(labelled, y, spec, config.test_size, config.seed)
    return LabelledSplit(labelled, y, train_idx, test_idx)


def _split_spec(config: TrainConfig, task_type: TaskType) -> SplitSpec:
    default_kind = SplitKind.STRATIFIED if task_type.is_classification else SplitKind.RANDOM
    return config.split or SplitSpec(default_kind)


@dataclass(slots=True)
class _Notes:
    recorder: RunRecorder
    lines: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.lines.append(text)
        self.recorder.note(text)


def _labelled(
    frame: pd.DataFrame, target: str, note: Callable[[str], None]
) -> tuple[pd.DataFrame, pd.Series]:
    """The rows whose target is known (a missing target teaches nothing)."""
    present = frame[target].notna()
    n_missing = int((~present).sum())
    if n_missing:
        note(f"{n_missing:,} rows without a value of {target!r} are left out")
        frame = frame[present].reset_index(drop=True)
    return frame, frame[target]


def _features(
    frame: pd.DataFrame,
    schema: Schema,
    config: TrainConfig,
    y: np.ndarray,
    train_idx: np.ndarray,
    task_type: TaskType,
    notes: _Notes,
) -> dict[str, Any]:
    roles, dropped = checks.feature_roles(schema, config.target, frame)
    for line in dropped:
        notes.add(line)
    train = frame.iloc[train_idx]
    leaks = checks.leaking_columns(train, y[train_idx], roles, task_type, config.seed)
    for name, score in leaks.items():
        if name in config.keep_columns:
            notes.add(
                f"column {name!r} predicts the target almost alone ({score:.3f}); kept on request"
            )
        else:
            notes.add(
                f"column {name!r} is not used: it predicts the target almost alone "
                f"({score:.3f}), the usual sign of leakage; --keep-column {name} keeps it"
            )
            roles.pop(name)
    if not roles:
        from mlwright.core.errors import TrainingError

        msg = f"no column is left to predict {config.target!r} from"
        raise TrainingError(msg, hint="see the notes above; --keep-column keeps a column")
    return roles


def _search_rows(
    train_idx: np.ndarray, n_rows: int, y: np.ndarray, task_type: TaskType, seed: int
) -> np.ndarray:
    """The training rows the search uses: all, or a (stratified) sample of ``n_rows``."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    if n_rows >= len(train_idx):
        return train_idx
    stratify = y[train_idx] if task_type.is_classification else None
    try:
        sample, _ = train_test_split(
            train_idx, train_size=n_rows, random_state=seed, stratify=stratify
        )
    except ValueError:  # a class too rare to stratify
        sample, _ = train_test_split(train_idx, train_size=n_rows, random_state=seed)
    return np.sort(sample)


def _choose(
    searcher: Searcher, metric: Any, y: np.ndarray, notes: _Notes
) -> tuple[list[Candidate], list[float], dict[str, Any], dict[str, float]]:
    """The best single candidate, or a greedy ensemble when it is better out of fold."""
    done = sorted(
        (c for c in searcher.candidates if c.status == "ok" and c.score is not None),
        key=lambda c: c.loss(metric),
    )
    if not done:
        from mlwright.core.errors import TrainingError

        reasons = "; ".join(f"{c.family.name}: {c.message}" for c in searcher.candidates[:3])
        msg = "no candidate model could be trained"
        raise TrainingError(msg, hint=reasons or "check the data and the time budget")
    best = done[0]
    assert best.score is not None
    single = {"mean": best.score.mean, "std": best.score.std}
    pool = done[:MAX_ENSEMBLE_CANDIDATES]
    oof = [c.score.oof for c in pool if c.score is not None and c.score.oof is not None]
    if len(oof) < 2:
        return [best], [1.0], _describe([best], [1.0], "single"), single
    weights, ensemble_loss = select_ensemble(oof, y, metric)
    best_loss = pooled_loss(metric, y, oof[0])
    members = [(c, w) for c, w in zip(pool, weights, strict=True) if w > 0]
    if ensemble_loss >= best_loss or len(members) < 2:
        return [best], [1.0], _describe([best], [1.0], "single"), single
    notes.add(
        f"an ensemble of {len(members)} candidates beats the best single one out of fold "
        f"({metric.name} {_signed(metric, ensemble_loss):.4f} "
        f"against {_signed(metric, best_loss):.4f})"
    )
    chosen = [c for c, _ in members]
    kept = [w for _, w in members]
    score = {"mean": _signed(metric, ensemble_loss), "std": best.score.std}
    return chosen, kept, _describe(chosen, kept, "ensemble"), score


def _oof_losses(
    searcher: Searcher,
    metric: Any,
    members: list[Candidate],
    weights: list[float],
    y: np.ndarray,
    threshold: float,
) -> dict[str, np.ndarray]:
    """Per-row out-of-fold losses of the best candidates and of the chosen model."""
    import numpy as np

    done = sorted(
        (c for c in searcher.candidates if c.status == "ok" and c.score is not None),
        key=lambda c: c.loss(metric),
    )
    losses = {
        str(c.number): row_loss(y, c.score.oof, threshold)
        for c in done[:KEPT_LOSSES]
        if c.score is not None and c.score.oof is not None
    }
    oof = [c.score.oof for c in members if c.score is not None and c.score.oof is not None]
    if len(oof) == len(members):
        combined = sum(w * p for w, p in zip(weights, oof, strict=True))
        losses["chosen"] = row_loss(y, np.asarray(combined), threshold)
    return losses


def _refit(
    candidate: Candidate,
    ctx: SearchContext,
    n_jobs: int,
    x: pd.DataFrame,
    y: np.ndarray,
    searcher: Searcher,
    config: TrainConfig,
) -> Any:
    """Fit a candidate's pipeline on the refit rows, stopping (if it can) at the budget's end."""
    import time

    params: dict[str, Any] = {}
    family = candidate.family
    if family.deadline_params is not None and not config.deterministic:
        end = time.monotonic() + max(_refit_seconds_left(searcher, config), 1.0)
        params = {f"model__{k}": v for k, v in family.deadline_params(end).items()}
    return build_pipeline(family, candidate.params, ctx, n_jobs=n_jobs).fit(x, y, **params)


def _refit_seconds_left(searcher: Searcher, config: TrainConfig) -> float:
    """Seconds the final refit may take: what is left, plus part of the allowed overrun."""
    ctx = searcher.ctx
    allowed = OVERRUN_SHARE * config.time_budget_s + OVERRUN_S / 2
    return ctx.budget.left_s - ctx.evaluation_s + allowed


def _refits_in_time(searcher: Searcher, members: list[Candidate], config: TrainConfig) -> bool:
    """Whether an ensemble's members can all be refitted within the budget."""
    if len(members) < 2:
        return True
    return sum(searcher.refit_s(c) for c in members) <= _refit_seconds_left(searcher, config)


def _refit_rows(
    searcher: Searcher,
    best: Candidate,
    train_idx: np.ndarray,
    y: np.ndarray,
    task_type: TaskType,
    config: TrainConfig,
    notes: _Notes,
) -> np.ndarray:
    """Every training row, or as many as a refit within the budget can learn from."""
    available, needed = _refit_seconds_left(searcher, config), searcher.refit_s(best)
    if needed <= available or needed <= 0:
        return train_idx
    n_rows = max(len(searcher.ctx.y), int(len(train_idx) * max(available, 0.0) / needed))
    if n_rows >= len(train_idx):
        return train_idx
    notes.add(
        f"(4) the final model is refitted on {n_rows:,} of {len(train_idx):,} training rows "
        "to stay within the budget; a larger --time-budget refits on all of them"
    )
    return _search_rows(train_idx, n_rows, y, task_type, config.seed)


def _signed(metric: Any, loss: float) -> float:
    return -loss if metric.greater_is_better else loss


def _describe(members: list[Candidate], weights: list[float], kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "members": [
            {"candidate": c.number, "family": c.family.name, "params": c.params, "weight": w}
            for c, w in zip(members, weights, strict=True)
        ],
    }


def _threshold(
    config: TrainConfig,
    task_type: TaskType,
    members: list[Candidate],
    weights: list[float],
    y: np.ndarray,
) -> tuple[float | None, dict[str, Any] | None]:
    """The decision threshold: the cost minimum on out-of-fold predictions, else 0.5."""
    if task_type is not TaskType.BINARY:
        return None, None
    if config.cost is None:
        return 0.5, None
    oof = [c.score.oof for c in members if c.score is not None and c.score.oof is not None]
    combined = sum(w * p for w, p in zip(weights, oof, strict=True))
    threshold, cv_cost = best_threshold(y, combined[:, 1], config.cost)  # type: ignore[index]
    return threshold, {
        "matrix": config.cost.to_dict(),
        "threshold": threshold,
        "cv_cost_per_row": cv_cost,
    }


def _evaluate(
    model: TabularModel,
    frame: pd.DataFrame,
    y: np.ndarray,
    test_idx: np.ndarray,
    task_type: TaskType,
    config: TrainConfig,
    cost: dict[str, Any] | None,
) -> tuple[list[MetricEstimate], list[list[int]] | None, float | None]:
    """Test-set metrics with bootstrap intervals, the confusion matrix and the test cost.

    Also a classifier's accuracy as its own confidence estimates it on the test rows: what
    monitoring compares the same estimate on unlabelled rows with (like with like, whatever
    the model's calibration).
    """
    if len(test_idx) == 0:
        return [], None, None
    x_test = frame.iloc[test_idx]
    with quiet_libraries():
        output = model._combined(x_test)
    y_test = y[test_idx]
    estimates = bootstrap_metrics(
        report_metrics(task_type), y_test, output, threshold=model.threshold, seed=config.seed
    )
    matrix = confusion(y_test, output, model.threshold) if task_type.is_classification else None
    if cost is not None and config.cost is not None:
        cost["test_cost_per_row"] = expected_cost(
            y_test, output[:, 1], config.cost, model.threshold
        )
    confident = None
    if task_type.is_classification:
        confident = confidence_accuracy(output, model.threshold)[0]
    return estimates, matrix, confident
