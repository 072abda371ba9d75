"""The data contract: learned at registration, it flags rows unlike the training data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlwright
from mlwright.registry.contract import DataContract, contract_from_profile

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mlwright.registry.loaded import LoadedModel

FIXTURE = Path(__file__).parent.parent / "fixtures" / "packages" / "v1"


def training_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame(
        {
            "tenure": rng.uniform(0, 60, n).round(1),
            "spend": rng.normal(100, 20, n),
            "plan": rng.choice(["basic", "plus", "pro"], n),
            "age": rng.integers(18, 80, n),
        }
    )
    frame.loc[rng.random(n) < 0.1, "spend"] = np.nan
    signal = (frame["tenure"] > 20) ^ (frame["plan"] == "basic")
    frame["churn"] = np.where(signal, "stays", "leaves")
    return frame


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedModel]:
    with mlwright.Workspace(tmp_path_factory.mktemp("contract") / "ws") as ws:
        ws.ingest(training_frame(), name="churn")
        options = {"time_budget": 3, "families": ["lightgbm"], "seed": 0, "deterministic": True}
        run = ws.train("churn", target="churn", **options)
        run.register("churn")
        yield ws.load_model("churn")


def warnings_of(model: LoadedModel, rows: pd.DataFrame) -> list[list[dict]]:
    prepared = model.prepare(rows)
    return model.contract.check(prepared, model.output(prepared))


def reasons(found: list[dict]) -> set[tuple[str | None, str]]:
    return {(w["column"], w["reason"]) for w in found}


def test_the_package_carries_what_training_looked_like(model: LoadedModel) -> None:
    contract = model.contract
    by_name = {c.name: c for c in contract.columns}
    data = training_frame()
    assert by_name["tenure"].kind == "number"
    assert by_name["tenure"].low == data["tenure"].min()
    assert by_name["tenure"].high == data["tenure"].max()
    assert by_name["plan"].categories == {"basic", "plus", "pro"}
    assert by_name["spend"].missing_share == pytest.approx(data["spend"].isna().mean())
    assert by_name["tenure"].missing_share == 0
    assert contract.confidence_floor is not None
    assert 0 < contract.confidence_floor <= 0.2
    assert DataContract.from_dict(contract.to_dict()) == contract


def test_each_kind_of_oddity_is_named_with_its_column(model: LoadedModel) -> None:
    rows = training_frame().drop(columns="churn").head(4).copy()
    rows["age"] = rows["age"].astype("Int64")
    rows.loc[0, "tenure"] = 500.0
    rows.loc[1, "plan"] = "platinum"
    rows.loc[2, ["tenure", "age"]] = [np.nan, pd.NA]
    found = warnings_of(model, rows)
    assert ("tenure", "out_of_range") in reasons(found[0])
    assert "500" in found[0][0]["message"]
    assert "training range" in found[0][0]["message"]
    assert ("plan", "unseen_category") in reasons(found[1])
    assert "'platinum'" in next(w for w in found[1] if w["column"] == "plan")["message"]
    assert {("tenure", "unexpected_missing"), ("age", "unexpected_missing")} <= reasons(found[2])
    assert (None, "many_missing") in reasons(found[2])
    assert found[3] == [] or reasons(found[3]) == {(None, "low_confidence")}


def test_a_missing_value_where_training_had_some_is_not_a_warning(model: LoadedModel) -> None:
    rows = training_frame().drop(columns="churn").head(1).copy()
    rows["spend"] = np.nan
    assert all(w["column"] != "spend" for w in warnings_of(model, rows)[0])


def test_low_confidence_is_flagged_near_the_threshold() -> None:
    contract = DataContract(columns=(), confidence_floor=0.1, threshold=0.5)
    output = np.array([[0.45, 0.55], [0.1, 0.9], [0.7, 0.3]])
    found = contract.check(pd.DataFrame(index=range(3)), output)
    assert [reasons(f) for f in found] == [{(None, "low_confidence")}, set(), set()]
    assert "0.55" in found[0][0]["message"]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.integers(min_value=0, max_value=599), min_size=1, max_size=30))
def test_rows_of_the_training_data_break_no_column_contract(
    model: LoadedModel, picked: list[int]
) -> None:
    rows = training_frame().drop(columns="churn").iloc[picked]
    for found in warnings_of(model, rows):
        assert {reason for _, reason in reasons(found)} <= {"low_confidence"}


def test_a_package_without_a_contract_gets_one_from_its_profile() -> None:
    loaded = mlwright.load_model(next(FIXTURE.glob("*.zip")))
    assert loaded.info.contract is None
    contract = loaded.contract
    assert contract == contract_from_profile(loaded.info.columns, loaded.info.profile)
    numbers = [c for c in contract.columns if c.kind == "number"]
    assert numbers
    assert all(c.low is not None and c.high is not None for c in numbers)
