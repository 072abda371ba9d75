"""The run store contract, run on the embedded SQLite store and on a real PostgreSQL."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from mlwright.core.errors import ConfigError, RunNotFoundError
from mlwright.core.types import TrialReport
from mlwright.track.entities import NewRun
from mlwright.track.sql import runs as sql_runs
from tests.track.test_sql_store import new_dataset

if TYPE_CHECKING:
    from mlwright.track.store import MetadataStore


def new_run(dataset: str = "churn", version: int = 1, target: str = "churned") -> NewRun:
    return NewRun(
        dataset_name=dataset,
        dataset_version=version,
        dataset_fingerprint="f" * 64,
        target=target,
        config={"target": target, "time_budget_s": 5.0, "families": ["linear"]},
        lineage={"seed": 0, "libraries": {"numpy": "2.0"}},
        created_by="tester@host",
    )


def trial(number: int, *, status: str = "ok", family: str = "lightgbm") -> TrialReport:
    done = status == "ok"
    return TrialReport(
        number=number,
        family=family,
        params={"learning_rate": 0.1 * number, "num_leaves": 31},
        phase="default" if number == 1 else "tune",
        status=status,
        fold_scores=(0.8, 0.9) if done else (),
        mean=0.85 if done else None,
        std=0.07 if done else None,
        fit_time_s=0.25,
        predict_ms_per_1k=1.5 if done else None,
        message="" if done else "would not fit in the time budget left",
    )


RESULT: dict[str, Any] = {
    "greater_is_better": True,
    "cv_score": {"mean": 0.85, "std": 0.07},
    "test_metrics": [{"name": "roc_auc", "value": 0.8, "low": 0.7, "high": 0.9}],
}


@pytest.fixture
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make ``create_run`` hand out these ids, in order (append to the list to add more)."""
    ids: list[str] = []

    def uuid4() -> SimpleNamespace:
        return SimpleNamespace(hex=ids.pop(0).ljust(32, "0"))

    monkeypatch.setattr(sql_runs, "uuid", SimpleNamespace(uuid4=uuid4))
    return ids


# --- create, record, finish ------------------------------------------------------------------


def test_a_new_run_is_running_with_a_12_character_id(store: MetadataStore) -> None:
    run = store.create_run(new_run())
    assert re.fullmatch(r"[0-9a-f]{12}", run.id)
    assert run.status == "running"
    assert (run.dataset_ref, run.target, run.created_by) == ("churn:1", "churned", "tester@host")
    assert run.config["families"] == ["linear"]
    assert run.lineage["libraries"] == {"numpy": "2.0"}
    assert (run.task_type, run.metric, run.model_key, run.error, run.finished_at) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert run.result == {}
    assert (run.trials, run.notes) == ((), ())
    assert run.started_at.tzinfo is not None
    assert store.get_run(run.id) == run


def test_ids_differ_between_runs(store: MetadataStore) -> None:
    assert len({store.create_run(new_run()).id for _ in range(5)}) == 5


def test_trials_and_notes_come_back_in_order(store: MetadataStore) -> None:
    run = store.create_run(new_run())
    store.add_note(run.id, "plan: families lightgbm, linear")
    for number in (1, 2):
        store.add_trial(run.id, trial(number))
    store.add_note(run.id, "column 'id' is not used: it is identifier")
    store.add_trial(run.id, trial(3, status="skipped", family="linear"))
    got = store.get_run(run.id)
    assert [t.number for t in got.trials] == [1, 2, 3]
    assert got.notes == (
        "plan: families lightgbm, linear",
        "column 'id' is not used: it is identifier",
    )
    first, _, skipped = got.trials
    assert (first.family, first.phase, first.status) == ("lightgbm", "default", "ok")
    assert first.params == {"learning_rate": 0.1, "num_leaves": 31}
    assert first.fold_scores == (0.8, 0.9)
    assert (first.mean, first.std, first.fit_time_s, first.predict_ms_per_1k) == (
        0.85,
        0.07,
        0.25,
        1.5,
    )
    assert (skipped.family, skipped.status, skipped.fold_scores) == ("linear", "skipped", ())
    assert (skipped.mean, skipped.std, skipped.predict_ms_per_1k) == (None, None, None)
    assert skipped.message == "would not fit in the time budget left"


