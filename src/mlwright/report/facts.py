"""The facts of a report, as one JSON-ready mapping: the page renders it, machines read it.

:func:`build_report` scores the model on labelled rows (by default the exact rows its run
held out), and gathers what a reader needs: metrics with bootstrap intervals against a naive
baseline, the curves, which inputs it relies on (permutation importance, native tree SHAP,
partial dependence), where it fails (:mod:`mlwright.insight`), and the run's leaderboard
with the worst slice of each top candidate, found on its out-of-fold errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlwright.data.dataset import Dataset
    from mlwright.learn.metrics import Metric
    from mlwright.registry.loaded import LoadedModel
    from mlwright.track.entities import RunRecord, TrialRecord

LEADERBOARD_ROWS = 10
DEPENDENCE_COLUMNS = 4
# Out-of-fold rows searched for each candidate's worst slice (a seeded sample beyond).
SLICE_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """What a report is made of; the workspace gathers it (``Workspace.report``)."""

    model: LoadedModel
    title: str
    run: RunRecord
    dataset: Dataset
    test: pd.DataFrame
    test_source: str
    train_target: pd.Series
    leaderboard: list[TrialRecord]
    oof_features: pd.DataFrame | None = None
    oof_losses: pd.DataFrame | None = None


def build_report(inputs: ReportInputs, *, shifts: bool = True, seed: int = 0) -> dict[str, Any]:
    """Every fact of the report (see the module's docstring), ready for JSON."""
    from mlwright.core.errors import SchemaError
    from mlwright.core.jsonable import jsonable
    from mlwright.insight.analyze import analyze_model
    from mlwright.learn.evaluate import bootstrap_metrics
    from mlwright.learn.metrics import get_metric, report_metrics
    from mlwright.learn.task import TaskType
    from mlwright.registry.labels import encode_truth
    from mlwright.report.narrative import summary

    model, run = inputs.model, inputs.run
    target = model.info.target
    task_type = TaskType(model.task_type)
    if target not in inputs.test.columns:
        msg = f"the rows to report on have no target column {target!r}"
        raise SchemaError(msg, hint="a report scores labelled rows", column=target)
    test = inputs.test[inputs.test[target].notna()].reset_index(drop=True)
    inputs_used = [c.name for c in model.info.columns]
    prepared = model.prepare(test[inputs_used], warn_extra=False)
    output = model.output(prepared)
    truth = encode_truth(model, test[target].tolist())
    threshold = float(model.model.threshold)
    metric = get_metric(model.info.metrics.get("metric"), task_type)
    estimates = bootstrap_metrics(
        report_metrics(task_type), truth, output, threshold=threshold, seed=seed
    )
    classes = None if model.model.classes is None else [str(c) for c in model.model.classes]
    analysis = analyze_model(model, test, shifts=shifts)
    facts: dict[str, Any] = {
        "title": inputs.title,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "model": {
            "ref": model.source.ref,
            "run": run.id,
            "target": target,
            "task_type": task_type.value,
            "classes": classes,
            "threshold": threshold if task_type is TaskType.BINARY else None,
            "metric": metric.name,
            "features": inputs_used,
        },
        "test": {"source": inputs.test_source, "rows": len(test)},
        "data": _data(inputs),
        "metrics": [e.to_dict() for e in estimates],
        "baseline": _baseline(model, inputs.train_target, truth, output, run),
        "curves": _curves(truth, output, classes, threshold, run, task_type),
        "leaderboard": _leaderboard(inputs, classes is not None, seed),
        "analysis": analysis.to_dict(),
    }
    facts |= _explanations(model, prepared, truth, metric, seed)
    facts["summary"] = summary(facts)
    plain: dict[str, Any] = jsonable(facts)
    return plain


def _data(inputs: ReportInputs) -> dict[str, Any]:
    dataset, run = inputs.dataset, inputs.run
    result = run.result
    return {
        "dataset": dataset.ref,
        "rows": dataset.n_rows,
        "columns": len(dataset.schema.names),
        "train_rows": result.get("n_train"),
        "test_rows": result.get("n_test"),
        "warnings": [w.message for w in dataset.profile.warnings],
        "notes": list(run.notes),
        "chosen": result.get("chosen"),
        "cv_score": result.get("cv_score"),
        "duration_s": result.get("duration_s"),
    }


def _baseline(
    model: LoadedModel,
    train_target: pd.Series,
    truth: np.ndarray,
    output: np.ndarray,
    run: RunRecord,
) -> dict[str, Any]:
    """A naive rule to compare with: the most common class, or the training average."""
    import numpy as np

    from mlwright.registry.labels import encode_truth

    known = train_target.dropna()
    if model.model.classes is None:
        mean = float(known.astype(float).mean())
        guess = np.full(len(truth), mean)
        return {
            "rule": f"always predict the training average, {mean:.4g}",
            "mae": float(np.abs(truth - guess).mean()),
            "rmse": float(np.sqrt(((truth - guess) ** 2).mean())),
            "model_mae": float(np.abs(truth - output).mean()),
        }
    codes = encode_truth(model, known.tolist())
    common = int(np.bincount(codes, minlength=len(model.model.classes)).argmax())
    label = str(model.model.classes[common])
    baseline: dict[str, Any] = {
        "rule": f'always predict "{label}"',
        "label": label,
        "accuracy": float((truth == common).mean()),
    }
    cost = run.config.get("cost")
    if cost and len(model.model.classes) == 2:
        from mlwright.learn.cost import CostMatrix, expected_cost

        matrix, p_positive = CostMatrix(**cost), output[:, 1]
        # Acting on every row (p >= 0) or on none (p >= 2): the rules that ignore the data.
        baseline["cost_per_row"] = min(
            expected_cost(truth, p_positive, matrix, always) for always in (0.0, 2.0)
        )
        baseline["model_cost_per_row"] = expected_cost(
            truth, p_positive, matrix, model.model.threshold
        )
    return baseline


def _curves(
    truth: np.ndarray,
    output: np.ndarray,
    classes: list[str] | None,
    threshold: float,
    run: RunRecord,
    task_type: Any,
) -> dict[str, Any]:
    from mlwright.learn.cost import CostMatrix
    from mlwright.report.curves import classification_curves, regression_curves

    if classes is None:
        return regression_curves(truth, output)
    cost = run.config.get("cost")
    matrix = CostMatrix(**cost) if cost and len(classes) == 2 else None
    return classification_curves(truth, output, classes, threshold, matrix)


def _explanations(
    model: LoadedModel, prepared: pd.DataFrame, truth: np.ndarray, metric: Metric, seed: int
) -> dict[str, Any]:
    """Which inputs the model relies on, and how its output moves with the top ones."""
    from mlwright.report.explain import partial_dependence, permutation_importance, tree_shap

    importance = permutation_importance(model.model, prepared, truth, metric, seed=seed)
    shap = tree_shap(model.model, prepared, seed=seed)
    top = [i.column for i in importance if i.drop > 0][:DEPENDENCE_COLUMNS]
    dependence = partial_dependence(model.model, prepared, top, seed=seed)
    return {
        "importance": [i.to_dict() for i in importance],
        "shap": None if shap is None else shap.to_dict(),
        "dependence": [d.to_dict() for d in dependence],
    }


def _leaderboard(inputs: ReportInputs, classifier: bool, seed: int) -> list[dict[str, Any]]:
    """The best candidates, each with its worst slice on its out-of-fold errors.

    An ensemble chosen over them comes first, as a row of its own.
    """
    result = inputs.run.result
    chosen = result.get("chosen") or {}
    ensemble = chosen.get("kind") == "ensemble"
    members = {m["candidate"] for m in chosen.get("members", [])}
    losses, features = inputs.oof_losses, inputs.oof_features
    if losses is not None and features is not None and len(losses) > SLICE_ROWS:
        keep = losses.sample(n=SLICE_ROWS, random_state=seed).index
        losses, features = losses.loc[keep], features.loc[keep]
    # (row, the column of its out-of-fold losses)
    board: list[tuple[dict[str, Any], str]] = []
    if ensemble:
        families = ", ".join(f"#{m['candidate']} {m['family']}" for m in chosen["members"])
        score = (result.get("cv_score") or {}).get("mean")
        row = _board_row(None, f"ensemble of {families}", "ensemble", score, None, None)
        board.append(({**row, "chosen": True}, "chosen"))
    for trial in inputs.leaderboard[:LEADERBOARD_ROWS]:
        row = _board_row(
            trial.number, trial.family, trial.phase, trial.mean, trial.std, trial.fit_time_s
        )
        row |= {
            "chosen": trial.number in members and not ensemble,
            "member": trial.number in members,
        }
        board.append((row, str(trial.number)))
    for row, column in board:
        if losses is not None and features is not None and column in losses.columns:
            row |= _worst_slice(features, losses[column].to_numpy(), classifier)
    return [row for row, _ in board]


def _board_row(
    candidate: int | None,
    family: str,
    phase: str,
    cv_mean: float | None,
    cv_std: float | None,
    fit_time_s: float | None,
) -> dict[str, Any]:
    return {
        "candidate": candidate,
        "family": family,
        "phase": phase,
        "cv_mean": cv_mean,
        "cv_std": cv_std,
        "fit_time_s": fit_time_s,
        "chosen": False,
        "member": False,
        "overall_loss": None,
        "worst_slice": None,
    }


def _worst_slice(features: pd.DataFrame, loss: np.ndarray, classifier: bool) -> dict[str, Any]:
    import numpy as np

    from mlwright.insight.slices import find_slices

    known = ~np.isnan(loss)
    loss = loss[known].astype(float)
    found = find_slices(features[known].reset_index(drop=True), loss, binary_loss=classifier)
    worst = found[0].to_dict() if found else None
    if worst is not None:
        worst["share"] = worst["n_rows"] / len(loss)
    return {"overall_loss": float(loss.mean()), "worst_slice": worst}
