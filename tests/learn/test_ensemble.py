"""Greedy ensemble selection never does worse, out of fold, than its best member."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.learn.ensemble import pooled_loss, select_ensemble
from mlwright.learn.metrics import get_metric
from mlwright.learn.task import TaskType


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_models=st.integers(1, 5))
def test_ensemble_loss_is_at_most_the_best_single_loss(seed: int, n_models: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    metric = get_metric("log_loss", TaskType.BINARY)
    oof = []
    for _ in range(n_models):
        p = np.clip(0.5 + (y - 0.5) * rng.random() + rng.normal(0, 0.2, 200), 0.01, 0.99)
        oof.append(np.column_stack([1 - p, p]))
    weights, loss = select_ensemble(oof, y, metric)
    assert np.isclose(sum(weights), 1.0)
    assert min(weights) >= 0
    assert loss <= min(pooled_loss(metric, y, p) for p in oof) + 1e-12
    combined = sum(w * p for w, p in zip(weights, oof, strict=True))
    assert np.isclose(pooled_loss(metric, y, combined), loss)


def test_complementary_models_are_combined() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=300)
    metric = get_metric("rmse", TaskType.REGRESSION)
    noise = rng.normal(size=300)
    a, b = y + noise, y - noise  # each is wrong, their average is exact
    weights, loss = select_ensemble([a, b], y, metric)
    assert weights == [0.5, 0.5]
    assert loss < 1e-9
