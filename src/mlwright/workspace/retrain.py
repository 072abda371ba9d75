"""``Workspace.retrain``: a challenger trained on new data replaces the champion only if better.

The champion is the version an alias points at. A seeded share of the new data is held out
before anything is trained; the rest becomes the next version of the champion's dataset,
and the challenger is trained on it with the champion's task settings (target, task,
metric, folds, costs, families, budget). Both models are scored on the same holdout, which
neither has seen, with the champion's metric; the challenger is registered and the alias
moved to it only when it is better by ``margin``. The decision and its evidence are kept in
the monitoring history either way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError

if TYPE_CHECKING:
    from mlwright.workspace.facade import Workspace

HOLDOUT_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class RetrainDecision:
    """What was compared, on what, and what was decided."""

    model: str
    alias: str
    champion: str
    challenger_run: str
    dataset: str
    metric: str
    greater_is_better: bool
    champion_score: float
    challenger_score: float
    margin: float
    holdout_rows: int
    promoted: bool
    new_version: str | None

    @property
    def improvement(self) -> float:
        """How much better the challenger scored (negative: worse), in the metric's units."""
        gain = self.challenger_score - self.champion_score
        return gain if self.greater_is_better else -gain

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON and for the monitoring history."""
        return {**asdict(self), "improvement": self.improvement}


def retrain(
    ws: Workspace,
    name: str,
    data: Any,
    *,
    alias: str = "production",
    margin: float = 0.01,
    time_budget: str | float | None = None,
    holdout: float = HOLDOUT_SHARE,
    seed: int = 0,
) -> RetrainDecision:
    """Train a challenger to ``name@alias`` on ``data`` and promote it if better by ``margin``."""
    from mlwright.learn.metrics import get_metric
    from mlwright.learn.task import TaskType
    from mlwright.registry.labels import encode_truth
    from mlwright.track.entities import NewCheck
    from mlwright.workspace.monitoring import read_rows

    if margin < 0:
        msg = f"margin must be 0 or more, not {margin}"
        raise ConfigError(msg, hint="e.g. --margin 0.01", value=margin)
    if not 0 < holdout < 1:
        msg = f"holdout must be a share between 0 and 1, not {holdout}"
        raise ConfigError(msg, value=holdout)
    champion = ws.model_version(f"{name}@{alias}")
    settings = ws.run(champion.run_id).record.config
    rows = read_rows(data)
    target = settings["target"]
    if target not in rows.columns:
        msg = f"the new data has no target column {target!r}"
        raise ConfigError(msg, hint="retraining needs labelled rows", column=target)
    fresh = rows.sample(frac=holdout, random_state=seed)
    training = rows.drop(fresh.index)
    dataset = ws.ingest(training, name=champion.dataset_name).dataset
    cost = settings.get("cost")
    run = ws.train(
        dataset.ref,
        target=target,
        time_budget=time_budget if time_budget is not None else settings["time_budget_s"],
        task=settings.get("task_type"),
        metric=settings.get("metric"),
        n_folds=settings.get("n_folds", 5),
        test_size=settings.get("test_size", 0.2),
        split=settings.get("split"),
        cost=None if not cost else ",".join(f"{k}={v}" for k, v in cost.items()),
        seed=settings.get("seed", 0),
        deterministic=settings.get("deterministic", False),
        families=settings.get("families"),
        keep_columns=settings.get("keep_columns") or None,
    )
    old = ws.load_model(champion.ref)
    new = run.model()
    metric = get_metric(old.info.metrics.get("metric"), TaskType(old.task_type))
    features = fresh.drop(columns=[target])
    truth = encode_truth(old, fresh[target].tolist())
    threshold = float(getattr(old.model, "threshold", 0.5) or 0.5)
    champion_score = float(metric.score(truth, old.output(old.prepare(features)), threshold))
    # The challenger was trained on rows read like these: it takes them as they are.
    challenger_score = float(metric.score(truth, new.output(features), new.threshold))
    gain = challenger_score - champion_score
    better = (gain if metric.greater_is_better else -gain) >= margin
    new_version = None
    if better:
        new_version = ws.register(run.id, name, alias=alias).ref
    decision = RetrainDecision(
        model=name,
        alias=alias,
        champion=champion.ref,
        challenger_run=run.id,
        dataset=dataset.ref,
        metric=metric.name,
        greater_is_better=metric.greater_is_better,
        champion_score=champion_score,
        challenger_score=challenger_score,
        margin=margin,
        holdout_rows=len(fresh),
        promoted=better,
        new_version=new_version,
    )
    ws.store.add_check(
        NewCheck(
            kind="retrain",
            model_name=name,
            model_version=champion.version,
            status="promoted" if better else "kept",
            summary=decision.to_dict(),
            created_by=ws.who(),
        )
    )
    return decision
