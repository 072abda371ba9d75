"""Check a table against a model's input columns and coerce it to the types it was trained on.

Missing columns are an error that names them; extra columns are ignored with a warning;
values of another but convertible type (numbers as text, dates as text) are converted; a
value that cannot be converted is an error naming its row, column and value.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import DataError, MlwrightWarning, SchemaError
from mlwright.data.schema import is_numeric_type, is_temporal_type

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from mlwright.registry.package import InputColumn

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})


def prepare_input(
    frame: pd.DataFrame,
    columns: Sequence[InputColumn],
    *,
    first_row: int = 1,
    warn_extra: bool = True,
) -> pd.DataFrame:
    """The model's columns of ``frame``, in order, with convertible values converted.

    ``first_row`` is the number the first row of ``frame`` has in the user's input (rows
    count from 1), so that a batch of a large file reports the row of the file.
    """
    names = [c.name for c in columns]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        msg = f"the input lacks {len(missing)} column(s) the model needs: {', '.join(missing)}"
        hint = f"the model reads: {', '.join(names)}"
        raise SchemaError(msg, hint=hint, column=missing[0])
    extra = [str(c) for c in frame.columns if c not in set(names)]
    if extra and warn_extra:
        shown = ", ".join(extra[:10]) + (" ..." if len(extra) > 10 else "")
        message = f"ignoring {len(extra)} column(s) the model does not use: {shown}"
        warnings.warn(message, MlwrightWarning, stacklevel=4)
    result = frame.loc[:, names]
    converted = {}
    for column in columns:
        values = result[column.name]
        fixed = _coerce(values, column, first_row)
        if fixed is not values:
            converted[column.name] = fixed
    if converted:
        result = result.assign(**converted)
    return result


def _coerce(values: pd.Series, column: InputColumn, first_row: int) -> pd.Series:
    import pandas as pd
    from pandas.api import types

    dtype = column.dtype.upper()
    if dtype == "BOOLEAN":
        if types.is_bool_dtype(values) or types.is_numeric_dtype(values):
            return values
        words = values.astype("string").str.strip().str.lower()
        fixed = pd.Series(pd.NA, index=values.index, dtype="boolean")
        fixed[words.isin(TRUE_WORDS).fillna(False).to_numpy(bool)] = True
        fixed[words.isin(FALSE_WORDS).fillna(False).to_numpy(bool)] = False
        _refuse_lost(values, fixed, column, first_row, "true or false")
        return fixed
    if is_temporal_type(dtype):
        if types.is_datetime64_any_dtype(values):
            return values
        fixed = pd.to_datetime(values, errors="coerce", format="mixed")
        _refuse_lost(values, fixed, column, first_row, "a date or time")
        return fixed
    if is_numeric_type(dtype):
        if types.is_numeric_dtype(values) and not types.is_bool_dtype(values):
            return values
        fixed = pd.to_numeric(values, errors="coerce")
        _refuse_lost(values, fixed, column, first_row, "a number")
        return fixed
    return values


def _refuse_lost(
    before: pd.Series, after: Any, column: InputColumn, first_row: int, expected: str
) -> None:
    """Raise when a present value became missing in the conversion."""
    import numpy as np

    lost = np.flatnonzero(before.notna().to_numpy(bool) & after.isna().to_numpy(bool))
    if len(lost) == 0:
        return
    position = int(lost[0])
    value = before.iloc[position]
    row = first_row + position
    more = f" (and {len(lost) - 1} more)" if len(lost) > 1 else ""
    msg = f"row {row}, column {column.name!r}: {value!r} is not {expected}{more}"
    hint = f"the model was trained on {column.dtype} values there; fix or drop the row"
    raise DataError(msg, hint=hint, column=column.name, row=row, value=str(value))
