"""``mlwright models register | list | show | alias | unalias | delete | export``.

Training is the slow part: one workspace is trained once per module (two finished runs on
the breast-cancer data, and one failed run) and each test works on a private copy of it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pytest

import mlwright
from mlwright.core.errors import TrainingError
from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pandas as pd

    from tests.cli.conftest import RunResult

VERSION_FIELDS = {
    "name",
    "version",
    "ref",
    "aliases",
    "run_id",
    "task_type",
    "target",
    "metrics",
    "dataset",
    "dataset_fingerprint",
    "package_key",
    "created_at",
    "created_by",
}
EVENT_FIELDS = {"alias", "version", "previous", "moved_at", "moved_by"}


def breast_cancer() -> pd.DataFrame:
    """569 rows: an ``id``, 30 numeric features and a string ``target``."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = np.where(frame["target"] == 1, "benign", "malignant")
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


@dataclass(frozen=True)
class Trained:
    """The workspace folder, its two finished runs (oldest first) and its failed run."""

    path: Path
    first: str
    second: str
    failed: str


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    path = tmp_path_factory.mktemp("models-template") / "ws"
    with Workspace(path) as ws:
        ws.ingest(breast_cancer(), name="bc", roles={"id": "identifier"})
        options = {"target": "target", "time_budget": 5, "families": ["lightgbm"]}
        first = ws.train("bc", seed=0, **options).id
        second = ws.train("bc", seed=1, **options).id
        with pytest.raises(TrainingError):
            ws.train("bc", target="nope", time_budget=5, families=["lightgbm"])
        failed = ws.runs("bc")[0]
        assert failed.status == "failed"
    return Trained(path, first, second, failed.id)


