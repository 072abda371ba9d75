"""Model references: NAME, NAME:VERSION and NAME@ALIAS, and the malformed ones refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.core.errors import ConfigError
from mlwright.registry.refs import ModelRef, check_alias, parse_model_ref


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("churn", ModelRef("churn")),
        ("churn:3", ModelRef("churn", version=3)),
        ("churn@production", ModelRef("churn", alias="production")),
        ("bc.v2-final_1:12", ModelRef("bc.v2-final_1", version=12)),
        ("9lives@canary-2", ModelRef("9lives", alias="canary-2")),
        ("  churn:3 \n", ModelRef("churn", version=3)),
    ],
)
def test_valid_references(ref: str, expected: ModelRef) -> None:
    assert parse_model_ref(ref) == expected


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("churn:0", "invalid version '0'"),
        ("churn:x", "invalid version 'x'"),
        ("churn:-1", "invalid version '-1'"),
        ("churn:1.5", "invalid version '1.5'"),
        ("churn:", "invalid version ''"),
        ("churn@1bad", "invalid alias '1bad'"),
        ("churn@", "invalid alias ''"),
        ("churn@prod uction", "invalid alias"),
        ("churn@a:1", "invalid alias 'a:1'"),
        ("churn:3@production", "invalid model name 'churn:3'"),
        ("", "invalid model name ''"),
        ("   ", "invalid model name ''"),
        (":3", "invalid model name ''"),
        ("@production", "invalid model name ''"),
        ("-churn", "invalid model name"),
        ("ch/urn", "invalid model name"),
    ],
)
def test_malformed_references_are_refused(ref: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_model_ref(ref)
    assert info.value.hint


def test_an_alias_must_not_look_like_a_version() -> None:
    assert check_alias("production") == "production"
    for bad in ["1", "2024", "_x", "a" * 65, "prod@x"]:
        with pytest.raises(ConfigError, match="invalid alias"):
            check_alias(bad)
    assert check_alias("a" * 64) == "a" * 64


NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}", fullmatch=True)
ALIASES = st.from_regex(r"[A-Za-z][A-Za-z0-9_\-]{0,63}", fullmatch=True)
VERSIONS = st.integers(min_value=1, max_value=10**9)
REFS = st.one_of(
    st.builds(ModelRef, NAMES),
    st.builds(ModelRef, NAMES, version=VERSIONS),
    st.builds(ModelRef, NAMES, alias=ALIASES),
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(REFS)
def test_a_reference_round_trips_through_its_text(ref: ModelRef) -> None:
    text = str(ref)
    assert parse_model_ref(text) == ref
    assert str(parse_model_ref(text)) == text


@pytest.mark.parametrize("ref", ["churn:\uff13", "churn:\u0663", "churn:\u00b2"])
def test_a_version_of_non_ascii_digits_is_refused(ref: str) -> None:
    with pytest.raises(ConfigError, match="invalid version"):
        parse_model_ref(ref)


@pytest.mark.parametrize("check", ["name", "alias"])
def test_a_trailing_newline_is_refused(check: str) -> None:
    from mlwright.data.dataset import check_name

    with pytest.raises(ConfigError):
        if check == "name":
            check_name("churn\n", "model")
        else:
            check_alias("production\n")
