"""The custom transformers give the same values whatever the column types and row counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.learn.transformers import MISSING_CATEGORY, CategoryLabels, Numbers

optional_text = st.one_of(st.none(), st.text(max_size=5))
optional_float = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))
optional_bool = st.one_of(st.none(), st.booleans())


@st.composite
def mixed_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=8))
    return pd.DataFrame(
        {
            "text": pd.array(draw(st.lists(optional_text, min_size=n, max_size=n)), "string"),
            "obj": draw(st.lists(optional_text, min_size=n, max_size=n)),
            "num": draw(st.lists(optional_float, min_size=n, max_size=n)),
            "flag": pd.array(draw(st.lists(optional_bool, min_size=n, max_size=n)), "boolean"),
            "count": draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)),
        }
    )


@given(mixed_frames())
@settings(derandomize=True, max_examples=100, deadline=None)
def test_category_labels_are_each_value_as_text_with_missing_as_a_category(
    frame: pd.DataFrame,
) -> None:
    def label(value: object) -> str:
        if pd.isna(value):
            return MISSING_CATEGORY
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return str(value)

    expected = [[label(v) for v in row] for row in frame.astype(object).to_numpy()]
    got = CategoryLabels().fit(frame).transform(frame)
    assert got.tolist() == expected


@given(mixed_frames())
@settings(derandomize=True, max_examples=50, deadline=None)
def test_category_labels_fitted_before_whole_numbers_keep_their_labels(
    frame: pd.DataFrame,
) -> None:
    # The pandas formulation of the labels a model fitted by an earlier mlwright learned.
    expected = (
        frame.astype(object).where(frame.notna(), MISSING_CATEGORY).astype(str).to_numpy(object)
    )
    legacy = CategoryLabels().fit(frame)
    del legacy.whole_numbers_
    assert legacy.transform(frame).tolist() == expected.tolist()


def test_a_whole_number_is_one_category_whatever_its_storage_type() -> None:
    ints = pd.DataFrame({"code": [1, 0, 3]})
    floats = pd.DataFrame({"code": [1.0, 0.0, 3.0]})
    nullable = pd.DataFrame({"code": pd.array([1, None, 3], "Int64")})
    with_gaps = pd.DataFrame({"code": [1.0, np.nan, 2.5]})
    labels = CategoryLabels().fit(ints)
    assert labels.transform(ints).tolist() == [["1"], ["0"], ["3"]]
    assert labels.transform(floats).tolist() == [["1"], ["0"], ["3"]]
    assert labels.transform(nullable).tolist() == [["1"], [MISSING_CATEGORY], ["3"]]
    assert labels.transform(with_gaps).tolist() == [["1"], [MISSING_CATEGORY], ["2.5"]]


@given(mixed_frames())
@settings(derandomize=True, max_examples=100, deadline=None)
def test_numbers_coerce_text_and_make_missing_and_infinite_nan(frame: pd.DataFrame) -> None:
    numeric = frame[["num", "count"]]
    coerced = frame[["obj", "num"]]
    for part in (numeric, coerced):
        coerced_values = part.apply(pd.to_numeric, errors="coerce")
        expected = np.array(coerced_values.to_numpy(np.float64, na_value=np.nan), copy=True)
        expected[~np.isfinite(expected)] = np.nan
        got = Numbers().fit(part).transform(part)
        np.testing.assert_array_equal(got, expected)


def test_category_labels_never_write_into_the_callers_frame() -> None:
    """A frame of one object block hands out its own memory (read-only, or shared)."""
    frame = pd.DataFrame({"a": ["x", None], "b": [None, "y"]}, dtype=object)
    got = CategoryLabels().fit(frame).transform(frame)
    assert got.tolist() == [["x", MISSING_CATEGORY], [MISSING_CATEGORY, "y"]]
    assert frame.isna().to_numpy().tolist() == [[False, True], [True, False]]
