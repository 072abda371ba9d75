"""How much a model relies on each input column: its output's move when the column is shuffled.

Label-free and model-agnostic (a permutation test on the output, not on a metric), so it
works on production data without outcomes: the monitor ranks drift by it and the failure
analysis picks the features to shift along.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from mlwright.registry.loaded import LoadedModel


def output_sensitivity(
    model: LoadedModel, frame: pd.DataFrame, columns: list[str], seed: int
) -> dict[str, float]:
    """How much the model's output moves when each column's values are shuffled, as shares."""
    import numpy as np

    if frame.empty:
        return {}
    base = model.output(model.prepare(frame, warn_extra=False))
    rng = np.random.default_rng(seed)
    moved = {}
    for column in columns:
        shuffled = frame.copy()
        shuffled[column] = frame[column].to_numpy()[rng.permutation(len(frame))]
        output = model.output(model.prepare(shuffled, warn_extra=False))
        moved[column] = float(np.mean(np.abs(output - base)))
    total = sum(moved.values())
    return {c: (v / total if total > 0 else 0.0) for c, v in moved.items()}