def test_numpy_parameters_are_stored_as_plain_numbers(store: MetadataStore) -> None:
    np = pytest.importorskip("numpy")
    run = store.create_run(new_run())
    params = {"n_estimators": np.int64(200), "alpha": np.float32(0.5), "on": np.bool_(True)}
    store.add_trial(run.id, TrialReport(1, "linear", params, "tune", "ok", (0.5,), 0.5, 0.0))
    assert store.get_run(run.id).trials[0].params == {
        "n_estimators": 200,
        "alpha": 0.5,
        "on": True,
    }


def test_finish_with_the_result_and_the_model(store: MetadataStore) -> None:
    run = store.create_run(new_run())
    store.add_trial(run.id, trial(1))
    finished = store.finish_run(
        run.id,
        status="finished",
        task_type="binary",
        metric="roc_auc",
        result=RESULT,
        model_key="m" * 64,
    )
    assert finished.status == "finished"
    assert (finished.task_type, finished.metric) == ("binary", "roc_auc")
    assert finished.result == RESULT
    assert finished.model_key == "m" * 64
    assert finished.error is None
    assert finished.finished_at is not None
    assert finished.finished_at >= finished.started_at
    assert [t.number for t in finished.trials] == [1], "finishing keeps the trials"
    assert store.get_run(run.id) == finished


def test_fail_with_the_error(store: MetadataStore) -> None:
    run = store.create_run(new_run())
    store.add_trial(run.id, trial(1))
    store.add_note(run.id, "plan: families lightgbm")
    failed = store.finish_run(run.id, status="failed", error="KeyboardInterrupt")
    assert failed.status == "failed"
    assert failed.error == "KeyboardInterrupt"
    assert failed.model_key is None
    assert failed.finished_at is not None
    assert len(failed.trials) == 1
    assert failed.notes == ("plan: families lightgbm",)


def test_finishing_an_unknown_run_raises(store: MetadataStore) -> None:
    with pytest.raises(RunNotFoundError):
        store.finish_run("0123456789ab", status="failed", error="x")


# --- get by id or prefix ---------------------------------------------------------------------


def test_get_by_full_id_and_by_unique_prefix(store: MetadataStore) -> None:
    run = store.create_run(new_run())
    store.create_run(new_run())
    store.add_note(run.id, "found by its prefix")
    for ref in (run.id, run.id[:4], run.id[:8]):
        got = store.get_run(ref)
        assert got.id == run.id
        assert got.notes == ("found by its prefix",)


def test_a_prefix_under_4_characters_is_refused(store: MetadataStore) -> None:
    run = store.create_run(new_run())
    with pytest.raises(ConfigError, match="too short") as info:
        store.get_run(run.id[:3])
    assert info.value.hint is not None
    assert "4 characters" in info.value.hint


def test_an_ambiguous_prefix_is_refused(store: MetadataStore, fixed_ids: list[str]) -> None:
    fixed_ids += ["abcd1111", "abcd2222"]
    first, second = store.create_run(new_run()), store.create_run(new_run())
    assert (first.id, second.id) == ("abcd11110000", "abcd22220000")
    with pytest.raises(ConfigError, match="'abcd' matches several runs"):
        store.get_run("abcd")
    assert store.get_run("abcd1").id == first.id
    assert store.get_run("abcd2").id == second.id


def test_an_unknown_id_says_how_to_list_runs(store: MetadataStore) -> None:
    store.create_run(new_run())
    with pytest.raises(RunNotFoundError, match="no run 'ffffffffffff'") as info:
        store.get_run("ffffffffffff")
    assert info.value.hint == "list runs with: mlwright runs list"
    with pytest.raises(RunNotFoundError):
        store.delete_run("ffffffffffff")


def test_like_wildcards_in_a_prefix_match_nothing(
    store: MetadataStore, fixed_ids: list[str]
) -> None:
    fixed_ids.append("ab_d1111")  # not hex, but any stored id must be matched literally
    store.create_run(new_run())
    assert store.get_run("ab_d").id == "ab_d11110000"
    with pytest.raises(RunNotFoundError):
        store.get_run("ab%d")
    with pytest.raises(RunNotFoundError):
        store.get_run("a___")


# --- list ------------------------------------------------------------------------------------


def test_list_is_newest_first_and_filters_by_dataset_name(store: MetadataStore) -> None:
    first = store.create_run(new_run("churn"))
    second = store.create_run(new_run("prices", target="price"))
    third = store.create_run(new_run("churn", version=2))
    store.add_trial(third.id, trial(1))
    store.add_note(third.id, "a note")
    assert [r.id for r in store.list_runs()] == [third.id, second.id, first.id]
    assert [r.id for r in store.list_runs("churn")] == [third.id, first.id]
    assert [r.id for r in store.list_runs("prices")] == [second.id]
    assert store.list_runs("missing") == []
    listed = store.list_runs("churn")[0]
    assert (listed.trials, listed.notes) == ((), ()), "lists leave out trials and notes"
    assert listed.dataset_ref == "churn:2"


