"""Request and response models generated from a model's input columns.

The OpenAPI document is built from these, so it shows the model's real columns and types.
Numbers are strict (a string is not silently read as a number), must be finite, and may be
null (missing: the model imputes it); categories and text are strings; booleans are JSON
booleans or the words such columns are read from ("yes", "no", "true", ...); dates and times
are ISO 8601 strings. Every column must be present in every row (null for missing).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    create_model,
)

from mlwright.data.schema import is_numeric_type, is_temporal_type
from mlwright.registry.inputs import FALSE_WORDS, TRUE_WORDS

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from mlwright.registry.package import InputColumn


def _finite(value: float) -> float:
    if not math.isfinite(value):
        msg = "must be a finite number (not NaN or infinity)"
        raise ValueError(msg)
    return value


FiniteNumber = Annotated[float, Field(strict=True), AfterValidator(_finite)]


def _truth(value: Any) -> Any:
    """A JSON boolean, or one of the words a boolean column was read from ("yes", "no", ...)."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return value


Truth = Annotated[StrictBool, BeforeValidator(_truth)]


def column_type(column: InputColumn) -> Any:
    """The JSON type a column's values take, each nullable."""
    dtype = column.dtype.upper()
    if dtype == "BOOLEAN":
        return Truth | None
    if is_temporal_type(dtype):
        return datetime | None
    if is_numeric_type(dtype):
        return FiniteNumber | None
    return StrictStr | None


def request_models(columns: Sequence[InputColumn], *, max_rows: int) -> type[BaseModel]:
    """The ``POST /predict`` body: ``records`` (a list of rows) or ``columns`` (lists)."""
    # Every column is required in every row, and may be null (missing: the model imputes it).
    # Fields are named by position and aliased to the column, so that any column name works
    # (spaces, a leading underscore); the values come out in column order.
    fields: dict[str, Any] = {
        f"c{i}": (column_type(c), Field(..., alias=c.name, title=f"{c.name} ({c.role})"))
        for i, c in enumerate(columns)
    }
    config = ConfigDict(extra="ignore")
    record = create_model("Record", __config__=config, **fields)
    lists: dict[str, Any] = {
        key: (list[kind], Field(..., alias=info.alias, max_length=max_rows))  # type: ignore[valid-type]
        for key, (kind, info) in fields.items()
    }
    columnar = create_model("Columns", __config__=config, **lists)
    return create_model(
        "PredictRequest",
        __config__=ConfigDict(extra="forbid"),
        records=(list[record] | None, Field(default=None, max_length=max_rows)),  # type: ignore[valid-type]
        columns=(columnar | None, None),
    )


def body_columns(body: Any, columns: Sequence[InputColumn]) -> dict[str, np.ndarray]:
    """The rows of a validated ``POST /predict`` body, as one array per input column.

    Number columns are float64 with NaN where a value is missing; the others hold the
    validated values (text, booleans, datetimes) as objects, None where missing. This is
    what ``LoadedModel.output_columns`` scores and the data contract checks.

    Raises
    ------
    ValueError
        Neither or both of ``records`` and ``columns``, lists of different lengths, or no rows.
    """
    import numpy as np

    if (body.records is None) == (body.columns is None):
        msg = "give exactly one of 'records' and 'columns'"
        raise ValueError(msg)
    if body.records is not None:
        rows = [tuple(record.__dict__.values()) for record in body.records]
        lists: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    else:
        lists = list(body.columns.__dict__.values())
        if len({len(values) for values in lists}) > 1:
            msg = "every column must hold as many values"
            raise ValueError(msg)
    if not lists or len(lists[0]) == 0:
        msg = "no rows to score"
        raise ValueError(msg)
    arrays = {}
    for column, values in zip(columns, lists, strict=True):
        dtype = column.dtype.upper()
        numeric = is_numeric_type(dtype) and dtype != "BOOLEAN" and not is_temporal_type(dtype)
        if numeric:
            arrays[column.name] = np.array(values, dtype=np.float64)  # None becomes NaN
        else:
            array = np.empty(len(values), dtype=object)
            array[:] = values
            arrays[column.name] = array
    return arrays


class Feedback(BaseModel):
    """Ground truth for an earlier prediction."""

    model_config = ConfigDict(extra="forbid")
    prediction_id: Annotated[str, Field(min_length=1, max_length=64)]
    actual: StrictStr | StrictBool | FiniteNumber


class FeedbackRequest(BaseModel):
    """``POST /feedback``: outcomes for earlier predictions, by prediction id."""

    model_config = ConfigDict(extra="forbid")
    feedback: Annotated[list[Feedback], Field(min_length=1, max_length=10_000)]


class RowWarning(BaseModel):
    """A guardrail finding on a scored row: the row still has its prediction."""

    column: str | None = Field(description="the column concerned; null for the whole row")
    reason: str = Field(
        description="out_of_range, unseen_category, unexpected_missing, many_missing "
        "or low_confidence"
    )
    message: str


class PredictResponse(BaseModel):
    """Predictions in input order, with ids to send feedback for, and each row's warnings."""

    model: str
    version: int | None
    prediction_ids: list[str]
    predictions: list[Any]
    probabilities: dict[str, list[float]] | None = None
    warnings: list[list[RowWarning]]
