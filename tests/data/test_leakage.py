"""Leakage: planted copies of the target are flagged, honest noisy features are not."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from mlwright.core.errors import SchemaError
from mlwright.data.profile import WarningKind
from tests.data.samples import analyze_source

if TYPE_CHECKING:
    from pathlib import Path

N_ROWS = 1000


def _leaks(frame: pd.DataFrame, tmp_path: Path, target: str) -> dict[str, str]:
    profile = analyze_source(frame, tmp_path, target=target).profile
    assert profile.target == target
    return {w.column: w.message for w in profile.warnings if w.kind is WarningKind.LEAKAGE}


@pytest.fixture
def churn() -> pd.DataFrame:
    """A churn table with planted leaks and honest features, seeded."""
    rng = np.random.default_rng(7)
    churned = rng.integers(0, 2, N_ROWS)
    agrees = rng.random(N_ROWS) < 0.75  # an honest signal: right three times in four
    return pd.DataFrame(
        {
            "customer_id": np.arange(N_ROWS),
            "churned": np.where(churned == 1, "yes", "no"),
            "churn_copy": np.where(churned == 1, "Y", "N"),
            "cancel_reason": np.where(
                churned == 1, rng.choice(["price", "service"], N_ROWS), "none"
            ),
            "refund_amount": churned * 100 + rng.normal(0, 1, N_ROWS),
            "complained": np.where(agrees, churned, 1 - churned),
            "age": rng.integers(18, 80, N_ROWS),
            "plan": rng.choice(["basic", "plus", "pro"], N_ROWS),
        }
    )


def test_planted_copies_of_a_class_target_are_flagged(churn: pd.DataFrame, tmp_path: Path) -> None:
    leaks = _leaks(churn, tmp_path, "churned")
    assert set(leaks) == {"churn_copy", "cancel_reason", "refund_amount"}
    assert leaks["churn_copy"] == (
        "column 'churn_copy' predicts the target 'churned' almost perfectly "
        "(score 1.000); it is likely leaked from the outcome"
    )


def test_honest_noisy_features_are_not_flagged(churn: pd.DataFrame, tmp_path: Path) -> None:
    leaks = _leaks(churn, tmp_path, "churned")
    assert "complained" not in leaks  # predictive, but honestly so
    assert "age" not in leaks
    assert "plan" not in leaks


def test_identifiers_are_not_leaks_even_when_each_row_is_pure(
    churn: pd.DataFrame, tmp_path: Path
) -> None:
    assert "customer_id" not in _leaks(churn, tmp_path, "churned")


def test_a_numeric_target_is_checked_by_correlation(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    price = rng.normal(300_000, 50_000, N_ROWS)
    frame = pd.DataFrame(
        {
            "price": price,
            "price_per_sqm_times_area": price * 1.0001 + rng.normal(0, 10, N_ROWS),
            "negated": -price,
            "area": price / 4000 + rng.normal(0, 20, N_ROWS),
        }
    )
    leaks = _leaks(frame, tmp_path, "price")
    assert set(leaks) == {"price_per_sqm_times_area", "negated"}


def test_a_few_valued_numeric_target_is_a_class_target(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rating = rng.integers(1, 6, N_ROWS)
    frame = pd.DataFrame(
        {
            "rating": rating,
            "stars_text": [f"{r} stars" for r in rating],
            "noise": rng.normal(size=N_ROWS),
        }
    )
    assert set(_leaks(frame, tmp_path, "rating")) == {"stars_text"}


def test_rows_without_a_target_are_left_out(churn: pd.DataFrame, tmp_path: Path) -> None:
    churn.loc[::10, "churned"] = None
    assert "churn_copy" in _leaks(churn, tmp_path, "churned")


def test_a_constant_target_has_no_leaks(churn: pd.DataFrame, tmp_path: Path) -> None:
    churn["churned"] = "no"
    assert _leaks(churn, tmp_path, "churned") == {}


def test_no_leakage_check_without_a_target(churn: pd.DataFrame, tmp_path: Path) -> None:
    profile = analyze_source(churn, tmp_path).profile
    assert profile.target is None
    assert all(w.kind is not WarningKind.LEAKAGE for w in profile.warnings)


def test_a_target_that_is_not_a_column_names_the_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    with pytest.raises(SchemaError, match="target column 'churn' is not in the data") as info:
        analyze_source(frame, tmp_path, target="churn")
    assert info.value.hint == "columns: a, b"


def test_a_column_present_only_for_one_class_is_flagged(
    churn: pd.DataFrame, tmp_path: Path
) -> None:
    days = pd.Series(pd.date_range("2024-01-01", periods=N_ROWS, freq="h"))
    churn["cancelled_at"] = days.where(churn["churned"] == "yes")  # missing otherwise
    assert "cancelled_at" in _leaks(churn, tmp_path, "churned")
