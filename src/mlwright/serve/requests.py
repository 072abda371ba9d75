"""Request and response models generated from a model's input columns.

The OpenAPI document is built from these, so it shows the model's real columns and types.
Numbers are strict (a string is not silently read as a number), must be finite, and may be
null (missing: the model imputes it); categories and text are strings; booleans are JSON
booleans or the words such columns are read from ("yes", "no", "true", ...); dates and times
are ISO 8601 strings. Every column must be present in every row (null for missing).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    create_model,
    model_validator,
)
from typing_extensions import TypedDict

from mlwright.data.schema import is_numeric_type, is_temporal_type
from mlwright.registry.inputs import FALSE_WORDS, TRUE_WORDS

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    from pydantic.config import JsonDict

    from mlwright.registry.package import InputColumn


# Finite: NaN, Infinity and 1e999 are refused by pydantic itself (in Rust, per value).
FiniteNumber = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


# The words a boolean column was read from, in any case, with spaces around. One pattern for
# the server and the document (JSON Schema's patterns have no case-insensitive flag, hence
# [Yy][Ee][Ss]; and [ \t\r\n] because \s differs between Python and ECMAScript).
_WORDS_PATTERN = r"^[ \t\r\n]*({})[ \t\r\n]*$".format(
    "|".join(_any_case(w) for w in sorted(TRUE_WORDS | FALSE_WORDS, key=len, reverse=True))
)
_WORDS = {
    "type": "string",
    "pattern": _WORDS_PATTERN,
    "description": f"true: {', '.join(sorted(TRUE_WORDS))}; "
    f"false: {', '.join(sorted(FALSE_WORDS))}; in any case",
}


def _truth(value: Any) -> Any:
    """A JSON boolean, or one of the words a boolean column was read from ("yes", "no", ...)."""
    if isinstance(value, str) and (found := re.match(_WORDS_PATTERN, value)):
        return found.group(1).lower() in TRUE_WORDS
    return value


Truth = Annotated[
    StrictBool,
    BeforeValidator(_truth),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, _WORDS]}),
]

# pandas' timestamps (nanoseconds since 1970 in 64 bits) span 1677-09-22 to 2262-04-11: the
# server takes the whole years inside, as the written year, so that the document can say
# exactly which (a pattern) and any UTC offset stays inside.
FIRST_YEAR, LAST_YEAR = 1678, 2261
YEARS = r"^(16(7[89]|[89]\d)|1[7-9]\d\d|2[01]\d\d|22([0-5]\d|6[01]))-"


def _iso_text(value: Any) -> Any:
    if not isinstance(value, str):
        msg = "must be an ISO 8601 date or date-time string"
        raise ValueError(msg)  # pydantic would read a number as Unix time; the document says text
    if not re.match(YEARS, value):
        msg = f"must be an ISO 8601 date in the years {FIRST_YEAR} to {LAST_YEAR}"
        raise ValueError(msg)
    return value


def _naive_utc(value: datetime) -> datetime:
    """The time as naive UTC: rows with different offsets (or none) then make one column."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


Moment = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_naive_utc),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": YEARS,
            "description": f"ISO 8601, in the years {FIRST_YEAR} to {LAST_YEAR}; without an "
            "offset it is read as UTC.",
        }
    ),
]


def _unicode(value: str) -> str:
    """Refuse lone surrogates (JSON "\ud800"): they are not text and cannot be stored."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        msg = "must be valid Unicode text (no lone surrogates)"
        raise ValueError(msg) from None
    return value


Text = Annotated[StrictStr, AfterValidator(_unicode)]


def column_type(column: InputColumn) -> Any:
    """The JSON type a column's values take, each nullable."""
    dtype = column.dtype.upper()
    if dtype == "BOOLEAN":
        return Truth | None
    if is_temporal_type(dtype):
        return Moment | None
    if is_numeric_type(dtype):
        return FiniteNumber | None
    return Text | None


