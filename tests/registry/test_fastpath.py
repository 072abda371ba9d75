"""The fast path for a few rows gives exactly what scikit-learn's path gives."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlwright
from mlwright.learn.fastpath import column_arrays
from mlwright.serve.requests import body_columns

if TYPE_CHECKING:
    from pathlib import Path

    from mlwright.registry.loaded import LoadedModel

CITIES = ["paris", "lyon", "nice", "lille", "brest", "metz"]


def training_frame(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "income": rng.normal(50, 15, n),
            "age": rng.integers(18, 80, n),
            "visits": np.where(rng.random(n) < 0.1, np.nan, rng.poisson(3, n)),
            "city": rng.choice([*CITIES, "rare"], n, p=[0.3, 0.2, 0.2, 0.15, 0.1, 0.045, 0.005]),
            "plan": rng.choice(["free", "pro", None], n),
            "member": rng.random(n) < 0.4,
        }
    )
    score = frame["income"] / 15 + (frame["city"] == "paris") * 1.5 - frame["member"]
    frame["churned"] = np.where(score + rng.normal(0, 1, n) > 3.5, "yes", "no")
    return frame


@pytest.fixture(scope="module", params=["lightgbm", "random_forest", "linear"])
def model(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    path: Path = tmp_path_factory.mktemp(f"fast-{request.param}")
    with mlwright.Workspace(path) as ws:
        ws.ingest(training_frame(), name="churn")
        run = ws.train(
            "churn",
            target="churned",
            time_budget=3,
            families=[request.param],
            seed=0,
            deterministic=True,
        )
        run.register("churn")
        return ws.load_model("churn")


rows = st.fixed_dictionaries(
    {
        "income": st.one_of(st.none(), st.floats(-1e6, 1e6), st.sampled_from([np.inf, -np.inf])),
        "age": st.one_of(st.none(), st.integers(-5, 120)),
        "visits": st.one_of(st.none(), st.floats(0, 50)),
        "city": st.one_of(st.none(), st.sampled_from([*CITIES, "rare", "atlantis", ""])),
        "plan": st.one_of(st.none(), st.sampled_from(["free", "pro", "enterprise"])),
        "member": st.one_of(st.none(), st.booleans()),
    }
)


def test_every_pipeline_compiles(model: LoadedModel) -> None:
    assert model._fast is not None


@given(batch=st.lists(rows, min_size=1, max_size=12))
@settings(derandomize=True, max_examples=60, deadline=None)
def test_fast_path_equals_scikit_learn_on_any_rows(model: LoadedModel, batch: list[dict]) -> None:
    """Unseen and rare categories, missing values, infinities, out-of-range numbers."""
    prepared = model.prepare(pd.DataFrame(batch), warn_extra=False)
    fast = model._fast_output(column_arrays(prepared), prepared)
    slow = model.model.output(prepared)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


@given(batch=st.lists(rows, min_size=1, max_size=12))
@settings(derandomize=True, max_examples=60, deadline=None)
def test_the_servers_column_arrays_score_like_scikit_learn(
    model: LoadedModel, batch: list[dict]
) -> None:
    """The arrays a server builds from JSON, scored without a DataFrame, give the same."""
    names = [c.name for c in model.info.columns]
    body = SimpleNamespace(
        records=None, columns=SimpleNamespace(**{n: [row[n] for row in batch] for n in names})
    )
    arrays = body_columns(body, model.info.columns)
    slow = model.model.output(model.prepare(pd.DataFrame(batch), warn_extra=False))
    np.testing.assert_allclose(model._fast_output(arrays, None), slow, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.output_columns(arrays), slow, rtol=1e-12, atol=1e-12)


def test_a_fast_path_that_differs_turns_itself_off(model: LoadedModel) -> None:
    frame = training_frame(5).drop(columns=["churned"])
    assert model._fast is not None
    original = model._fast_output
    model._checks_left = 1
    model._fast_output = lambda *args: original(*args) + 0.25  # type: ignore[method-assign]
    try:
        expected = model.model.output(model.prepare(frame))
        np.testing.assert_allclose(model.predict_proba(frame), expected)
        assert model._fast is None, "turned off after the difference"
    finally:
        del model._fast_output
