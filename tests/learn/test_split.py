"""Held-out test sets and folds keep strata, groups and time order as asked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlwright.core.errors import ConfigError
from mlwright.data.split import SplitKind, SplitSpec, folds, holdout


def _frame(n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "group": rng.integers(0, 40, n),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.permutation(n), unit="D"),
        }
    )
    y = (rng.random(n) < 0.2).astype(np.int64)
    return frame, y


def test_stratified_holdout_keeps_the_class_share() -> None:
    frame, y = _frame()
    train, test = holdout(frame, y, SplitSpec(SplitKind.STRATIFIED), 0.25, seed=1)
    assert len(test) == 100
    assert abs(y[test].mean() - y[train].mean()) < 0.02
    assert not set(train) & set(test)


def test_group_split_never_puts_a_group_on_both_sides() -> None:
    frame, y = _frame()
    spec = SplitSpec.parse("group:group")
    train, test = holdout(frame, y, spec, 0.2, seed=1)
    assert not set(frame.group.iloc[train]) & set(frame.group.iloc[test])
    for fit, valid in folds(frame.iloc[train].reset_index(drop=True), y[train], spec, 4, seed=1):
        groups = frame.group.iloc[train].to_numpy()
        assert not set(groups[fit]) & set(groups[valid])


def test_time_split_tests_on_the_latest_rows_and_folds_look_forward() -> None:
    frame, y = _frame()
    spec = SplitSpec.parse("time:when")
    train, test = holdout(frame, y, spec, 0.2, seed=1)
    assert frame.when.iloc[train].max() < frame.when.iloc[test].min()
    for fit, valid in folds(frame, y, spec, 3, seed=1):
        assert frame.when.iloc[fit].max() < frame.when.iloc[valid].min()


def test_zero_test_size_keeps_every_row_for_training() -> None:
    frame, y = _frame()
    train, test = holdout(frame, y, SplitSpec(SplitKind.RANDOM), 0.0, seed=1)
    assert len(train) == len(frame)
    assert len(test) == 0


@pytest.mark.parametrize(
    ("text", "match"),
    [("group", "needs a column"), ("random:x", "takes no column"), ("shuffle", "unknown split")],
)
def test_bad_split_specs_are_refused(text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        SplitSpec.parse(text)


def test_a_missing_split_column_is_named() -> None:
    frame, y = _frame()
    with pytest.raises(ConfigError, match="split column 'nope'"):
        holdout(frame, y, SplitSpec.parse("group:nope"), 0.2, seed=1)
