"""``Workspace.monitor`` on a regression model: drift, prediction drift, measured RMSE."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd


def diabetes() -> pd.DataFrame:
    """scikit-learn's bundled diabetes data: 442 rows, 10 numeric features, a numeric target."""
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("monitor-regression") / "ws"
    with Workspace(path) as ws:
        ws.ingest(diabetes(), name="diabetes")
        run = ws.train("diabetes", target="target", time_budget=4, families=["lightgbm"], seed=0)
        ws.register(run.id, "sugar", alias="production")
    return path


def test_labelled_rows_measure_rmse_with_an_interval(workspace: Path, tmp_path: Path) -> None:
    current = tmp_path / "labelled.parquet"
    diabetes().sample(300, random_state=1).to_parquet(current)
    with Workspace(workspace) as ws:
        report = ws.monitor("sugar@production", current=current, record=False)
        assert ws.checks("sugar") == []  # record=False keeps no history
    performance = report.performance
    assert performance is not None
    assert performance.metric == "rmse"
    assert performance.measured
    assert performance.low <= performance.value <= performance.high
    assert report.drift.drifted == []
    assert report.prediction is not None
    assert report.prediction.kind == "numeric"


def test_a_shifted_feature_moves_the_predictions_and_is_ranked_by_weight(
    workspace: Path, tmp_path: Path
) -> None:
    frame = diabetes().drop(columns="target")
    frame["bmi"] = frame["bmi"] + 2 * frame["bmi"].std()
    current = tmp_path / "shifted.csv"
    frame.to_csv(current, index=False)
    with Workspace(workspace) as ws:
        report = ws.monitor("sugar@production", current=current)
        (check,) = ws.checks("sugar")
    assert report.drift.drifted == ["bmi"]
    assert report.prediction is not None
    assert report.prediction.drifted
    assert report.performance is None  # no labels, and no confidence to estimate from
    weights = sorted(report.drift.features, key=lambda f: -(f.importance or 0))
    assert "bmi" in [f.column for f in weights[:2]]  # bmi and s5 carry this model
    assert sum(f.importance or 0 for f in weights) == pytest.approx(1.0)
    assert check.status == "drift"
    assert check.summary["drift"]["drifted"] == ["bmi"]
