"""The cost-minimising threshold equals a brute-force search over every threshold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.core.errors import ConfigError
from mlwright.learn.cost import CostMatrix, best_threshold, expected_cost


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 200),
    fp=st.floats(0, 10),
    fn=st.floats(0, 10),
    tp=st.floats(-2, 2),
)
def test_best_threshold_matches_brute_force(
    seed: int, n: int, fp: float, fn: float, tp: float
) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = rng.random(n).round(1)  # ties on purpose
    cost = CostMatrix(fp=fp, fn=fn, tp=tp)
    threshold, found = best_threshold(y, p, cost)
    candidates = [*np.unique(p), 1.0 + 1e-9]
    brute = min(expected_cost(y, p, cost, t) for t in candidates)
    assert found == pytest.approx(brute, abs=1e-9)
    assert expected_cost(y, p, cost, threshold) == pytest.approx(found, abs=1e-9)


def test_costly_misses_lower_the_threshold() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.clip(y * 0.3 + rng.random(500) * 0.7, 0, 1)
    cheap, _ = best_threshold(y, p, CostMatrix(fp=5, fn=1))
    dear, _ = best_threshold(y, p, CostMatrix(fp=1, fn=5))
    assert dear < cheap


def test_parse_reads_pairs_and_refuses_nonsense() -> None:
    assert CostMatrix.parse("fp=1, fn=5") == CostMatrix(fp=1, fn=5)
    for bad, match in [("fp=x", "not a number"), ("fq=1", "cannot read"), ("", "no costs")]:
        with pytest.raises(ConfigError, match=match):
            CostMatrix.parse(bad)
