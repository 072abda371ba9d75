"""A registered model as an ONNX graph: onnxruntime gives the model's own outputs, or it is refused.

Real models are trained on small public data with fixed seeds and deterministic budgets; the
breast cancer workspace (LightGBM, and a linear model whose cost moves its threshold) is
shared by the module.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from mlwright.core.errors import ConfigError
from mlwright.learn.model import TabularModel
from mlwright.registry.loaded import LoadedModel, ModelSource
from mlwright.registry.onnx import write_onnx
from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ort = pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")

FAST = {"time_budget": 5, "seed": 0, "deterministic": True}
QUICK = {**FAST, "time_budget": 2}


def breast_cancer() -> pd.DataFrame:
    """Numeric features with a few missing and infinite values, and a text target."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.copy()
    frame.loc[::9, "mean texture"] = np.nan
    frame.loc[::13, "worst area"] = np.inf
    frame["target"] = np.where(data.target == 1, "benign", "malignant")
    return frame


def run_graph(path: Path, X: pd.DataFrame) -> dict[str, np.ndarray]:
    """The graph's outputs by name, fed each column under its input name."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    columns = json.loads(session.get_modelmeta().custom_metadata_map["columns"])
    feeds = {name: X[[column]].to_numpy(np.float32) for name, column in columns.items()}
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds), strict=True))


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """``bc`` (LightGBM) and ``bc-linear`` (a linear model whose costs move its threshold)."""
    workspace = Workspace(tmp_path_factory.mktemp("onnx"))
    workspace.ingest(breast_cancer(), name="bc")
    workspace.train("bc", target="target", families=["lightgbm"], **FAST).register("bc")
    linear = workspace.train("bc", target="target", families=["linear"], cost="fp=1,fn=5", **QUICK)
    linear.register("bc-linear")
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def X() -> pd.DataFrame:
    return breast_cancer().drop(columns="target")


@pytest.mark.parametrize("name", ["bc", "bc-linear"])
def test_probabilities_and_labels_match_the_model(
    ws: Workspace, X: pd.DataFrame, tmp_path: Path, name: str
) -> None:
    path = ws.export_model(name, tmp_path / "m.onnx", format="onnx")
    model = ws.load_model(name)
    out = run_graph(path, X)
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X), atol=1e-4)
    assert list(out["label"]) == list(model.predict(X))


def test_binary_labels_follow_the_decision_threshold(
    ws: Workspace, X: pd.DataFrame, tmp_path: Path
) -> None:
    model = ws.load_model("bc-linear")
    threshold = model.model.threshold
    assert threshold != 0.5
    assert list(model.classes_) == ["benign", "malignant"]
    out = run_graph(ws.export_model("bc-linear", tmp_path, format="onnx"), X)
    positive = out["probabilities"][:, 1] >= threshold
    assert list(out["label"]) == list(np.where(positive, "malignant", "benign"))


def test_graph_inputs_outputs_and_metadata(ws: Workspace, X: pd.DataFrame, tmp_path: Path) -> None:
    path = ws.export_model("bc", tmp_path, format="onnx")
    assert path == tmp_path / "bc-1.onnx"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inputs = session.get_inputs()
    assert inputs[0].name == "mean_radius"
    assert {(i.type, tuple(i.shape)) for i in inputs} == {("tensor(float)", (None, 1))}
    assert [o.name for o in session.get_outputs()] == ["label", "probabilities"]
    meta = session.get_modelmeta().custom_metadata_map
    assert set(json.loads(meta["columns"]).values()) == set(X.columns)
    assert json.loads(meta["classes"]) == ["benign", "malignant"]
    assert float(meta["threshold"]) == ws.load_model("bc").model.threshold
    assert meta["model"] == "bc:1"


def test_an_ensemble_of_families_is_one_weighted_graph(
    ws: Workspace, X: pd.DataFrame, tmp_path: Path
) -> None:
    boosted, linear = ws.load_model("bc"), ws.load_model("bc-linear")
    pipelines = boosted.model.pipelines[:1] + linear.model.pipelines[:1]
    blend = TabularModel(
        pipelines=pipelines,
        weights=[0.3, 0.7],
        task_type="binary",
        feature_columns=boosted.model.feature_columns,
        classes=boosted.model.classes,
        threshold=0.4,
    )
    loaded = LoadedModel(blend, boosted.info, ModelSource(ref="blend"))
    out = run_graph(write_onnx(loaded, tmp_path / "blend.onnx"), X)
    np.testing.assert_allclose(out["probabilities"], blend.predict_proba(X), atol=1e-4)
    assert list(out["label"]) == list(blend.predict(X))


@pytest.mark.parametrize("family", ["lightgbm", "random_forest"])
def test_regression_values_match_the_model(tmp_path: Path, family: str) -> None:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame
    with Workspace(tmp_path / "ws") as ws:
        ws.ingest(frame, name="diabetes")
        ws.train("diabetes", target="target", families=[family], **FAST).register("d")
        path = ws.export_model("d", tmp_path / "m.onnx", format="onnx")
        X = frame.drop(columns="target")
        out = run_graph(path, X)
        assert out["prediction"].shape == (len(X),)
        np.testing.assert_allclose(
            out["prediction"], ws.load_model("d").predict(X), rtol=1e-5, atol=1e-3
        )


def mixed_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 200
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "x": x,
            "signed_up": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
            "target": np.where(x + rng.normal(scale=0.5, size=n) > 0, "yes", "no"),
        }
    )


def test_a_step_that_does_not_convert_is_named(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws") as ws:
        ws.ingest(mixed_frame(), name="mixed")
        ws.train("mixed", target="target", families=["linear"], **QUICK).register("mixed")
        with pytest.raises(ConfigError, match="'signed_up'") as caught:
            ws.export_model("mixed", tmp_path / "m.onnx", format="onnx")
    assert "DatetimeParts" in str(caught.value)
    assert "--format package" in str(caught.value.hint)
    assert not (tmp_path / "m.onnx").exists()


def test_a_family_that_does_not_convert_is_named(ws: Workspace, tmp_path: Path) -> None:
    run = ws.train("bc", target="target", families=["knn"], **QUICK)
    run.register("bc-knn")
    with pytest.raises(ConfigError, match="KNeighborsClassifier"):
        ws.export_model("bc-knn", tmp_path / "m.onnx", format="onnx")
