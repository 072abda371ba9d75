"""Schemas and role inference: every role from real data, overrides, and their errors."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from mlwright.core.errors import SchemaError
from mlwright.data.schema import (
    ColumnSchema,
    Role,
    RoleEvidence,
    Schema,
    infer_role,
    is_integer_type,
    is_numeric_type,
    is_temporal_type,
    is_text_type,
    parse_role_options,
    parse_roles,
)
from tests.data.samples import analyze_source

if TYPE_CHECKING:
    from pathlib import Path

N_ROWS = 200
_VARCHAR = {"dtype": "VARCHAR"}
_LONG_WORDY = {"mean_length": 60.0, "mean_spaces": 9.0}

ROLE_CASES: dict[str, tuple[dict[str, Any], Role]] = {
    "all_missing": ({"n_present": 0, "n_distinct": 0}, Role.CONSTANT),
    "one_value": ({"n_distinct": 1}, Role.CONSTANT),
    "one_value_or_missing_flag": (
        {**_VARCHAR, "n_distinct": 1, "n_present": 30, "values": frozenset({"Y"})},
        Role.CATEGORICAL,
    ),
    "one_number_or_missing": ({"n_distinct": 1, "n_present": 30}, Role.NUMERIC),
    "boolean_type": ({"dtype": "BOOLEAN", "n_distinct": 2}, Role.BOOLEAN),
    "date": ({"dtype": "DATE"}, Role.DATETIME),
    "timestamp_tz": ({"dtype": "TIMESTAMP WITH TIME ZONE"}, Role.DATETIME),
    "zero_one": ({"n_distinct": 2, "min_value": 0.0, "max_value": 1.0}, Role.BOOLEAN),
    "one_two": ({"n_distinct": 2, "min_value": 1.0, "max_value": 2.0}, Role.NUMERIC),
    "id_by_name": (
        {"name": "customer_id", "is_unique": True, "min_value": 7.0, "max_value": 900.0},
        Role.IDENTIFIER,
    ),
    "id_by_consecutive_values": (
        {"name": "row", "is_unique": True, "min_value": 1.0, "max_value": 100.0},
        Role.IDENTIFIER,
    ),
    "unique_integers_with_gaps": (
        {"name": "price", "is_unique": True, "min_value": 3.0, "max_value": 999.0},
        Role.NUMERIC,
    ),
    "unique_floats": ({"dtype": "DOUBLE", "name": "row_id", "is_unique": True}, Role.NUMERIC),
    "yes_no_words": (
        {**_VARCHAR, "n_distinct": 2, "values": frozenset({"Yes", "No"})},
        Role.BOOLEAN,
    ),
    "y_n_letters": ({**_VARCHAR, "n_distinct": 2, "values": frozenset({"Y", "n"})}, Role.BOOLEAN),
    "two_colours": (
        {**_VARCHAR, "n_distinct": 2, "values": frozenset({"red", "blue"})},
        Role.CATEGORICAL,
    ),
    "few_strings": ({**_VARCHAR, "n_distinct": 5}, Role.CATEGORICAL),
    "unique_strings": ({**_VARCHAR, "is_unique": True}, Role.IDENTIFIER),
    "long_wordy_strings": ({**_VARCHAR, **_LONG_WORDY}, Role.TEXT),
    "unique_long_wordy_strings": ({**_VARCHAR, **_LONG_WORDY, "is_unique": True}, Role.TEXT),
    "long_strings_without_spaces": (
        {**_VARCHAR, "mean_length": 60.0, "mean_spaces": 0.0},
        Role.CATEGORICAL,
    ),
    "other_type": ({"dtype": "BLOB"}, Role.CATEGORICAL),
}


@pytest.mark.parametrize(("fields", "role"), ROLE_CASES.values(), ids=ROLE_CASES.keys())
def test_infer_role(fields: dict[str, Any], role: Role) -> None:
    evidence = RoleEvidence(
        "x", "BIGINT", n_rows=100, n_present=100, n_distinct=40, is_unique=False
    )
    assert infer_role(replace(evidence, **fields)) is role


@pytest.mark.parametrize(
    ("dtype", "integer", "numeric", "temporal", "text"),
    [
        ("BIGINT", True, True, False, False),
        ("ubigint", True, True, False, False),
        ("DOUBLE", False, True, False, False),
        ("DECIMAL(10,2)", False, True, False, False),
        ("DATE", False, False, True, False),
        ("TIMESTAMP_NS", False, False, True, False),
        ("TIME", False, False, False, False),
        ("VARCHAR", False, False, False, True),
        ("BOOLEAN", False, False, False, False),
    ],
)
def test_type_predicates(
    dtype: str, integer: bool, numeric: bool, temporal: bool, text: bool
) -> None:
    assert is_integer_type(dtype) is integer
    assert is_numeric_type(dtype) is numeric
    assert is_temporal_type(dtype) is temporal
    assert is_text_type(dtype) is text


# --- inference on real data ----------------------------------------------------------------


def _every_role(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = ["delivery", "was", "late", "and", "the", "box", "arrived", "damaged", "again"]
    return pd.DataFrame(
        {
            "customer_id": np.arange(5000, 5000 + 3 * N_ROWS, 3),
            "order_code": [f"ORD-{i:05d}" for i in rng.permutation(N_ROWS)],
            "age": rng.integers(18, 80, N_ROWS),
            "income": rng.normal(50_000, 12_000, N_ROWS).round(2),
            "plan": rng.choice(["basic", "plus", "pro"], N_ROWS),
            "active": rng.choice(["true", "false"], N_ROWS),
            "subscribed": rng.choice(["yes", "no"], N_ROWS),
            "churned": rng.integers(0, 2, N_ROWS),
            "signup": pd.date_range("2023-01-01", periods=N_ROWS, freq="D").strftime("%Y-%m-%d"),
            "review": [" ".join(rng.choice(words, 9)) for _ in range(N_ROWS)],
            "country": ["FR"] * N_ROWS,
            "coupon": [None] * N_ROWS,
        }
    )


EXPECTED_ROLES = {
    "customer_id": Role.IDENTIFIER,
    "order_code": Role.IDENTIFIER,
    "age": Role.NUMERIC,
    "income": Role.NUMERIC,
    "plan": Role.CATEGORICAL,
    "active": Role.BOOLEAN,
    "subscribed": Role.BOOLEAN,
    "churned": Role.BOOLEAN,
    "signup": Role.DATETIME,
    "review": Role.TEXT,
    "country": Role.CONSTANT,
    "coupon": Role.CONSTANT,
}


def test_every_role_is_inferred_from_a_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    _every_role().to_csv(path, index=False)
    schema = analyze_source(path, tmp_path).schema
    assert {c.name: c.role for c in schema.columns} == EXPECTED_ROLES
    assert schema["signup"].dtype == "DATE"
    assert schema["income"].dtype == "DOUBLE"


def test_every_role_is_inferred_from_a_dataframe(tmp_path: Path) -> None:
    frame = _every_role()
    frame["signup"] = pd.to_datetime(frame["signup"])
    frame["coupon"] = frame["coupon"].astype("string")
    schema = analyze_source(frame, tmp_path).schema
    assert {c.name: c.role for c in schema.columns} == EXPECTED_ROLES
    assert schema["signup"].dtype.startswith("TIMESTAMP")


def test_one_zero_strings_and_mixed_case_booleans(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"flag": ["Y", "N"] * 10, "answer": ["Yes", "NO"] * 10, "bit": ["1", "0"] * 10}
    )
    schema = analyze_source(pa_table(frame), tmp_path).schema
    assert [c.role for c in schema.columns] == [Role.BOOLEAN] * 3


def pa_table(frame: pd.DataFrame) -> Any:
    """Keep strings as strings (a CSV file would let DuckDB type them)."""
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def test_roles_can_be_overridden(tmp_path: Path) -> None:
    frame = pd.DataFrame({"zip": [75001, 69002, 13003, 31004] * 5, "n": range(20)})
    inferred = analyze_source(frame, tmp_path).schema
    assert inferred["zip"].role is Role.NUMERIC
    schema = analyze_source(frame, tmp_path, roles={"zip": "categorical", "n": "NUMERIC"}).schema
    assert schema["zip"].role is Role.CATEGORICAL
    assert schema["n"].role is Role.NUMERIC  # inferred as an identifier without the override


def test_an_unknown_role_names_the_valid_ones(tmp_path: Path) -> None:
    frame = pd.DataFrame({"age": [1, 2, 3]})
    with pytest.raises(SchemaError, match="unknown role 'feature' for column 'age'") as info:
        analyze_source(frame, tmp_path, roles={"age": "feature"})
    assert info.value.hint == f"use one of: {', '.join(r.value for r in Role)}"
    assert info.value.fields["column"] == "age"


def test_a_role_for_a_missing_column_names_the_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"age": [1, 2, 3], "city": ["a", "b", "c"]})
    with pytest.raises(SchemaError, match="column 'agee', which the data does not have") as info:
        analyze_source(frame, tmp_path, roles={"agee": "numeric"})
    assert info.value.hint == "columns: age, city"


# --- the schema object ---------------------------------------------------------------------


def _schema() -> Schema:
    return Schema(
        (
            ColumnSchema("id", "BIGINT", Role.IDENTIFIER),
            ColumnSchema("age", "BIGINT", Role.NUMERIC),
            ColumnSchema("city", "VARCHAR", Role.CATEGORICAL),
        )
    )


def test_schema_round_trips_through_a_dict() -> None:
    schema = _schema()
    data = schema.to_dict()
    assert data["columns"][1] == {"name": "age", "dtype": "BIGINT", "role": "numeric"}
    assert Schema.from_dict(data) == schema


def test_schema_names_and_lookup() -> None:
    schema = _schema()
    assert schema.names == ["id", "age", "city"]
    assert schema["city"].dtype == "VARCHAR"
    with pytest.raises(SchemaError, match="no column 'zip'") as info:
        schema["zip"]
    assert info.value.hint == "columns: id, age, city"


def test_schema_refuses_repeated_names() -> None:
    column = ColumnSchema("a", "BIGINT", Role.NUMERIC)
    with pytest.raises(SchemaError, match="column names must be unique"):
        Schema((column, column))


def test_with_roles_returns_a_changed_copy() -> None:
    schema = _schema()
    changed = schema.with_roles({"age": Role.CATEGORICAL})
    assert changed["age"].role is Role.CATEGORICAL
    assert schema["age"].role is Role.NUMERIC
    with pytest.raises(SchemaError, match="unknown role"):
        schema.with_roles({"age": "number"})


def test_parse_roles_is_case_insensitive() -> None:
    assert parse_roles({"a": "Identifier"}, ["a"]) == {"a": Role.IDENTIFIER}


def test_parse_role_options() -> None:
    assert parse_role_options(["id=identifier", " age = numeric "]) == {
        "id": "identifier",
        "age": "numeric",
    }
    assert parse_role_options(["expr=a=b"]) == {"expr": "a=b"}


@pytest.mark.parametrize("item", ["identifier", "=numeric", "age=", ""])
def test_a_malformed_role_option_shows_the_form(item: str) -> None:
    with pytest.raises(SchemaError, match="--role expects COLUMN=ROLE") as info:
        parse_role_options([item])
    assert info.value.hint == "e.g. --role customer_id=identifier"
