"""The schema of a dataset: every column's storage type and its role for learning."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import SchemaError

if TYPE_CHECKING:
    from collections.abc import Mapping


class Role(StrEnum):
    """What a column means to a model, as opposed to how it is stored."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    IDENTIFIER = "identifier"
    CONSTANT = "constant"


_INTEGER_TYPES: tuple[str, ...] = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
)
_INTEGER_TYPES += ("USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")
_FLOAT_PREFIXES = ("FLOAT", "DOUBLE", "DECIMAL", "REAL")
_TEMPORAL_PREFIXES = ("DATE", "TIMESTAMP")
_ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key)$|^id[_\W]", re.IGNORECASE)
_BOOLEAN_WORDS = frozenset(
    {"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1", "on", "off"}
)
# Free text: long on average, and several words per value.
TEXT_MIN_MEAN_LENGTH = 30.0
TEXT_MIN_MEAN_SPACES = 3.0


def is_integer_type(dtype: str) -> bool:
    """Whether a DuckDB type name is an integer type."""
    return dtype.upper() in _INTEGER_TYPES


def is_numeric_type(dtype: str) -> bool:
    """Whether a DuckDB type name is a number (integer, float or decimal)."""
    return is_integer_type(dtype) or dtype.upper().startswith(_FLOAT_PREFIXES)


def is_temporal_type(dtype: str) -> bool:
    """Whether a DuckDB type name is a date or timestamp (a time of day is not)."""
    return dtype.upper().startswith(_TEMPORAL_PREFIXES)


def is_text_type(dtype: str) -> bool:
    """Whether a DuckDB type name is a string."""
    return dtype.upper() in ("VARCHAR", "TEXT", "STRING")


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    """One column: its name, its DuckDB storage type and its role."""

    name: str
    dtype: str
    role: Role

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready mapping."""
        return {"name": self.name, "dtype": self.dtype, "role": self.role.value}


@dataclass(frozen=True, slots=True)
class Schema:
    """The ordered columns of a dataset."""

    columns: tuple[ColumnSchema, ...]

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            msg = f"a schema's column names must be unique, got {names}"
            raise SchemaError(msg)

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> ColumnSchema:
        for column in self.columns:
            if column.name == name:
                return column
        msg = f"no column {name!r}"
        raise SchemaError(msg, hint=f"columns: {', '.join(self.names)}", column=name)

    def with_roles(self, roles: Mapping[str, Role | str]) -> Schema:
        """A copy with the given columns' roles overridden."""
        overrides = parse_roles(roles, self.names)
        return Schema(tuple(replace(c, role=overrides.get(c.name, c.role)) for c in self.columns))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {"columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """Rebuild a schema written by :meth:`to_dict`."""
        return cls(
            tuple(
                ColumnSchema(name=c["name"], dtype=c["dtype"], role=Role(c["role"]))
                for c in data["columns"]
            )
        )


def parse_roles(roles: Mapping[str, Role | str], columns: list[str]) -> dict[str, Role]:
    """Check role overrides against the known roles and the dataset's columns."""
    parsed: dict[str, Role] = {}
    for column, role in roles.items():
        if column not in columns:
            msg = f"--role names column {column!r}, which the data does not have"
            raise SchemaError(msg, hint=f"columns: {', '.join(columns)}", column=column)
        try:
            parsed[column] = Role(str(role).lower())
        except ValueError:
            valid = ", ".join(r.value for r in Role)
            msg = f"unknown role {role!r} for column {column!r}"
            raise SchemaError(msg, hint=f"use one of: {valid}", column=column) from None
    return parsed


def parse_role_options(items: list[str]) -> dict[str, str]:
    """Parse CLI options of the form ``column=role``."""
    parsed: dict[str, str] = {}
    for item in items:
        column, sep, role = item.partition("=")
        if not sep or not column or not role:
            msg = f"--role expects COLUMN=ROLE, got {item!r}"
            raise SchemaError(msg, hint="e.g. --role customer_id=identifier")
        parsed[column.strip()] = role.strip()
    return parsed


@dataclass(frozen=True, slots=True)
class RoleEvidence:
    """The statistics role inference looks at for one column."""

    name: str
    dtype: str
    n_rows: int
    n_present: int
    n_distinct: int
    is_unique: bool
    min_value: float | None = None
    max_value: float | None = None
    mean_length: float | None = None
    mean_spaces: float | None = None
    values: frozenset[str] = frozenset()  # all distinct values, when there are few


def infer_role(ev: RoleEvidence) -> Role:
    """Choose a column's role from its storage type and statistics.

    A column with one value and some missing cells is not constant: whether the value is
    there carries information (a flag written as "Y" or blank).
    """
    if ev.n_present == 0 or (ev.n_distinct <= 1 and ev.n_present == ev.n_rows):
        return Role.CONSTANT
    dtype = ev.dtype.upper()
    if dtype == "BOOLEAN":
        return Role.BOOLEAN
    if is_temporal_type(dtype):
        return Role.DATETIME
    if is_numeric_type(dtype):
        return _numeric_role(ev)
    if is_text_type(dtype):
        return _string_role(ev)
    return Role.CATEGORICAL


def _numeric_role(ev: RoleEvidence) -> Role:
    if ev.n_distinct == 2 and ev.min_value == 0 and ev.max_value == 1:
        return Role.BOOLEAN
    if is_integer_type(ev.dtype) and ev.is_unique:
        span = (ev.max_value or 0) - (ev.min_value or 0) + 1
        if _ID_NAME.search(ev.name) or span == ev.n_rows:
            return Role.IDENTIFIER
    return Role.NUMERIC


def _string_role(ev: RoleEvidence) -> Role:
    if ev.n_distinct == 2 and ev.values and {v.lower() for v in ev.values} <= _BOOLEAN_WORDS:
        return Role.BOOLEAN
    mean_length = ev.mean_length or 0.0
    mean_spaces = ev.mean_spaces or 0.0
    if mean_length >= TEXT_MIN_MEAN_LENGTH and mean_spaces >= TEXT_MIN_MEAN_SPACES:
        return Role.TEXT
    if ev.is_unique and ev.n_rows >= 2:
        return Role.IDENTIFIER
    return Role.CATEGORICAL
