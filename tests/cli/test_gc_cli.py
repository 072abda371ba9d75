"""``mlwright gc``: what a clean-up deletes, what it spares, and what it frees.

One workspace is trained once per module: three finished runs on the breast-cancer data
(the oldest registered as ``bc:1@production``) and a failed run, newest. Each test works on
a private copy of it and plants an unreferenced artifact of its own.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.core.errors import TrainingError
from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.cli.conftest import RunResult

ORPHAN = b"orphan"


def breast_cancer() -> pd.DataFrame:
    """569 rows: an ``id``, 30 numeric features and a string ``target``."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = np.where(frame["target"] == 1, "benign", "malignant")
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


@dataclass(frozen=True)
class Runs:
    """The workspace folder and its runs: registered < middle < newest < failed, by age."""

    path: Path
    registered: str
    middle: str
    newest: str
    failed: str


@dataclass(frozen=True)
class Keys:
    """The artifacts of a fresh copy, by what refers to them."""

    dataset: str
    package: str
    models: dict[str, tuple[str, ...]]  # run id -> its artifacts (model, out-of-fold losses)
    orphan: str
    sizes: dict[str, int]  # key -> bytes

    @property
    def every(self) -> set[str]:
        return {
            self.dataset,
            self.package,
            self.orphan,
            *(k for ks in self.models.values() for k in ks),
        }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    path = tmp_path_factory.mktemp("gc-template") / "ws"
    with Workspace(path) as ws:
        ws.ingest(breast_cancer(), name="bc", roles={"id": "identifier"})
        options = {"target": "target", "time_budget": 5, "families": ["lightgbm"]}
        ids = [ws.train("bc", seed=seed, **options).id for seed in range(3)]
        ws.register(ids[0], "bc", alias="production")
        with pytest.raises(TrainingError):
            ws.train("bc", target="diagnosis", time_budget=5, families=["lightgbm"])
        failed = ws.runs("bc")[0]
        assert failed.status == "failed"
        assert failed.record.model_key is None
    return Runs(path, *ids, failed.id)