def request_models(columns: Sequence[InputColumn], *, max_rows: int) -> type[BaseModel]:
    """The ``POST /predict`` body: ``records`` (a list of rows) or ``columns`` (lists)."""
    # Every column is required in every row, and may be null (missing: the model imputes it).
    # A row is a TypedDict keyed by the column names; the lists of ``columns`` are fields
    # named by position and aliased to the column, so that any column name works (spaces, a
    # leading underscore) and the values come out in column order.
    fields: dict[str, Any] = {
        f"c{i}": (column_type(c), Field(..., alias=c.name, title=f"{c.name} ({c.role})"))
        for i, c in enumerate(columns)
    }
    config = ConfigDict(extra="ignore")
    # Validated into dicts, not model instances: a third faster on a thousand rows.
    row_types = {
        c.name: Annotated[column_type(c), Field(title=f"{c.name} ({c.role})")] for c in columns
    }
    record = TypedDict("Record", row_types)  # type: ignore[misc]
    record.__pydantic_config__ = config  # type: ignore[attr-defined]
    lists: dict[str, Any] = {
        key: (list[kind], Field(..., alias=info.alias, min_length=1, max_length=max_rows))  # type: ignore[valid-type]
        for key, (kind, info) in fields.items()
    }
    columnar = create_model(
        "Columns",
        __config__=config,
        __doc__="One list of values per column, all of the same length.",
        **lists,
    )
    # Exactly one of the two, neither null nor empty: the schema says so (oneOf), and the
    # validator enforces it.
    one_of: JsonDict = {"oneOf": [{"required": ["records"]}, {"required": ["columns"]}]}
    validators: dict[str, Any] = {"exactly_one": model_validator(mode="after")(_exactly_one)}
    return create_model(
        "PredictRequest",
        __config__=ConfigDict(extra="forbid", json_schema_extra=one_of),
        __validators__=validators,
        records=(list[record], Field(default=None, min_length=1, max_length=max_rows)),
        columns=(columnar, Field(default=None)),
    )


def _exactly_one(body: Any) -> Any:
    if (body.records is None) == (body.columns is None):
        msg = "give exactly one of 'records' and 'columns'"
        raise ValueError(msg)
    return body


class NotJson(ValueError):
    """The body is not JSON (or not UTF-8 text)."""


def read_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    """``raw`` parsed and validated against ``model`` in one step (pydantic's JSON parser).

    A body that parser refuses is read again by the standard library's, which decides what
    is JSON for every endpoint (a lone surrogate escape, say, is JSON there, and then a
    field's error), so that /predict and FastAPI's own endpoints agree.

    Raises
    ------
    pydantic.ValidationError
        JSON that is not valid input; its errors name the fields.
    NotJson
        Not JSON at all.
    """
    import json

    from pydantic import ValidationError

    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if not any(problem["type"] == "json_invalid" for problem in exc.errors()):
            raise
    try:
        data = json.loads(raw)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        raise NotJson from None
    return model.model_validate(data)


def request_body_document(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of an endpoint that reads ``model`` from the raw body."""
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": reference}}}
    }


def add_request_schemas(app: Any, *models: type[BaseModel]) -> None:
    """Put ``models`` (and the models they use) in the app's OpenAPI components.

    FastAPI documents only the models of its own body parameters; an endpoint that reads
    its body itself (:func:`read_body`) refers to its model with
    :func:`request_body_document`, and this adds what the reference points to.
    """
    document_of = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            openapi = document_of()  # FastAPI's, which it keeps as app.openapi_schema
            schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
        document: dict[str, Any] = app.openapi_schema
        return document

    app.openapi = document


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
        lists: list[Any] = [[row[c.name] for row in body.records] for c in columns]
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
        if _holds_numbers(column.dtype):
            arrays[column.name] = np.array(values, dtype=np.float64)  # None becomes NaN
        else:
            array = np.empty(len(values), dtype=object)
            array[:] = values
            arrays[column.name] = array
    return arrays


@functools.cache
def _holds_numbers(dtype: str) -> bool:
    """Whether a column of this type takes numbers (not booleans or dates): float64 arrays."""
    dtype = dtype.upper()
    return is_numeric_type(dtype) and dtype != "BOOLEAN" and not is_temporal_type(dtype)


class Feedback(BaseModel):
    """Ground truth for an earlier prediction."""

    model_config = ConfigDict(extra="forbid")
    prediction_id: Annotated[Text, Field(min_length=1, max_length=64)]
    actual: Text | StrictBool | FiniteNumber


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


class ErrorBody(BaseModel):
    """What went wrong; ``details`` names the fields at fault, never their values."""

    code: str = Field(description="e.g. invalid_input, malformed_json, unauthorized, overloaded")
    message: str
    details: list[dict[str, Any]]


class ErrorResponse(BaseModel):
    """The one shape of every answer that is not a success."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers an endpoint gives, all in the one shape."""
    meaning = {
        400: "The body is not JSON (malformed_json).",
        401: "No token, or the wrong one (unauthorized).",
        413: "The body is larger than the server takes (payload_too_large).",
        422: "The body is JSON but not valid input; details name the fields (invalid_input).",
        503: "Too many requests are waiting (overloaded, with Retry-After), or the server is "
        "draining (not_ready).",
        504: "No answer within the request timeout (timeout).",
    }
    return {s: {"model": ErrorResponse, "description": meaning[s]} for s in statuses}
