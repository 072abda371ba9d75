"""Drift decisions: quiet on samples of one distribution, loud on a shift of known size."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.core.errors import ConfigError, SchemaError
from mlwright.monitor.binning import bin_categorical, bin_numeric
from mlwright.monitor.drift import DriftConfig, detect_drift, psi

LEVELS = np.array(["a", "b", "c", "d"])
SHARES = np.array([0.5, 0.3, 0.15, 0.05])


def table(n: int, seed: int, *, shift: float = 0.0, moved_levels: bool = False) -> pa.Table:
    """Four numeric and two categorical columns; ``shift`` moves x0, ``moved_levels`` c0."""
    rng = np.random.default_rng(seed)
    x1 = rng.lognormal(size=n)
    x1[rng.random(n) < 0.05] = np.nan
    shares = np.array([0.25, 0.45, 0.2, 0.1]) if moved_levels else SHARES
    return pa.table(
        {
            "x0": rng.normal(size=n) + shift,
            "x1": x1,
            "x2": rng.integers(0, 5, n),
            "x3": rng.uniform(size=n),
            "c0": rng.choice(LEVELS, n, p=shares),
            "c1": pa.array(rng.choice(LEVELS, n, p=SHARES)).cast(
                pa.dictionary(pa.int32(), pa.string())
            ),
        }
    )


@pytest.mark.parametrize("n", [1_000, 1_000_000])
def test_two_samples_of_the_same_data_raise_no_alarm(n: int) -> None:
    report = detect_drift(table(n, 1), table(n, 2))
    assert report.drifted == []
    assert not report.has_drift
    assert {f.column for f in report.features} == {"x0", "x1", "x2", "x3", "c0", "c1"}


@pytest.mark.parametrize(("n", "shift"), [(1_000, 0.5), (1_000_000, 0.1)])
def test_an_injected_shift_is_found_and_nothing_else(n: int, shift: float) -> None:
    report = detect_drift(table(n, 3), table(n, 4, shift=shift, moved_levels=True))
    assert report.drifted == ["x0", "c0"]
    x0 = next(f for f in report.features if f.column == "x0")
    assert x0.wasserstein == pytest.approx(shift, rel=0.3)
    assert "->" in x0.summary


def test_the_false_alarm_rate_stays_under_alpha() -> None:
    # 200 checks of 6 columns on pairs of one distribution: any alarm is a false one.
    config = DriftConfig(alpha=0.05, bootstrap=200)
    alarms = sum(
        detect_drift(table(300, 2 * i), table(500, 2 * i + 1), config).has_drift for i in range(200)
    )
    assert alarms / 200 <= 0.08  # alpha, with room for the count's own noise (sd ~ 0.015)


def test_unseen_categories_and_missing_values_are_drift() -> None:
    reference = pa.table({"c": ["a", "b"] * 500})
    current = pa.table({"c": ["a", "b", "zzz", None] * 250})
    (feature,) = detect_drift(reference, current).features
    assert feature.drifted
    assert feature.unseen_share == pytest.approx(0.25)
    assert feature.missing_current == pytest.approx(0.25)
    assert feature.missing_reference == 0


def test_columns_not_tested_are_named_with_the_reason() -> None:
    reference = pa.table({"x": [1.0, 2.0], "when": pa.array([0, 1], pa.timestamp("s"))})
    report = detect_drift(reference, reference)
    assert "when" in report.skipped
    assert [f.column for f in report.features] == ["x"]


def test_a_missing_column_or_no_rows_is_a_clear_error() -> None:
    reference = pa.table({"x": [1.0, 2.0], "y": ["a", "b"]})
    with pytest.raises(SchemaError, match="current data has no column 'y'"):
        detect_drift(reference, reference.select(["x"]), columns=["x", "y"])
    with pytest.raises(SchemaError, match="current data has no rows"):
        detect_drift(reference, reference.slice(0, 0))


@pytest.mark.parametrize(
    "bad", [{"alpha": 0.0}, {"alpha": 1.5}, {"min_psi": -1}, {"n_bins": 1}, {"bootstrap": 10}]
)
def test_a_bad_setting_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        DriftConfig(**bad)


@given(
    st.lists(st.floats(-1e6, 1e6) | st.just(float("nan")), min_size=1, max_size=200),
    st.lists(st.floats(-1e6, 1e6) | st.just(float("nan")), min_size=1, max_size=200),
)
@settings(derandomize=True, max_examples=100, deadline=None)
def test_binning_keeps_every_value(reference: list[float], current: list[float]) -> None:
    binned = bin_numeric(np.array(reference), np.array(current), n_bins=5)
    assert binned.coarse_reference.sum() == len(reference)
    assert binned.coarse_current.sum() == len(current)
    assert binned.coarse_reference[-1] == int(np.isnan(reference).sum())
    assert binned.fine_current.sum() + binned.coarse_current[-1] == len(current)


@given(
    st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=50),
    st.lists(st.sampled_from(["a", "b", "x", None]), min_size=1, max_size=50),
)
@settings(derandomize=True, max_examples=100, deadline=None)
def test_category_bins_count_levels_unseen_and_missing(
    reference: list[str | None], current: list[str | None]
) -> None:
    binned = bin_categorical(pa.array(reference, pa.string()), pa.array(current, pa.string()))
    assert binned.reference.sum() == len(reference)
    assert binned.current.sum() == len(current)
    assert binned.reference[-2] == 0  # nothing in the reference is unseen by it
    seen = {v for v in reference if v is not None}
    assert binned.current[-2] == sum(v is not None and v not in seen for v in current)
    assert binned.current[-1] == current.count(None)


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift() -> None:
    counts = np.array([500, 300, 200])
    assert psi(counts, counts * 3) == pytest.approx(0.0, abs=1e-3)
    assert psi(counts, np.array([300, 300, 400])) > psi(counts, np.array([450, 300, 250])) > 0
