"""Large tables: exact counts and moments, quantiles and string shape from an even sample."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.data import stats
from mlwright.data.profile import WarningKind
from tests.data.samples import analyze_source

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("n_rows", "stride"), [(0, 1), (1, 1), (100_000, 1), (100_001, 2), (5_000_000, 50)]
)
def test_sample_stride_keeps_about_sample_rows(n_rows: int, stride: int) -> None:
    assert stats.sample_stride(n_rows) == stride


@pytest.fixture
def sampled(monkeypatch: pytest.MonkeyPatch) -> int:
    """Profile as if the table were large: a sample of every 20th row of 2,000."""
    monkeypatch.setattr(stats, "SAMPLE_ROWS", 100)
    return 2000


def test_counts_and_moments_stay_exact_when_sampling(sampled: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    values = rng.exponential(10.0, sampled)
    frame = pd.DataFrame({"v": values, "w": rng.normal(size=sampled)})
    column = analyze_source(frame, tmp_path).profile.column("v")
    assert column.min == pytest.approx(values.min())
    assert column.max == pytest.approx(values.max())
    assert column.mean == pytest.approx(values.mean())
    assert column.std == pytest.approx(values.std(ddof=1))
    assert column.quantiles is not None
    assert column.quantiles["0.5"] == pytest.approx(np.median(values), rel=0.25)
    assert sum(column.histogram.counts) == sampled  # type: ignore[union-attr]


def test_rare_junk_outside_the_sample_is_counted_exactly(sampled: int, tmp_path: Path) -> None:
    """Seven 'n/a' values on rows the sample skips are still found and counted."""
    ages = [str(20 + i % 50) for i in range(sampled)]
    for row in (1, 3, 5, 7, 9, 11, 13):  # never a multiple of the stride (20)
        ages[row] = "n/a?"
    frame = pd.DataFrame({"age": ages, "k": range(sampled)})
    warnings = [w for w in analyze_source(frame, tmp_path).profile.warnings if w.column == "age"]
    mixed = [w for w in warnings if w.kind is WarningKind.MIXED_TYPES]
    assert len(mixed) == 1
    assert "7 non-numeric values (first: 'n/a?')" in mixed[0].message


@given(
    counts=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=30),
    factor=st.integers(min_value=1, max_value=100),
    extra=st.integers(min_value=0, max_value=99),
)
@settings(derandomize=True, max_examples=200)
def test_scaled_counts_sum_to_the_total_and_keep_the_shares(
    counts: list[int], factor: int, extra: int
) -> None:
    total = sum(counts) * factor + extra
    scaled = stats.scale_counts(counts, total)
    if sum(counts) == 0:
        assert scaled == counts
        return
    assert sum(scaled) == total
    for seen, got in zip(counts, scaled, strict=True):
        assert abs(got - seen * total / sum(counts)) < 1


def test_a_sampled_profile_says_so(sampled: int, tmp_path: Path) -> None:
    frame = pd.DataFrame({"v": np.arange(sampled, dtype=float)})
    profile = analyze_source(frame, tmp_path).profile
    assert profile.sample_stride == 20
    assert type(profile).from_dict(profile.to_dict()).sample_stride == 20


@given(
    offset=st.sampled_from([0.0, -1e6, 1e9, 1.7e9]),
    scale=st.sampled_from([1e-3, 1.0, 1e4]),
    seed=st.integers(min_value=0, max_value=1000),
)
@settings(derandomize=True, max_examples=20, deadline=None)
def test_moments_from_shifted_sums_match_numpy(offset: float, scale: float, seed: int) -> None:
    """Far from zero and tightly spread (epoch seconds, large ids), no precision is lost."""
    rng = np.random.default_rng(seed)
    values = offset + scale * rng.standard_normal(500)
    shift = float(np.median(values[::7]))  # as the sample's median would be
    d = values - shift
    mean, std = stats._moments(len(values), d.sum(), (d * d).sum(), shift)
    assert mean == pytest.approx(values.mean(), rel=1e-12, abs=scale * 1e-9)
    assert std == pytest.approx(values.std(ddof=1), rel=1e-6)


def test_a_file_of_many_row_groups_is_sampled_in_evenly_spaced_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """20 row groups of 2,048 rows: every 41st row of every other row group, about 500."""
    import duckdb

    monkeypatch.setattr(stats, "SAMPLE_ROWS", 500)
    path = tmp_path / "many_groups.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT range AS k FROM range({20 * 2048})) TO '{path}' "
        "(FORMAT parquet, ROW_GROUP_SIZE 2048)"
    )
    stride = stats.sample_stride(20 * 2048)
    relation = stats.take_sample(con, f"'{path}'", ["k"], stride)
    rows = [k for (k,) in con.execute(f"SELECT k FROM {relation} ORDER BY k").fetchall()]
    assert 480 <= len(rows) <= 520
    groups = sorted({k // 2048 for k in rows})
    assert groups == list(range(0, 20, 2)), "ten groups spread over the whole file"
    assert all(k % 41 == 0 for k in rows)
