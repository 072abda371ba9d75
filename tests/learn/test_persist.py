"""A trained model survives bytes; a file carrying an unknown type is refused unexecuted."""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from mlwright.core.errors import StoreError
from mlwright.data.schema import Role
from mlwright.learn.families.registry import select_families
from mlwright.learn.model import TabularModel
from mlwright.learn.persist import model_from_bytes, model_to_bytes
from mlwright.learn.preprocess import build_preprocessor
from mlwright.learn.task import TaskType

if TYPE_CHECKING:
    from pathlib import Path


def _model() -> tuple[TabularModel, pd.DataFrame]:
    from sklearn.pipeline import Pipeline

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], 200)})
    y = (frame.x > 0).astype(int).to_numpy()
    roles = {"x": Role.NUMERIC, "c": Role.CATEGORICAL}
    pipelines = []
    for family in select_families(["lightgbm", "linear"]):
        prep = build_preprocessor(roles, family.style, TaskType.BINARY)
        model = family.make(family.defaults[0], TaskType.BINARY, 0, 1)
        pipelines.append(Pipeline([("prepare", prep), ("model", model)]).fit(frame, y))
    trained = TabularModel(
        pipelines=pipelines,
        weights=[0.5, 0.5],
        task_type="binary",
        feature_columns=["x", "c"],
        classes=["no", "yes"],
    )
    return trained, frame


def test_round_trip_gives_the_same_predictions() -> None:
    model, frame = _model()
    loaded = model_from_bytes(model_to_bytes(model))
    assert np.allclose(loaded.predict_proba(frame), model.predict_proba(frame))
    assert list(loaded.predict(frame.head(3))) == list(model.predict(frame.head(3)))
    assert set(loaded.predict(frame)) <= {"no", "yes"}


def test_a_file_naming_an_untrusted_type_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """A tampered file whose top object is ``os.system`` is refused; the command never runs."""
    model, _ = _model()
    marker = tmp_path / "pwned"
    original = zipfile.ZipFile(io.BytesIO(model_to_bytes(model)))
    schema = json.loads(original.read("schema.json"))
    schema.update({"__class__": "system", "__module__": "os", "__loader__": "ObjectNode"})
    schema["content"] = {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": f'"touch {marker}"',
        "is_json": True,
    }
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as out:
        for name in original.namelist():
            data = json.dumps(schema) if name == "schema.json" else original.read(name)
            out.writestr(name, data)
    with pytest.raises(StoreError, match=r"does not trust: .*os\.system"):
        model_from_bytes(tampered.getvalue())
    assert not marker.exists()


def test_missing_columns_are_named() -> None:
    model, frame = _model()
    with pytest.raises(Exception, match="lacks 1 column"):
        model.predict(frame[["x"]])


@pytest.mark.parametrize("task_type", list(TaskType))
def test_every_family_round_trips(task_type: TaskType) -> None:
    """A model of any family, for any task, loads back: every type it holds is trusted."""
    from sklearn.pipeline import Pipeline

    from mlwright.learn.families.registry import all_families

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=120),
            "c": rng.choice(["a", "b"], 120),
            "d": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, 120), "D"),
            "t": rng.choice(["good day", "bad day sir"], 120),
        }
    )
    roles = {"x": Role.NUMERIC, "c": Role.CATEGORICAL, "d": Role.DATETIME, "t": Role.TEXT}
    y = frame.x.to_numpy() if task_type is TaskType.REGRESSION else np.arange(120) % 3
    if task_type is TaskType.BINARY:
        y = y % 2
    classes = None if task_type is TaskType.REGRESSION else sorted(set(y.tolist()))
    for family in all_families().values():
        prep = build_preprocessor(roles, family.style, task_type, n_categories={"c": 2})
        model = family.make(family.defaults[0], task_type, 0, 1)
        pipeline = Pipeline([("prepare", prep), ("model", model)]).fit(frame, y)
        trained = TabularModel(
            pipelines=[pipeline],
            weights=[1.0],
            task_type=task_type.value,
            feature_columns=list(roles),
            classes=classes,
        )
        loaded = model_from_bytes(model_to_bytes(trained))
        assert list(loaded.predict(frame)) == list(trained.predict(frame)), family.name
