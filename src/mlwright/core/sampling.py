"""Seeded row samples, shared by the checks and explanations that work on part of a table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def sample_positions(n: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of a seeded sample of ``limit`` of ``n`` rows, in order (all when fewer)."""
    import numpy as np

    if n <= limit:
        return np.arange(n)
    return np.sort(rng.choice(n, limit, replace=False))