def test_an_empty_store_lists_no_runs(store: MetadataStore) -> None:
    assert store.list_runs() == []
    assert store.count_runs() == 0


def test_runs_are_read_a_page_at_a_time_newest_first(store: MetadataStore) -> None:
    for dataset in ("churn", "churn", "other", "churn", "other"):
        store.create_run(new_run(dataset))
    every = [r.id for r in store.list_runs()]
    assert [r.id for r in store.list_runs(limit=2)] == every[:2]
    assert [r.id for r in store.list_runs(limit=2, offset=2)] == every[2:4]
    assert [r.id for r in store.list_runs(offset=4)] == every[4:]
    assert store.list_runs(limit=3, offset=10) == []
    churn = [r.id for r in store.list_runs("churn")]
    assert [r.id for r in store.list_runs("churn", limit=1, offset=1)] == churn[1:2]
    assert (store.count_runs(), store.count_runs("churn"), store.count_runs("none")) == (5, 3, 0)
    store.create_run(new_run("churn", version=2))
    second = store.list_runs("churn", dataset_version=2)
    assert [r.dataset_ref for r in second] == ["churn:2"]
    assert len(store.list_runs("churn", dataset_version=1, limit=10)) == 3


# --- delete, artifacts -----------------------------------------------------------------------


def test_delete_removes_the_run_with_its_trials_and_notes(store: MetadataStore) -> None:
    doomed = store.create_run(new_run())
    kept = store.create_run(new_run())
    for run_id in (doomed.id, kept.id):
        store.add_trial(run_id, trial(1))
        store.add_trial(run_id, trial(2))
        store.add_note(run_id, f"note of {run_id}")
    deleted = store.delete_run(doomed.id[:6])
    assert deleted.id == doomed.id
    assert [t.number for t in deleted.trials] == [1, 2], "returns what went"
    assert deleted.notes == (f"note of {doomed.id}",)
    with pytest.raises(RunNotFoundError):
        store.get_run(doomed.id)
    assert [r.id for r in store.list_runs()] == [kept.id]
    survivor = store.get_run(kept.id)
    assert ([t.number for t in survivor.trials], survivor.notes) == (
        [1, 2],
        (f"note of {kept.id}",),
    )


def test_deleted_ids_leave_no_orphan_rows(store: MetadataStore, fixed_ids: list[str]) -> None:
    """A later run that gets the same id starts with no trials or notes of the old one."""
    fixed_ids += ["cafe0001", "cafe0001"]
    old = store.create_run(new_run())
    store.add_trial(old.id, trial(1))
    store.add_note(old.id, "old note")
    store.delete_run(old.id)
    reborn = store.create_run(new_run())
    assert reborn.id == old.id
    got = store.get_run(reborn.id)
    assert (got.trials, got.notes) == ((), ())


def test_a_finished_run_references_its_model(store: MetadataStore) -> None:
    run = store.create_run(new_run())
    assert not store.is_artifact_referenced("m" * 64)
    store.finish_run(run.id, status="finished", result=RESULT, model_key="m" * 64)
    assert store.is_artifact_referenced("m" * 64)
    assert not store.is_artifact_referenced("n" * 64)
    store.delete_run(run.id)
    assert not store.is_artifact_referenced("m" * 64)


def test_a_model_shared_with_a_dataset_stays_referenced(store: MetadataStore) -> None:
    store.add_dataset(new_dataset(key="k" * 64))
    run = store.create_run(new_run())
    store.finish_run(run.id, status="finished", result=RESULT, model_key="k" * 64)
    store.delete_run(run.id)
    assert store.is_artifact_referenced("k" * 64)


@pytest.mark.parametrize(
    "store_uri",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
    indirect=True,
)
def test_a_nan_score_is_recorded_on_every_store(store: MetadataStore) -> None:
    nan = float("nan")
    run = store.create_run(new_run())
    store.add_trial(run.id, TrialReport(1, "linear", {}, "default", "failed", (nan, 0.5)))
    store.finish_run(run.id, status="finished", result={"cv_score": {"mean": 0.5, "std": nan}})
    got = store.get_run(run.id)
    assert got.trials[0].fold_scores == (None, 0.5)  # NaN is stored as null everywhere
    assert got.result["cv_score"]["std"] is None
    assert got.status == "finished"
