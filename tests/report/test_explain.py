"""What a model relies on: permutation importance, LightGBM tree SHAP, partial dependence.

Trained for real on data with one planted monotone signal, a weaker categorical effect and
pure noise, so the expected order of the inputs is known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from mlwright.learn.metrics import get_metric
from mlwright.learn.task import TaskType
from mlwright.report.explain import (
    partial_dependence,
    permutation_importance,
    transformed_sources,
    tree_shap,
)
from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from pathlib import Path

    from mlwright.learn.model import TabularModel


def table(n: int, seed: int, kind: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "signal": rng.normal(0, 1, n),
            "noise": rng.normal(0, 1, n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "joined": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        }
    )
    score = 2.0 * frame["signal"] + (frame["colour"] == "red") * 0.8
    if kind == "binary":
        frame["y"] = np.where(score + rng.logistic(0, 0.5, n) > 0.3, "yes", "no")
    elif kind == "multiclass":
        frame["y"] = pd.cut(
            score + rng.normal(0, 0.3, n), [-np.inf, -1, 1, np.inf], labels=["low", "mid", "high"]
        ).astype(str)
    else:
        frame["y"] = 3.0 * score + rng.normal(0, 0.5, n)
    return frame


def trained(path: Path, kind: str, families: list[str]) -> TabularModel:
    with Workspace(path) as ws:
        ws.ingest(table(3000, 0, kind), name="t")
        return ws.train("t", target="y", time_budget=3, families=families, seed=0).model()


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> TabularModel:
    return trained(tmp_path_factory.mktemp("binary") / "ws", "binary", ["lightgbm"])


def features_and_truth(kind: str) -> tuple[pd.DataFrame, np.ndarray]:
    frame = table(1500, 1, kind)
    if kind == "binary":
        return frame.drop(columns="y"), (frame["y"] == "yes").to_numpy().astype(int)
    return frame.drop(columns="y"), frame["y"].to_numpy(dtype=float)


def test_the_planted_signal_matters_most_and_noise_not_at_all(binary: TabularModel) -> None:
    features, truth = features_and_truth("binary")
    found = permutation_importance(binary, features, truth, get_metric("roc_auc", TaskType.BINARY))
    by_column = {i.column: i for i in found}
    assert found[0].column == "signal"
    assert by_column["signal"].drop > 0.2
    assert abs(by_column["noise"].drop) < 0.02
    assert by_column["colour"].drop > by_column["noise"].drop
    for i in found:
        assert i.low <= i.drop <= i.high


def test_tree_shap_credits_the_signal_and_sums_a_dates_parts(binary: TabularModel) -> None:
    features, _ = features_and_truth("binary")
    shap = tree_shap(binary, features)
    assert shap is not None
    assert shap.member == "LGBMClassifier"
    assert shap.weight == pytest.approx(1.0)
    assert shap.values[0].column == "signal"
    assert {v.column for v in shap.values} == set(binary.feature_columns)
    # Every output feature of the preprocessing maps back to exactly one input column.
    prepare = binary.pipelines[0].named_steps["prepare"]
    sources = transformed_sources(prepare)
    assert sources is not None
    assert len(sources) == prepare.transform(features.head(5)).shape[1]
    assert sources.count("joined") > 1  # a date becomes several calendar parts


def test_a_model_without_lightgbm_has_no_tree_shap(tmp_path: Path) -> None:
    model = trained(tmp_path / "ws", "regression", ["linear"])
    features, _ = features_and_truth("regression")
    assert tree_shap(model, features) is None


def test_partial_dependence_follows_the_planted_effect(binary: TabularModel) -> None:
    features, _ = features_and_truth("binary")
    signal, colour = partial_dependence(binary, features, ["signal", "colour"])
    assert signal.kind == "numeric"
    assert signal.grid == sorted(signal.grid)
    ((name, values),) = signal.series.items()
    assert name == "P(yes)"
    assert values[-1] - values[0] > 0.5
    assert np.mean(np.diff(values) >= -0.02) > 0.9  # rising nearly everywhere
    assert colour.kind == "categorical"
    assert set(colour.grid) == {"red", "green", "blue"}
    by_level = dict(zip(colour.grid, colour.series["P(yes)"], strict=True))
    assert by_level["red"] > by_level["blue"]


def test_regression_and_multiclass_dependence_have_one_series_per_output(tmp_path: Path) -> None:
    regression = trained(tmp_path / "r", "regression", ["lightgbm"])
    features, _ = features_and_truth("regression")
    (found,) = partial_dependence(regression, features, ["signal"])
    assert list(found.series) == ["prediction"]
    assert found.series["prediction"][-1] > found.series["prediction"][0]
    multiclass = trained(tmp_path / "m", "multiclass", ["lightgbm"])
    (found,) = partial_dependence(multiclass, features, ["signal"])
    assert sorted(found.series) == ["P(high)", "P(low)", "P(mid)"]
    assert found.series["P(high)"][-1] > found.series["P(high)"][0]
    assert found.series["P(low)"][-1] < found.series["P(low)"][0]