@pytest.fixture
def trained(template: Trained, ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trained:
    """A private copy of the template at ``ws_path``, printed on a wide terminal."""
    monkeypatch.setenv("COLUMNS", "200")  # so that Rich tables do not wrap ids and refs
    shutil.copytree(template.path, ws_path)
    return Trained(ws_path, template.first, template.second, template.failed)


def _ok(result: RunResult) -> RunResult:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _refused(result: RunResult, message: str) -> RunResult:
    """Exit 2, one ``error:`` line holding ``message``, no traceback, nothing on stdout."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert len(result.error_lines) == 1, result.stderr
    assert message in result.error_lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return result


def _json(result: RunResult) -> object:
    return json.loads(_ok(result).stdout)


def _register(run_cli: Callable[..., RunResult], run_id: str, *options: str) -> dict:
    version = _json(run_cli("models", "register", run_id, "--name", "bc", *options, "--json"))
    assert isinstance(version, dict)
    return version


# --- register | list | show ------------------------------------------------------------------


def test_register_json_describes_the_new_version(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    version = _register(run_cli, trained.first, "--alias", "production")
    assert set(version) == VERSION_FIELDS
    assert (version["name"], version["version"], version["ref"]) == ("bc", 1, "bc:1")
    assert version["aliases"] == ["production"]
    assert version["run_id"] == trained.first
    assert (version["task_type"], version["target"], version["dataset"]) == (
        "binary",
        "target",
        "bc:1",
    )
    assert version["metrics"]["metric"] == "roc_auc"
    assert 0.5 < version["metrics"]["test_roc_auc"] <= 1
    with Workspace(trained.path) as ws:
        stored = set(ws.artifacts.keys())
        assert version["package_key"] in stored
        assert version["dataset_fingerprint"] == ws.dataset("bc:1").fingerprint


def test_register_numbers_versions_and_accepts_a_run_prefix(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    out = _ok(run_cli("models", "register", trained.first[:6], "--name", "bc")).stdout
    assert out == f"Registered run {trained.first} as bc:1.\n"
    out = _ok(run_cli("models", "register", trained.second, "-n", "bc", "-a", "staging")).stdout
    assert out == f"Registered run {trained.second} as bc:2 (alias staging).\n"
    listed = _json(run_cli("models", "list", "--json"))
    assert [(v["ref"], v["run_id"], v["aliases"]) for v in listed] == [
        ("bc:1", trained.first, []),
        ("bc:2", trained.second, ["staging"]),
    ]
    assert _json(run_cli("models", "list", "bc", "--json")) == listed
    assert _json(run_cli("models", "list", "other", "--json")) == []


def test_list_prints_a_table(run_cli: Callable[..., RunResult], trained: Trained) -> None:
    assert "No registered models" in _ok(run_cli("models", "list")).stdout
    assert _json(run_cli("models", "list", "--json")) == []
    _register(run_cli, trained.first, "--alias", "production")
    out = _ok(run_cli("models", "list")).stdout
    assert "Registered models" in out
    assert "bc:1" in out
    assert "production" in out
    assert trained.first in out
    assert "roc_auc 0." in out


def test_show_gives_lineage_metrics_and_alias_history(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    _register(run_cli, trained.first, "--alias", "production")
    shown = _json(run_cli("models", "show", "bc@production", "--json"))
    assert set(shown) == VERSION_FIELDS | {"alias_history"}
    assert (shown["ref"], shown["run_id"]) == ("bc:1", trained.first)
    [event] = shown["alias_history"]
    assert set(event) == EVENT_FIELDS
    assert (event["alias"], event["version"], event["previous"]) == ("production", 1, None)
    assert _json(run_cli("models", "show", "bc:1", "--json")) == shown
    assert _json(run_cli("models", "show", "bc", "--json")) == shown

    out = _ok(run_cli("models", "show", "bc")).stdout
    assert "Model bc:1  aliases: production" in out
    assert f"binary model of 'target', trained by run {trained.first} on bc:1" in out
    assert "Metrics" in out
    assert "test_roc_auc" in out
    assert "Alias history of bc" in out


# --- alias | unalias -------------------------------------------------------------------------


def test_alias_moves_and_unalias_removes_keeping_the_history(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    _register(run_cli, trained.first, "--alias", "production")
    _register(run_cli, trained.second)

    out = _ok(run_cli("models", "alias", "bc", "2", "production")).stdout
    assert out == "bc@production -> version 2 (was 1).\n"
    assert _json(run_cli("models", "show", "bc@production", "--json"))["ref"] == "bc:2"
    listed = _json(run_cli("models", "list", "--json"))
    assert [v["aliases"] for v in listed] == [[], ["production"]]

    out = _ok(run_cli("models", "alias", "bc", "1", "canary")).stdout
    assert out == "bc@canary -> version 1.\n"

    out = _ok(run_cli("models", "unalias", "bc", "production")).stdout
    assert out == "Removed bc@production (pointed to version 2).\n"
    gone = run_cli("models", "show", "bc@production")
    _refused(gone, "no model 'bc@production' in this workspace")

    history = _json(run_cli("models", "show", "bc:1", "--json"))["alias_history"]
    assert [(e["alias"], e["version"], e["previous"]) for e in history] == [
        ("production", 1, None),
        ("production", 2, 1),
        ("canary", 1, None),
        ("production", None, 2),
    ]
    assert "removed" in _ok(run_cli("models", "show", "bc:1")).stdout


def test_export_onnx_writes_a_graph_that_onnxruntime_scores_like_the_model(
    run_cli: Callable[..., RunResult], trained: Trained, tmp_path: Path
) -> None:
    import onnxruntime as ort

    _register(run_cli, trained.first)
    path = tmp_path / "bc.onnx"
    _ok(run_cli("models", "export", "bc:1", "--format", "onnx", "-o", str(path)))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    columns = json.loads(session.get_modelmeta().custom_metadata_map["columns"])
    features = breast_cancer().drop(columns=["id", "target"])
    feeds = {name: features[[col]].to_numpy(np.float32) for name, col in columns.items()}
    labels, proba = session.run(["label", "probabilities"], feeds)
    model = mlwright.load_model("bc:1", workspace=trained.path)
    np.testing.assert_allclose(proba, model.predict_proba(features), atol=1e-4)
    assert list(labels) == list(model.predict(features))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["alias", "bc", "9", "production"], "no model 'bc:9' in this workspace"),
        (["alias", "nope", "1", "production"], "no model 'nope:1' in this workspace"),
        (["alias", "bc", "1", "1st"], "invalid alias '1st'"),
        (["unalias", "bc", "staging"], "model 'bc' has no alias 'staging'"),
    ],
)
def test_bad_alias_moves_exit_2(
    run_cli: Callable[..., RunResult], trained: Trained, args: list[str], message: str
) -> None:
    _register(run_cli, trained.first, "--alias", "production")
    result = _refused(run_cli("models", *args), message)
    assert "hint:" in result.stderr
    history = _json(run_cli("models", "show", "bc", "--json"))["alias_history"]
    assert len(history) == 1, "a refused move is not recorded"


# --- delete ----------------------------------------------------------------------------------


def test_delete_is_refused_while_an_alias_points_at_the_version(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    version = _register(run_cli, trained.first, "--alias", "production")
    _register(run_cli, trained.second)

    result = run_cli("models", "delete", "bc:1", "-y")
    _refused(result, "cannot delete a version an alias points to: bc@production -> 1")
    assert "hint: move or remove the alias first" in result.stderr
    _refused(run_cli("models", "delete", "bc", "-y"), "bc@production -> 1")
    assert len(_json(run_cli("models", "list", "--json"))) == 2
    with Workspace(trained.path) as ws:
        stored = set(ws.artifacts.keys())
    assert version["package_key"] in stored

    _ok(run_cli("models", "unalias", "bc", "production"))
    assert _ok(run_cli("models", "delete", "bc:1", "-y")).stdout == "Deleted bc:1.\n"
    listed = _json(run_cli("models", "list", "--json"))
    assert [v["ref"] for v in listed] == ["bc:2"]
    with Workspace(trained.path) as ws:
        stored = set(ws.artifacts.keys())
        assert version["package_key"] not in stored
        assert ws.run(trained.first).status == "finished", "the run stays"
        assert ws.run(trained.first).record.model_key in stored
    _refused(run_cli("models", "show", "bc:1"), "no model 'bc:1' in this workspace")


def test_delete_by_name_removes_every_version(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    _register(run_cli, trained.first)
    _register(run_cli, trained.second)
    deleted = _json(run_cli("models", "delete", "bc", "--yes", "--json"))
    assert [v["ref"] for v in deleted] == ["bc:1", "bc:2"]
    assert _json(run_cli("models", "list", "--json")) == []


def test_a_registered_run_cannot_be_deleted(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    _register(run_cli, trained.first)
    result = run_cli("runs", "delete", trained.first, "--yes")
    _refused(result, f"run {trained.first} is registered as bc:1")
    with Workspace(trained.path) as ws:
        assert ws.run(trained.first).status == "finished"


# --- export ----------------------------------------------------------------------------------


def test_export_writes_a_package_that_loads_and_predicts_like_the_registered_model(
    run_cli: Callable[..., RunResult], trained: Trained, tmp_path: Path
) -> None:
    _register(run_cli, trained.first, "--alias", "production")
    out = _ok(run_cli("models", "export", "bc@production", "-o", str(tmp_path / "out"))).stdout
    folder_file = tmp_path / "out" / "bc-1.mlwright.zip"
    assert out.strip() == f"Wrote bc@production as package to {folder_file}"
    assert folder_file.is_file()

    named = tmp_path / "models" / "churn.zip"
    out = _ok(run_cli("models", "export", "bc:1", "--output", str(named), "--format", "package"))
    assert named.read_bytes() == folder_file.read_bytes()

    features = breast_cancer().drop(columns=["id", "target"])
    exported = mlwright.load_model(named)
    registered = mlwright.load_model("bc:1", workspace=trained.path)
    assert exported.source.run_id == trained.first
    np.testing.assert_array_equal(exported.predict(features), registered.predict(features))
    np.testing.assert_array_equal(
        exported.predict_proba(features), registered.predict_proba(features)
    )
    assert set(exported.predict(features)) == {"benign", "malignant"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "bc:1", "--format", "pickle"], "unknown export format 'pickle'"),
        (["export", "bc:7"], "no model 'bc:7' in this workspace"),
        (["show", "nope"], "no model 'nope' in this workspace"),
        (["show", "bc:x"], "invalid version 'x'"),
        (["delete", "bc:3", "-y"], "no model 'bc:3' in this workspace"),
        (["delete", "bc@production", "-y"], "delete takes NAME or NAME:VERSION, not an alias"),
    ],
)
def test_bad_model_references_exit_2(
    run_cli: Callable[..., RunResult],
    trained: Trained,
    args: list[str],
    message: str,
) -> None:
    _register(run_cli, trained.first, "--alias", "production")
    result = _refused(run_cli("models", *args), message)
    assert "hint:" in result.stderr
    assert len(_json(run_cli("models", "list", "--json"))) == 1


def test_an_unknown_model_hints_at_the_registered_names(
    run_cli: Callable[..., RunResult], trained: Trained
) -> None:
    result = _refused(run_cli("models", "show", "bcc"), "no model 'bcc' in this workspace")
    assert "hint: register one with: mlwright models register RUN --name NAME" in result.stderr
    _register(run_cli, trained.first)
    result = _refused(run_cli("models", "show", "bcc"), "no model 'bcc' in this workspace")
    assert "hint: registered models: bc" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["FAILED", "--name", "bc"], "has no model to register (status: failed)"),
        (["ffffffffffff", "--name", "bc"], "no run 'ffffffffffff' in this workspace"),
        (["FIRST", "--name", "b c"], "'b c'"),
        (["FIRST", "--name", "bc", "--alias", "9"], "invalid alias '9'"),
    ],
)
def test_bad_registrations_exit_2_and_register_nothing(
    run_cli: Callable[..., RunResult], trained: Trained, args: list[str], message: str
) -> None:
    ids = {"FAILED": trained.failed, "FIRST": trained.first}
    args = [ids.get(a, a) for a in args]
    result = _refused(run_cli("models", "register", *args), message)
    assert "hint:" in result.stderr
    assert _json(run_cli("models", "list", "--json")) == []
