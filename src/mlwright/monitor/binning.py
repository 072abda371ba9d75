"""Columns as counts in bins fixed by the reference: the common ground of every drift test.

Numbers fall into bins between the reference's quantiles (fine ones for the Kolmogorov-
Smirnov and Wasserstein estimates, merged into about ``n_bins`` for the PSI), plus a bin for
missing values; categories into the reference's most frequent levels, one bin for its rarer
levels, one for levels it never held (unseen) and one for missing values. Everything is one
vectorised pass per column (NumPy ``searchsorted`` / Arrow ``index_in``), whatever the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Quantile bins of the fine grid (KS, Wasserstein); the PSI merges them into ``n_bins``.
FINE_BINS = 100
# Reference values used to place the quantile edges (a seeded sample beyond this).
EDGE_SAMPLE = 200_000
# Category levels kept as bins of their own; rarer ones share the "other" bin.
MAX_LEVELS = 50


@dataclass(frozen=True, slots=True)
class NumericBinned:
    """A numeric column of the reference and of the current data, binned alike.

    ``fine_*`` count present values in the bins between ``edges`` (one more bin than
    edges); ``coarse_*`` merge them into about ``n_bins`` bins of equal reference mass and
    add the missing-value bin last.
    """

    edges: np.ndarray
    fine_reference: np.ndarray
    fine_current: np.ndarray
    coarse_reference: np.ndarray
    coarse_current: np.ndarray
    reference_std: float
    reference_mean: float
    current_mean: float


@dataclass(frozen=True, slots=True)
class CategoricalBinned:
    """A categorical column's counts: ``levels``, then other, unseen and missing."""

    levels: tuple[str, ...]
    reference: np.ndarray
    current: np.ndarray


def as_numbers(column: Any) -> np.ndarray:
    """An Arrow column as float64, missing values as NaN."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values: np.ndarray = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    return values


def bin_numeric(
    reference: np.ndarray, current: np.ndarray, n_bins: int, seed: int = 0
) -> NumericBinned:
    """Bin two numeric columns on the reference's quantiles."""
    import numpy as np

    present = reference[~np.isnan(reference)]
    if len(present) > EDGE_SAMPLE:
        present = np.random.default_rng(seed).choice(present, EDGE_SAMPLE, replace=False)
    if len(present) == 0:
        edges = np.empty(0)
    else:
        grid = np.linspace(0, 1, FINE_BINS + 1)[1:-1]
        edges = np.unique(np.quantile(present, grid))
    fine_reference, missing_reference = _fine_counts(reference, edges)
    fine_current, missing_current = _fine_counts(current, edges)
    groups = _coarse_groups(fine_reference, n_bins)
    coarse_reference = np.append(np.add.reduceat(fine_reference, groups), missing_reference)
    coarse_current = np.append(np.add.reduceat(fine_current, groups), missing_current)
    return NumericBinned(
        edges=edges,
        fine_reference=fine_reference,
        fine_current=fine_current,
        coarse_reference=coarse_reference,
        coarse_current=coarse_current,
        reference_std=float(np.nanstd(reference)) if len(present) else 0.0,
        reference_mean=float(np.nanmean(reference)) if len(present) else float("nan"),
        current_mean=_mean(current),
    )


def _mean(values: np.ndarray) -> float:
    import numpy as np

    present = ~np.isnan(values)
    return float(values[present].mean()) if present.any() else float("nan")


def _fine_counts(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, int]:
    """Counts of present values in the bins between ``edges``, and the count missing."""
    import numpy as np

    missing = np.isnan(values)
    n_missing = int(missing.sum())
    present = values[~missing] if n_missing else values
    index = np.searchsorted(edges, present, side="right")
    return np.bincount(index, minlength=len(edges) + 1).astype(np.int64), n_missing


def _coarse_groups(fine_reference: np.ndarray, n_bins: int) -> np.ndarray:
    """Start indices of groups of fine bins holding about 1/``n_bins`` of the reference."""
    import numpy as np

    total = fine_reference.sum()
    if total == 0 or len(fine_reference) <= n_bins:
        return np.arange(len(fine_reference))
    share = np.cumsum(fine_reference) / total
    cuts = np.searchsorted(share, np.linspace(0, 1, n_bins + 1)[1:-1], side="left") + 1
    return np.unique(np.concatenate([[0], cuts[cuts < len(fine_reference)]]))


def bin_categorical(
    reference: Any, current: Any, max_levels: int = MAX_LEVELS
) -> CategoricalBinned:
    """Count two Arrow columns of categories in the reference's levels.

    Bins: the ``max_levels`` most frequent reference levels, then "other" (the reference's
    rarer levels), "unseen" (levels the reference never held) and "missing".
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    reference = _as_text(reference)
    current = _as_text(current)
    counted = pc.value_counts(reference.drop_null())
    values = counted.field("values")
    counts = counted.field("counts").to_numpy()
    order = np.argsort(-counts, kind="stable")
    kept = order[:max_levels]
    levels = pa.array([values[int(i)].as_py() for i in kept], pa.string())
    every_level = values

    def counted_in(column: Any) -> np.ndarray:
        n_levels = len(levels)
        index = pc.index_in(column, value_set=levels).fill_null(-1).to_numpy()
        known = pc.is_in(column, value_set=every_level).to_numpy(zero_copy_only=False)
        missing = pc.is_null(column).to_numpy(zero_copy_only=False)
        bins = np.where(index >= 0, index, np.where(known, n_levels, n_levels + 1))
        bins = np.where(missing, n_levels + 2, bins)
        return np.bincount(bins, minlength=n_levels + 3).astype(np.int64)

    return CategoricalBinned(
        levels=tuple(str(level) for level in levels.to_pylist()),
        reference=counted_in(reference),
        current=counted_in(current),
    )


def _as_text(column: Any) -> Any:
    """A column of categories as one Arrow string array (chunks joined, dictionaries decoded)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return column
