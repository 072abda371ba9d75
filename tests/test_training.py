"""``Workspace.train`` end to end: runs recorded as they go, honest evaluation, clear refusals.

Every run uses a small budget and small data with fixed seeds; the tests share one workspace
(and its datasets) per module, and each finds its own run by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from mlwright.core.errors import NotFoundError, RunNotFoundError, TrainingError
from mlwright.data.demo import write_demo_csv
from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mlwright.workspace.run import Run

BUDGET = 5
N_ROWS = 300
FAST = {"time_budget": BUDGET, "families": ["lightgbm", "linear"], "seed": 0}


def features(n: int = N_ROWS, seed: int = 0) -> pd.DataFrame:
    """Two numbers and a category; the targets below are functions of them plus noise."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "plan": rng.choice(["basic", "plus", "pro"], size=n),
        }
    )


def binary_frame(seed: int = 0) -> pd.DataFrame:
    frame = features(seed=seed)
    rng = np.random.default_rng(seed + 1)
    logit = 1.5 * frame["x1"] - frame["x2"] + (frame["plan"] == "basic")
    churned = rng.random(len(frame)) < 1 / (1 + np.exp(-logit))
    return frame.assign(churned=np.where(churned, "yes", "no"))


def amounts_frame(seed: int = 0) -> pd.DataFrame:
    frame = features(seed=seed)
    rng = np.random.default_rng(seed + 1)
    noise = rng.normal(scale=0.5, size=len(frame))
    return frame.assign(
        spend=3 * frame["x1"] - 2 * frame["x2"] + 1.5 * (frame["plan"] == "pro") + noise
    )


def tiers_frame(seed: int = 0) -> pd.DataFrame:
    frame = features(seed=seed)
    tier = np.select([frame["x1"] < -0.4, frame["x1"] < 0.4], ["low", "mid"], "high")
    return frame.assign(tier=tier)


