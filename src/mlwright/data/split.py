"""Split rows into a held-out test set and cross-validation folds, by one stated strategy.

Strategies: ``random``, ``stratified`` (class shares kept; the default for classification),
``group:COLUMN`` (all rows of a group on one side) and ``time:COLUMN`` (the test set and each
validation fold come after the rows that train for them). Splits are index arrays, so the
caller decides what to fit on them; nothing here looks at features.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from mlwright.core.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

Fold = tuple["np.ndarray", "np.ndarray"]


class SplitKind(StrEnum):
    """How rows are assigned to the test set and to folds."""

    RANDOM = "random"
    STRATIFIED = "stratified"
    GROUP = "group"
    TIME = "time"


@dataclass(frozen=True, slots=True)
class SplitSpec:
    """A split strategy and, for group and time splits, the column that drives it."""

    kind: SplitKind
    column: str | None = None

    @classmethod
    def parse(cls, text: str) -> SplitSpec:
        """Read ``random``, ``stratified``, ``group:COL`` or ``time:COL``."""
        kind, _, column = text.partition(":")
        try:
            parsed = SplitKind(kind.strip().lower())
        except ValueError:
            msg = f"unknown split {text!r}"
            raise ConfigError(
                msg, hint="use random, stratified, group:COLUMN or time:COLUMN"
            ) from None
        needs_column = parsed in (SplitKind.GROUP, SplitKind.TIME)
        if needs_column != bool(column.strip()):
            msg = f"split {text!r} " + ("needs a column" if needs_column else "takes no column")
            raise ConfigError(msg, hint="e.g. --split group:customer_id or --split time:date")
        return cls(parsed, column.strip() or None)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.column}" if self.column else self.kind.value


def holdout(
    frame: pd.DataFrame, y: np.ndarray, spec: SplitSpec, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the training part and of the held-out test part."""
    import numpy as np
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    positions = np.arange(len(frame))
    if test_size <= 0:
        return positions, positions[:0]
    if spec.kind is SplitKind.TIME:
        order = _time_order(frame, spec)
        n_test = max(1, round(test_size * len(frame)))
        return np.sort(order[:-n_test]), np.sort(order[-n_test:])
    if spec.kind is SplitKind.GROUP:
        splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
        train, test = next(splitter.split(positions, groups=_groups(frame, spec)))
        return train, test
    stratify = y if spec.kind is SplitKind.STRATIFIED else None
    train, test = train_test_split(
        positions, test_size=test_size, random_state=seed, stratify=stratify
    )
    return np.sort(train), np.sort(test)


def folds(
    frame: pd.DataFrame, y: np.ndarray, spec: SplitSpec, n_folds: int, seed: int
) -> list[Fold]:
    """``n_folds`` pairs of (training, validation) row positions within ``frame``."""
    import numpy as np
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

    positions = np.arange(len(frame))
    if spec.kind is SplitKind.TIME:
        order = _time_order(frame, spec)
        return [(order[a], order[b]) for a, b in TimeSeriesSplit(n_splits=n_folds).split(order)]
    if spec.kind is SplitKind.GROUP:
        groups = _groups(frame, spec)
        n_groups = len(np.unique(groups))
        if n_groups < n_folds:
            msg = f"column {spec.column!r} has {n_groups} groups, fewer than {n_folds} folds"
            raise ConfigError(msg, hint="pass fewer --folds or another --split")
        splitter = GroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return list(splitter.split(positions, groups=groups))
    if spec.kind is SplitKind.STRATIFIED:
        smallest = int(np.bincount(y).min())
        if smallest >= n_folds:
            stratified = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
            return list(stratified.split(positions, y))
    return list(KFold(n_splits=n_folds, shuffle=True, random_state=seed).split(positions))


def _time_order(frame: pd.DataFrame, spec: SplitSpec) -> np.ndarray:
    import numpy as np

    column = _column(frame, spec)
    # A stable sort keeps rows of the same instant in their file order.
    return np.argsort(column.to_numpy(), kind="stable")


def _groups(frame: pd.DataFrame, spec: SplitSpec) -> np.ndarray:
    groups: np.ndarray = _column(frame, spec).astype(str).to_numpy()
    return groups


def _column(frame: pd.DataFrame, spec: SplitSpec) -> pd.Series:
    if spec.column not in frame.columns:
        msg = f"split column {spec.column!r} is not in the dataset"
        raise ConfigError(msg, hint=f"columns: {', '.join(map(str, frame.columns))}")
    return frame[spec.column]
