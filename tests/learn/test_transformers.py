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
    # The pandas formulation the transformer had before it moved to NumPy.
    expected = (
        frame.astype(object).where(frame.notna(), MISSING_CATEGORY).astype(str).to_numpy(object)
    )
    got = CategoryLabels().fit(frame).transform(frame)
    assert got.tolist() == expected.tolist()


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