def leaky_frame(seed: int = 0) -> pd.DataFrame:
    """The binary frame with ``outcome_code``: the target as text, wrong in one row only."""
    frame = binary_frame(seed)
    code = np.where(frame["churned"] == "yes", "C", "S")
    code[7] = "S" if code[7] == "C" else "C"
    return frame.assign(outcome_code=code)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One workspace with the demo data (``hr``) and the small generated tables."""
    folder = tmp_path_factory.mktemp("training")
    with Workspace(folder / "ws") as workspace:
        workspace.ingest(write_demo_csv(folder / "demo"), name="hr")
        workspace.ingest(binary_frame(), name="customers")
        workspace.ingest(amounts_frame(), name="spend")
        workspace.ingest(tiers_frame(), name="tiers")
        workspace.ingest(leaky_frame(), name="leaky")
        yield workspace


@pytest.fixture(scope="module")
def hr_run(ws: Workspace) -> Run:
    return ws.train("hr", target="Attrition", **FAST)


@pytest.fixture(scope="module")
def hr_frame(ws: Workspace) -> pd.DataFrame:
    return ws.dataset("hr").to_pandas()


def board(run: Run) -> list[tuple[str, dict[str, Any], float | None]]:
    return [(t.family, t.params, t.mean) for t in run.leaderboard]


# --- binary, regression, multiclass ----------------------------------------------------------


class TestBinaryRun:
    def test_it_finishes_with_a_leaderboard_best_first(self, hr_run: Run) -> None:
        assert hr_run.status == "finished"
        assert (hr_run.record.task_type, hr_run.record.metric) == ("binary", "roc_auc")
        assert hr_run.dataset_ref == "hr:1"
        means = [t.mean for t in hr_run.leaderboard]
        assert means
        assert means == sorted(means, reverse=True)
        assert all(t.status == "ok" for t in hr_run.leaderboard)
        assert {t.family for t in hr_run.record.trials} <= {"lightgbm", "linear"}

    def test_the_test_set_is_scored_with_intervals(self, hr_run: Run) -> None:
        auc = hr_run.test_metrics["roc_auc"]
        assert auc["low"] <= auc["value"] <= auc["high"]
        assert auc["value"] > 0.7
        assert {"accuracy", "log_loss", "pr_auc", "brier"} <= set(hr_run.test_metrics)
        result = hr_run.record.result
        assert (result["n_train"], result["n_test"]) == (1176, 294)
        matrix = np.array(result["confusion_matrix"])
        assert matrix.shape == (2, 2)
        assert matrix.sum() == result["n_test"]
        assert result["classes"] == ["False", "True"]

    def test_the_identifier_is_not_a_feature(self, hr_run: Run) -> None:
        assert "column 'employee_id' is not used: it is identifier" in hr_run.notes
        assert "employee_id" not in hr_run.record.result["features"]
        assert "Attrition" not in hr_run.record.result["features"]

    def test_the_model_predicts_the_original_labels(
        self, hr_run: Run, hr_frame: pd.DataFrame
    ) -> None:
        model = hr_run.model()
        rows = hr_frame.drop(columns=["Attrition"]).head(200)
        labels = model.predict(rows)
        assert len(labels) == 200
        assert set(labels.tolist()) <= {True, False}
        assert model.classes_.tolist() == [False, True]
        proba = model.predict_proba(rows)
        assert proba.shape == (200, 2)
        assert np.allclose(proba.sum(axis=1), 1.0)
        assert labels.tolist() == (proba[:, 1] >= model.threshold).tolist()

    def test_the_run_reads_back_from_the_store(self, ws: Workspace, hr_run: Run) -> None:
        again = ws.run(hr_run.id[:6])
        assert again.record == hr_run.record
        assert hr_run.id in [r.id for r in ws.runs("hr")]
        assert all(r.dataset_ref.startswith("hr:") for r in ws.runs("hr"))
        assert again.record.lineage["seed"] == 0
        assert again.record.config["families"] == ["lightgbm", "linear"]

    def test_listed_runs_have_their_leaderboard(self, ws: Workspace, hr_run: Run) -> None:
        listed = next(r for r in ws.runs("hr") if r.id == hr_run.id)
        assert board(listed) == board(hr_run)
        assert listed.notes == hr_run.notes

    def test_the_plan_never_searches_more_rows_than_there_are(self, hr_run: Run) -> None:
        plan = hr_run.record.result["plan"]
        assert plan["search_rows"] <= hr_run.record.result["n_train"]


def test_a_regression_run_reports_rmse_and_r2(ws: Workspace) -> None:
    run = ws.train("spend", target="spend", **FAST)
    assert (run.record.task_type, run.record.metric) == ("regression", "rmse")
    means = [t.mean for t in run.leaderboard]
    assert means == sorted(means), "lower rmse is better"
    rmse, r2 = run.test_metrics["rmse"], run.test_metrics["r2"]
    assert rmse["low"] <= rmse["value"] <= rmse["high"]
    assert r2["value"] > 0.8
    assert run.record.result["confusion_matrix"] is None
    assert run.record.result["classes"] is None
    model = run.model()
    rows = amounts_frame(seed=5).drop(columns=["spend"])
    predicted = model.predict(rows)
    assert predicted.shape == (N_ROWS,)
    assert np.issubdtype(predicted.dtype, np.floating)
    with pytest.raises(AttributeError):
        model.predict_proba(rows)


def test_a_multiclass_run_optimises_log_loss(ws: Workspace) -> None:
    run = ws.train("tiers", target="tier", **FAST)
    assert (run.record.task_type, run.record.metric) == ("multiclass", "log_loss")
    means = [t.mean for t in run.leaderboard]
    assert means == sorted(means), "lower log loss is better"
    assert {"log_loss", "accuracy", "roc_auc"} <= set(run.test_metrics)
    matrix = np.array(run.record.result["confusion_matrix"])
    assert matrix.shape == (3, 3)
    assert matrix.sum() == run.record.result["n_test"] == 60
    model = run.model()
    assert model.classes_.tolist() == ["high", "low", "mid"]
    rows = tiers_frame(seed=5).drop(columns=["tier"])
    assert set(model.predict(rows).tolist()) <= {"high", "low", "mid"}
    proba = model.predict_proba(rows)
    assert proba.shape == (N_ROWS, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_a_business_cost_moves_the_threshold(ws: Workspace) -> None:
    run = ws.train("customers", target="churned", cost="fp=1,fn=5", **FAST)
    result = run.record.result
    cost = result["cost"]
    assert cost["matrix"] == {"fp": 1.0, "fn": 5.0, "tp": 0.0, "tn": 0.0}
    assert run.record.config["cost"] == cost["matrix"]
    assert cost["threshold"] == result["threshold"] == run.model().threshold
    assert 0 < result["threshold"] < 0.5, "missing a churner costs five times more"
    assert cost["cv_cost_per_row"] >= 0
    assert cost["test_cost_per_row"] >= 0


def test_without_a_cost_the_threshold_is_one_half(hr_run: Run) -> None:
    assert hr_run.record.result["threshold"] == 0.5
    assert hr_run.record.result["cost"] is None


# --- refusals --------------------------------------------------------------------------------


def test_an_unknown_target_names_the_near_match_and_is_recorded_as_failed(
    ws: Workspace,
) -> None:
    with pytest.raises(TrainingError, match="'Atrition' is not in the dataset") as info:
        ws.train("hr", target="Atrition", **FAST)
    assert "did you mean 'Attrition'" in str(info.value)
    failed = ws.runs("hr")[0]
    assert failed.status == "failed"
    assert failed.record.target == "Atrition"
    assert failed.record.error is not None
    assert failed.record.error.startswith("TrainingError: target column 'Atrition'")
    assert failed.record.finished_at is not None
    assert failed.record.model_key is None
    with pytest.raises(NotFoundError, match="has no model"):
        failed.model()


@pytest.mark.parametrize(
    ("name", "target", "frame", "options", "message"),
    [
        (
            "one_class",
            "churned",
            features(40).assign(churned="yes"),
            {},
            r"target column 'churned' has one class only \('yes'\)",
        ),
        (
            "no_labels",
            "churned",
            features(40).assign(churned=np.nan),
            {},
            "target column 'churned' is missing in every row",
        ),
        (
            "text_amounts",
            "churned",
            features(40).assign(churned=["yes", "no"] * 20),
            {"task": "regression"},
            "target column 'churned' is not numeric .* cannot be regressed",
        ),
        (
            "too_few",
            "churned",
            features(8).assign(churned=["yes", "no"] * 4),
            {},
            "the dataset has 8 labelled rows, too few for 5-fold CV",
        ),
        (
            "too_few_for_3",
            "churned",
            features(5).assign(churned=["yes", "no", "yes", "no", "yes"]),
            {"n_folds": 3},
            "the dataset has 5 labelled rows, too few for 3-fold CV",
        ),
    ],
)
def test_an_unlearnable_target_is_refused_clearly(
    ws: Workspace,
    name: str,
    target: str,
    frame: pd.DataFrame,
    options: dict[str, Any],
    message: str,
) -> None:
    ws.ingest(frame, name=name)
    with pytest.raises(TrainingError, match=message):
        ws.train(name, target=target, **(FAST | options))
    failed = ws.runs(name)
    assert [r.status for r in failed] == ["failed"]
    assert failed[0].record.error is not None
    assert "TrainingError" in failed[0].record.error


def test_a_single_family_on_small_data_still_trains_a_model(ws: Workspace) -> None:
    run = ws.train("customers", target="churned", time_budget=BUDGET, families=["lightgbm"])
    assert run.status == "finished"
    assert {t.family for t in run.leaderboard} == {"lightgbm"}


# --- leakage ---------------------------------------------------------------------------------


def test_a_leaked_column_is_left_out_with_a_note(ws: Workspace) -> None:
    run = ws.train("leaky", target="churned", **FAST)
    leak_notes = [n for n in run.notes if "'outcome_code'" in n]
    assert len(leak_notes) == 1
    assert "leakage" in leak_notes[0]
    assert "--keep-column outcome_code" in leak_notes[0]
    assert "outcome_code" not in run.record.result["features"]
    assert {"x1", "x2", "plan"} <= set(run.record.result["features"])


def test_keep_columns_keeps_a_leaked_column(ws: Workspace) -> None:
    run = ws.train("leaky", target="churned", keep_columns=["outcome_code"], **FAST)
    assert "outcome_code" in run.record.result["features"]
    assert any("'outcome_code'" in n and "kept on request" in n for n in run.notes)
    assert run.record.config["keep_columns"] == ["outcome_code"]
    assert run.test_metrics["roc_auc"]["value"] > 0.95


# --- determinism, interruption, no test set, deletion ----------------------------------------


@pytest.fixture(scope="module")
def deterministic_pair(ws: Workspace) -> tuple[Run, Run]:
    # 8 s: enough that the plan keeps LightGBM, whose threads must not change its scores.
    options = FAST | {"time_budget": 8, "seed": 7, "deterministic": True}
    return (
        ws.train("customers", target="churned", **options),
        ws.train("customers", target="churned", **options),
    )


def test_deterministic_runs_repeat_the_same_leaderboard(
    deterministic_pair: tuple[Run, Run],
) -> None:
    first, second = deterministic_pair
    assert first.id != second.id
    assert {t.family for t in first.leaderboard} == {"lightgbm", "linear"}
    assert board(first) == board(second)
    assert [(t.family, t.status) for t in first.record.trials] == [
        (t.family, t.status) for t in second.record.trials
    ]
    assert first.record.result["chosen"] == second.record.result["chosen"]
    assert first.test_metrics == second.test_metrics
    assert first.record.lineage["seed"] == 7


def test_deleting_one_of_two_runs_keeps_the_others_model(
    ws: Workspace, deterministic_pair: tuple[Run, Run]
) -> None:
    first, second = deterministic_pair
    ws.delete_run(first.id)
    rows = binary_frame(seed=3).drop(columns=["churned"])
    assert set(second.model().predict(rows).tolist()) <= {"yes", "no"}


def test_an_interrupted_run_is_failed_with_the_trials_so_far(ws: Workspace) -> None:
    calls: list[str] = []

    def progress(*, stage: str, **_: object) -> None:
        calls.append(stage)
        if len(calls) == 3:
            raise KeyboardInterrupt

    models_before = set(ws.artifacts.keys())
    with pytest.raises(KeyboardInterrupt):
        ws.train("customers", target="churned", progress=progress, **FAST)
    failed = ws.run(ws.runs("customers")[0].id)
    assert failed.status == "failed"
    assert failed.record.error == "KeyboardInterrupt"
    numbers = [t.number for t in failed.record.trials]
    assert len(numbers) >= 2, "the two candidates reported before the interruption"
    assert numbers == list(range(1, len(numbers) + 1))
    assert any(n.startswith("plan:") for n in failed.notes)
    assert failed.record.model_key is None
    assert set(ws.artifacts.keys()) == models_before, "no model stored"


def test_an_interrupted_runs_leaderboard_is_still_best_first(ws: Workspace) -> None:
    calls: list[str] = []

    def progress(*, stage: str, **_: object) -> None:
        calls.append(stage)
        if len(calls) == 5:
            raise KeyboardInterrupt

    options = FAST | {"time_budget": 8, "deterministic": True}
    with pytest.raises(KeyboardInterrupt):
        ws.train("spend", target="spend", progress=progress, **options)
    failed = ws.run(ws.runs("spend")[0].id)
    assert failed.status == "failed"
    means = [t.mean for t in failed.leaderboard]
    assert len(set(means)) > 1
    assert means == sorted(means), "lower rmse is better"


def test_no_test_set_gives_no_test_metrics_but_a_model(ws: Workspace) -> None:
    run = ws.train("customers", target="churned", test_size=0, **FAST)
    assert run.status == "finished"
    assert run.test_metrics == {}
    assert (run.record.result["n_train"], run.record.result["n_test"]) == (N_ROWS, 0)
    assert run.record.result["confusion_matrix"] is None
    assert run.record.result["cv_score"]["mean"] > 0.5
    rows = binary_frame(seed=3).drop(columns=["churned"])
    assert len(run.model().predict(rows)) == N_ROWS


def test_delete_run_removes_the_run_and_its_model(ws: Workspace) -> None:
    run = ws.train("spend", target="spend", **(FAST | {"seed": 11}))
    key = run.record.model_key
    assert key is not None
    before = ws.artifacts.keys()
    assert key in before
    deleted = ws.delete_run(run.id[:8])
    assert deleted.id == run.id
    after = ws.artifacts.keys()
    assert key not in after
    with pytest.raises(RunNotFoundError):
        ws.run(run.id)
    assert run.id not in [r.id for r in ws.runs()]
    assert ws.dataset("spend").to_pandas().shape == (N_ROWS, 4), "the data stays"
