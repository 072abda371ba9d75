"""What a model relies on: permutation importance, LightGBM tree SHAP, partial dependence.

Models are trained for real (small data, small deterministic budgets, fixed seeds) on a table
with one planted monotone signal, a weaker categorical effect, pure noise, a date and free
text, so the expected order of the inputs is known.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.data.schema import Role
from mlwright.learn.metrics import get_metric
from mlwright.learn.model import TabularModel
from mlwright.learn.preprocess import PreprocessStyle, build_preprocessor
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

WORDS = np.array([f"word{i}" for i in range(40)])


def table(n: int, seed: int, kind: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "signal": rng.normal(0, 1, n),
            "noise": rng.normal(0, 1, n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "joined": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
            "note": [" ".join(rng.choice(WORDS, 6)) for _ in range(n)],
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
        ws.ingest(table(2000, 0, kind), name="t")
        run = ws.train(
            "t", target="y", time_budget=3, families=families, seed=0, deterministic=True
        )
        return run.model()


def features_and_truth(kind: str) -> tuple[pd.DataFrame, np.ndarray]:
    frame = table(1500, 1, kind)
    features = frame.drop(columns="y")
    if kind == "binary":
        return features, (frame["y"] == "yes").to_numpy().astype(int)
    if kind == "multiclass":
        codes = {"high": 0, "low": 1, "mid": 2}  # classes in sorted order
        return features, frame["y"].map(codes).to_numpy()
    return features, frame["y"].to_numpy(dtype=float)


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> TabularModel:
    return trained(tmp_path_factory.mktemp("binary") / "ws", "binary", ["lightgbm"])


@pytest.fixture(scope="module")
def linear(tmp_path_factory: pytest.TempPathFactory) -> TabularModel:
    return trained(tmp_path_factory.mktemp("linear") / "ws", "binary", ["linear"])


@pytest.fixture(scope="module")
def regression(tmp_path_factory: pytest.TempPathFactory) -> TabularModel:
    return trained(tmp_path_factory.mktemp("regression") / "ws", "regression", ["lightgbm"])


@pytest.fixture(scope="module")
def multiclass(tmp_path_factory: pytest.TempPathFactory) -> TabularModel:
    return trained(tmp_path_factory.mktemp("multiclass") / "ws", "multiclass", ["lightgbm"])


def roundtrips(value: dict[str, Any]) -> bool:
    return bool(json.loads(json.dumps(value)) == value)


def test_the_planted_signal_matters_most_and_noise_not_at_all(binary: TabularModel) -> None:
    features, truth = features_and_truth("binary")
    found = permutation_importance(binary, features, truth, get_metric("roc_auc", TaskType.BINARY))
    by_column = {i.column: i for i in found}
    assert found[0].column == "signal"
    assert set(by_column) == set(binary.feature_columns)
    assert [i.drop for i in found] == sorted((i.drop for i in found), reverse=True)
    assert by_column["signal"].drop > 0.2
    assert abs(by_column["noise"].drop) < 0.02
    assert by_column["colour"].drop > by_column["noise"].drop
    for i in found:
        assert i.low <= i.drop <= i.high
        assert roundtrips(i.to_dict())


def test_importance_is_a_loss_whichever_way_the_metric_points(regression: TabularModel) -> None:
    features, truth = features_and_truth("regression")
    rmse = get_metric("rmse", TaskType.REGRESSION)
    assert not rmse.greater_is_better
    found = permutation_importance(regression, features, truth, rmse, n_rows=500, repeats=2)
    assert found[0].column == "signal"
    assert found[0].drop > 1.0  # rmse grows by more than the noise's whole spread
    # The same seed gives the same answer.
    again = permutation_importance(regression, features, truth, rmse, n_rows=500, repeats=2)
    assert again == found


def test_tree_shap_credits_the_signal_and_sums_a_dates_and_a_texts_parts(
    binary: TabularModel,
) -> None:
    features, _ = features_and_truth("binary")
    shap = tree_shap(binary, features, n_rows=500)
    assert shap is not None
    assert shap.member == "LGBMClassifier"
    assert shap.weight == pytest.approx(max(binary.weights))
    assert shap.values[0].column == "signal"
    assert {v.column for v in shap.values} == set(binary.feature_columns)
    assert [v.mean_abs for v in shap.values] == sorted(
        (v.mean_abs for v in shap.values), reverse=True
    )
    assert roundtrips(shap.to_dict())
    # Every output feature of the preprocessing maps back to exactly one input column.
    prepare = binary.pipelines[0].named_steps["prepare"]
    sources = transformed_sources(prepare)
    assert sources is not None
    assert len(sources) == prepare.transform(features.head(5)).shape[1]
    assert sources.count("joined") == 6  # a date becomes its calendar parts
    assert sources.count("note") > 1  # a text becomes its words


def test_tree_shap_of_a_multiclass_model_sums_over_the_classes(multiclass: TabularModel) -> None:
    features, _ = features_and_truth("multiclass")
    shap = tree_shap(multiclass, features, n_rows=300)
    assert shap is not None
    assert shap.values[0].column == "signal"
    assert all(v.mean_abs >= 0 for v in shap.values)


def test_a_model_without_lightgbm_has_no_tree_shap(linear: TabularModel) -> None:
    features, _ = features_and_truth("binary")
    assert tree_shap(linear, features) is None


def test_an_ensemble_explains_its_heaviest_lightgbm_member(
    binary: TabularModel, linear: TabularModel
) -> None:
    assert binary.feature_columns == linear.feature_columns
    assert binary.classes == linear.classes
    ensemble = TabularModel(
        pipelines=[linear.pipelines[0], binary.pipelines[0]],
        weights=[0.7, 0.3],
        task_type=binary.task_type,
        feature_columns=binary.feature_columns,
        classes=binary.classes,
    )
    features, _ = features_and_truth("binary")
    shap = tree_shap(ensemble, features, n_rows=200)
    assert shap is not None
    assert (shap.member, shap.weight) == ("LGBMClassifier", 0.3)


def test_partial_dependence_follows_the_planted_effect(binary: TabularModel) -> None:
    features, _ = features_and_truth("binary")
    found = partial_dependence(binary, features, ["signal", "colour", "joined", "note"])
    signal, colour = found  # a date and free text have no grid
    assert signal.kind == "numeric"
    assert len(signal.grid) == 20
    assert signal.grid == sorted(signal.grid)
    assert signal.grid[0] >= features["signal"].min()
    ((name, values),) = signal.series.items()
    assert name == "P(yes)"
    assert len(values) == len(signal.grid)
    assert values[-1] - values[0] > 0.5
    assert np.mean(np.diff(values) >= -0.02) > 0.9  # rising nearly everywhere
    assert colour.kind == "categorical"
    assert set(colour.grid) == {"red", "green", "blue"}
    by_level = dict(zip(colour.grid, colour.series["P(yes)"], strict=True))
    assert by_level["red"] > by_level["blue"]
    assert all(roundtrips(d.to_dict()) for d in found)


def test_regression_dependence_rises_with_the_signal(regression: TabularModel) -> None:
    features, _ = features_and_truth("regression")
    (found,) = partial_dependence(regression, features, ["signal"], grid=8)
    assert list(found.series) == ["prediction"]
    values = found.series["prediction"]
    assert len(found.grid) == len(values) == 8
    assert np.all(np.diff(values) > 0)


def test_multiclass_dependence_has_one_series_per_class(multiclass: TabularModel) -> None:
    features, _ = features_and_truth("multiclass")
    (found,) = partial_dependence(multiclass, features, ["signal"], n_rows=300)
    assert sorted(found.series) == ["P(high)", "P(low)", "P(mid)"]
    assert found.series["P(high)"][-1] > found.series["P(high)"][0]
    assert found.series["P(low)"][-1] < found.series["P(low)"][0]
    totals = np.sum([found.series[s] for s in found.series], axis=0)
    assert totals == pytest.approx(np.ones(len(found.grid)))


# Names that are prefixes of one another, and levels with underscores, so that an output
# named "a_b_x" could be column "a" level "b_x" or column "a_b" level "x".
NAMES = ["a", "a_b", "a_year", "b", "b_a"]
LEVELS = np.array(["x", "b_x", "y_z", "q"])


def generated(columns: dict[str, Role], n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for name, role in columns.items():
        if role is Role.NUMERIC:
            values = rng.normal(size=n)
            values[rng.random(n) < 0.2] = np.nan
            data[name] = values
        elif role is Role.CATEGORICAL:
            data[name] = rng.choice(LEVELS, n)
        elif role is Role.DATETIME:
            data[name] = pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 500, n), "D")
        else:
            data[name] = [" ".join(rng.choice(WORDS[:8], 4)) for _ in range(n)]
    return pd.DataFrame(data)


def changed(frame: pd.DataFrame, column: str, role: Role) -> pd.DataFrame:
    """``frame`` with only ``column`` altered."""
    other = frame.copy()
    if role is Role.NUMERIC:
        other[column] = frame[column] + 1.0
    elif role is Role.DATETIME:
        other[column] = frame[column] + pd.Timedelta(days=400)
    else:
        other[column] = np.roll(frame[column].to_numpy(), 1)
    return other


def dense(values: Any) -> np.ndarray:
    return np.asarray(values.toarray() if scipy.sparse.issparse(values) else values, dtype=float)


@given(
    roles=st.dictionaries(
        st.sampled_from(NAMES),
        st.sampled_from([Role.NUMERIC, Role.CATEGORICAL, Role.DATETIME, Role.TEXT]),
        min_size=1,
    ),
    style=st.sampled_from(list(PreprocessStyle)),
    target_encoded=st.booleans(),
    seed=st.integers(0, 1000),
)
@settings(derandomize=True, max_examples=30, deadline=None)
def test_every_transformed_feature_maps_to_the_one_column_it_comes_from(
    roles: dict[str, Role], style: PreprocessStyle, target_encoded: bool, seed: int
) -> None:
    frame = generated(roles, 60, seed)
    y = np.random.default_rng(seed).integers(0, 3, len(frame))
    counts = dict.fromkeys(roles, 100 if target_encoded else 4)
    prepare = build_preprocessor(roles, style, TaskType.MULTICLASS, n_categories=counts)
    prepare.fit(frame, y)
    sources = transformed_sources(prepare)
    assert sources is not None
    before = dense(prepare.transform(frame))
    assert len(sources) == before.shape[1]  # every output feature, once
    assert set(sources) <= set(roles)
    for column, role in roles.items():
        after = dense(prepare.transform(changed(frame, column, role)))
        moved = ~((before == after) | (np.isnan(before) & np.isnan(after))).all(axis=0)
        assert {sources[i] for i in np.flatnonzero(moved)} <= {column}
        if role in (Role.NUMERIC, Role.DATETIME):
            assert moved.any()
