"""The Workspace facade: artifacts shared and freed correctly, stores chosen by settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pytest

from mlwright.core.errors import ConfigError, DatasetNotFoundError
from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from pathlib import Path


def objects(ws: Workspace) -> list[str]:
    return ws.artifacts.keys()


def test_identical_data_under_two_names_shares_one_artifact(workspace: Workspace) -> None:
    frame = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]})
    first = workspace.ingest(frame, name="one").dataset
    second = workspace.ingest(frame, name="two").dataset
    assert first.uri == second.uri
    assert len(objects(workspace)) == 1
    workspace.delete_dataset("one")
    assert len(objects(workspace)) == 1, "still used by two:1"
    assert workspace.dataset("two").to_pandas().shape == (3, 2)
    workspace.delete_dataset("two")
    assert objects(workspace) == []


def test_delete_one_version_keeps_the_others(workspace: Workspace) -> None:
    workspace.ingest(pd.DataFrame({"x": [1, 2]}), name="d")
    workspace.ingest(pd.DataFrame({"x": [3, 4]}), name="d")
    deleted = workspace.delete_dataset("d:1")
    assert [d.ref for d in deleted] == ["d:1"]
    assert [d.ref for d in workspace.datasets()] == ["d:2"]
    assert len(objects(workspace)) == 1
    with pytest.raises(DatasetNotFoundError):
        workspace.dataset("d:1")


def test_dataset_round_trips_values(workspace: Workspace) -> None:
    frame = pd.DataFrame({"n": [1.5, None, 3.0], "s": ["a", None, "c"]})
    ds = workspace.ingest(frame, name="rt").dataset
    back = ds.to_pandas()
    assert back["n"].isna().tolist() == [False, True, False]
    assert back["s"].tolist()[0] == "a"
    assert ds.profile.column("n").n_missing == 1


def test_postgres_store_with_local_artifacts(tmp_path: Path, postgres_uri: str) -> None:
    with Workspace(tmp_path / "ws", store_uri=postgres_uri) as ws:
        ds = ws.ingest(pd.DataFrame({"x": [1, 2, 3]}), name="pg").dataset
        assert ds.ref == "pg:1"
    assert not (tmp_path / "ws" / "mlwright.db").exists()
    with Workspace(tmp_path / "ws", store_uri=postgres_uri) as ws:
        assert [d.ref for d in ws.datasets()] == ["pg:1"]


def test_remote_artifact_store(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws", artifacts_uri="memory://mlwright-ws-test") as ws:
        ds = ws.ingest(pd.DataFrame({"x": [1, 2, 3]}), name="remote").dataset
        assert ds.uri.startswith("memory://")
        assert ds.to_pandas()["x"].tolist() == [1, 2, 3]
        ws.delete_dataset("remote")


@pytest.mark.parametrize("name", ["", "has space", "colon:in", "at@sign", "../up"])
def test_bad_dataset_names_are_refused(workspace: Workspace, name: str) -> None:
    with pytest.raises(ConfigError, match="invalid dataset name"):
        workspace.ingest(pd.DataFrame({"x": [1]}), name=name)


def test_bad_version_reference(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match="invalid version"):
        workspace.dataset("d:zero")