@pytest.fixture
def runs(template: Runs, ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runs:
    """A private copy of the template at ``ws_path``, printed on a wide terminal."""
    monkeypatch.setenv("COLUMNS", "200")
    shutil.copytree(template.path, ws_path)
    return Runs(ws_path, template.registered, template.middle, template.newest, template.failed)


@pytest.fixture
def keys(runs: Runs) -> Keys:
    """The copy's artifacts, with a fresh unreferenced one planted among them."""
    with Workspace(runs.path) as ws:
        dataset = ws.store.list_datasets("bc")[0].artifact_key
        package = ws.model_version("bc:1").package_key
        models = {r.id: r.record.artifact_keys for r in ws.runs() if r.record.model_key}
        orphan = ws.artifacts.put_bytes(ORPHAN)
        stored = ws.artifacts.keys()
        keys = Keys(dataset, package, models, orphan, {k: ws.artifacts.size(k) for k in stored})
        assert set(stored) == keys.every, "nothing else is stored"
    assert set(models) == {runs.registered, runs.middle, runs.newest}
    assert len(set(models.values())) == 3
    return keys


def _ok(result: RunResult) -> RunResult:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _gc(run_cli: Callable[..., RunResult], *options: str) -> dict:
    found = json.loads(_ok(run_cli("gc", *options, "--json")).stdout)
    assert set(found) == {"dry_run", "runs", "artifacts", "bytes_freed"}
    return found


def _stored(path: Path) -> tuple[list[str], set[str]]:
    """The run ids (newest first) and artifact keys the workspace holds."""
    with Workspace(path) as ws:
        return [r.id for r in ws.runs()], set(ws.artifacts.keys())


def test_a_dry_run_lists_the_failed_run_and_the_orphan_and_deletes_nothing(
    run_cli: Callable[..., RunResult], runs: Runs, keys: Keys
) -> None:
    before = _stored(runs.path)
    found = _gc(run_cli, "--dry-run", "--min-age", "0")
    assert found == {
        "dry_run": True,
        "runs": [runs.failed],
        "artifacts": [keys.orphan],
        "bytes_freed": len(ORPHAN),
    }
    assert _stored(runs.path) == before

    out = _ok(run_cli("gc", "--dry-run", "--min-age", "0")).stdout
    assert f"run {runs.failed} (failed, bc:1, " in out
    assert f"artifact {keys.orphan[:16]} (0.0 MB)" in out
    assert "Would delete 1 run(s) and 1 artifact(s), freeing 0.0 MB." in out
    assert _stored(runs.path) == before


def test_keep_last_0_deletes_every_unregistered_run_and_spares_the_model(
    run_cli: Callable[..., RunResult], runs: Runs, keys: Keys, tmp_path: Path
) -> None:
    doomed_models = [*keys.models[runs.middle], *keys.models[runs.newest]]
    planned = _gc(run_cli, "--keep-last", "0", "--min-age", "0", "--dry-run")
    found = _gc(run_cli, "--keep-last", "0", "--min-age", "0")
    assert planned == {**found, "dry_run": True}
    assert found["dry_run"] is False
    assert found["runs"] == [runs.failed, runs.newest, runs.middle]  # newest first
    assert sorted(found["artifacts"]) == sorted([keys.orphan, *doomed_models])
    assert found["bytes_freed"] == sum(keys.sizes[k] for k in doomed_models) + len(ORPHAN)

    run_ids, artifacts = _stored(runs.path)
    assert run_ids == [runs.registered]
    assert artifacts == {keys.dataset, keys.package, *keys.models[runs.registered]}

    assert _gc(run_cli, "--keep-last", "0", "--min-age", "0")["runs"] == [], "nothing is left"

    # The registered model, its run and its data still work.
    listed = json.loads(_ok(run_cli("runs", "list", "--json")).stdout)
    assert [(r["id"], r["status"]) for r in listed] == [(runs.registered, "finished")]
    assert json.loads(_ok(run_cli("datasets", "show", "bc", "--json")).stdout)["n_rows"] == 569
    frame = breast_cancer().drop(columns="target")
    frame.to_csv(tmp_path / "in.csv", index=False)
    output = tmp_path / "scores.csv"
    _ok(run_cli("predict", "bc@production", "in.csv", "-o", str(output), "-k", "id", "-q"))
    model = mlwright.load_model("bc:1", workspace=runs.path)
    scores = pd.read_csv(output)
    np.testing.assert_array_equal(
        scores["prediction"].to_numpy(object), model.predict(frame.drop(columns="id"))
    )


def test_keep_last_1_keeps_the_newest_finished_run_besides_the_registered_one(
    run_cli: Callable[..., RunResult], runs: Runs, keys: Keys
) -> None:
    found = _gc(run_cli, "--keep-last", "1", "--min-age", "0")
    assert found["runs"] == [runs.failed, runs.middle]
    assert sorted(found["artifacts"]) == sorted([keys.orphan, *keys.models[runs.middle]])
    run_ids, artifacts = _stored(runs.path)
    assert run_ids == [runs.newest, runs.registered]
    assert artifacts == keys.every - {keys.orphan, *keys.models[runs.middle]}


def test_the_default_min_age_spares_a_fresh_orphan(
    run_cli: Callable[..., RunResult], runs: Runs, keys: Keys
) -> None:
    found = _gc(run_cli)
    assert found == {"dry_run": False, "runs": [runs.failed], "artifacts": [], "bytes_freed": 0}
    run_ids, artifacts = _stored(runs.path)
    assert run_ids == [runs.newest, runs.middle, runs.registered]
    assert artifacts == keys.every, "the orphan is younger than an hour"

    assert _gc(run_cli, "--min-age", "2h")["artifacts"] == []
    found = _gc(run_cli, "--min-age", "0s")
    assert (found["runs"], found["artifacts"]) == ([], [keys.orphan])
    assert _stored(runs.path)[1] == keys.every - {keys.orphan}


def test_the_models_of_deleted_runs_go_whatever_the_min_age(
    run_cli: Callable[..., RunResult], runs: Runs, keys: Keys
) -> None:
    found = _gc(run_cli, "--keep-last", "0")
    assert set(found["runs"]) == {runs.failed, runs.middle, runs.newest}
    freed = {*keys.models[runs.middle], *keys.models[runs.newest]}
    assert set(found["artifacts"]) == freed, "the fresh orphan is spared, the models are not"
    assert _stored(runs.path)[1] == keys.every - freed


def test_a_version_deleted_from_the_registry_frees_its_run_for_gc(
    run_cli: Callable[..., RunResult], runs: Runs, keys: Keys
) -> None:
    _ok(run_cli("models", "unalias", "bc", "production"))
    _ok(run_cli("models", "delete", "bc:1", "-y"))
    found = _gc(run_cli, "--keep-last", "2", "--min-age", "0")
    assert found["runs"] == [runs.failed, runs.registered]
    assert sorted(found["artifacts"]) == sorted([keys.orphan, *keys.models[runs.registered]])
    assert _stored(runs.path)[0] == [runs.newest, runs.middle]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--min-age", "soon"], "cannot read the age 'soon'"),
        (["--min-age", "1w"], "cannot read the age '1w'"),
        (["--keep-last", "-1"], "--keep-last must be 0 or more, got -1"),
    ],
)
def test_bad_options_exit_2_and_delete_nothing(
    run_cli: Callable[..., RunResult], runs: Runs, keys: Keys, options: list[str], message: str
) -> None:
    before = _stored(runs.path)
    result = run_cli("gc", *options)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert len(result.error_lines) == 1, result.stderr
    assert message in result.error_lines[0]
    assert "hint:" in result.stderr
    assert _stored(runs.path) == before
