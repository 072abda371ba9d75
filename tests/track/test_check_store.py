"""The monitoring history contract of the store, run on the embedded SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import sqlalchemy as sa

from mlwright.core.errors import ConfigError
from mlwright.track.entities import CheckKind, NewCheck
from mlwright.track.sql import migrate
from mlwright.track.sql.engine import make_engine
from mlwright.track.sql.store import SqlMetadataStore
from tests.track.test_model_store import new_version

if TYPE_CHECKING:
    from mlwright.track.store import MetadataStore

SUMMARY: dict[str, Any] = {
    "n_rows": 1200,
    "share_drifted": 0.25,
    "features": [
        {"name": "age", "psi": 0.31, "drifted": True},
        {"name": "plan", "psi": 0.02, "drifted": False, "top": ["basic", "pro"]},
    ],
    "reference": {"dataset": "customers:3", "window": None},
}


def new_check(
    model: str = "churn",
    kind: str = "drift",
    status: str = "healthy",
    *,
    version: int | None = 1,
    summary: dict[str, Any] | None = None,
) -> NewCheck:
    return NewCheck(
        kind=kind,
        model_name=model,
        model_version=version,
        status=status,
        summary=SUMMARY if summary is None else summary,
        created_by="tester@host",
    )


# --- add and list ----------------------------------------------------------------------------


def test_a_check_round_trips(store: MetadataStore) -> None:
    added = store.add_check(new_check(status="drift"))
    assert store.list_checks() == [added]
    assert (added.kind, added.model_name, added.model_version, added.status) == (
        "drift",
        "churn",
        1,
        "drift",
    )
    assert added.summary == SUMMARY
    assert added.created_by == "tester@host"
    assert added.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - added.created_at).total_seconds()) < 60


def test_ids_grow_and_the_list_is_newest_first(store: MetadataStore) -> None:
    added = [store.add_check(new_check(status=s)) for s in ("healthy", "drift", "degraded")]
    ids = [c.id for c in added]
    assert ids == sorted(set(ids))
    assert store.list_checks() == added[::-1]


def test_a_check_without_a_version_or_author(store: MetadataStore) -> None:
    new = NewCheck(
        kind="retrain", model_name="churn", model_version=None, status="kept", summary={}
    )
    added = store.add_check(new)
    assert (added.model_version, added.created_by, added.summary) == (None, None, {})
    assert store.list_checks("churn") == [added]


def test_numpy_numbers_and_nan_are_kept_as_plain_json(store: MetadataStore) -> None:
    summary = {"psi": np.float64(0.5), "n": np.int64(3), "p_value": float("nan")}
    added = store.add_check(new_check(summary=summary))
    assert added.summary == {"psi": 0.5, "n": 3, "p_value": None}
    assert store.list_checks()[0].summary == added.summary


def test_the_kind_enum_is_accepted(store: MetadataStore) -> None:
    added = store.add_check(new_check(kind=CheckKind.RETRAIN, status="promoted"))
    assert added.kind == "retrain"
    assert store.list_checks(kind=CheckKind.RETRAIN) == [added]


def test_filters_by_model_and_kind(store: MetadataStore) -> None:
    churn_drift = store.add_check(new_check("churn", "drift"))
    fraud_drift = store.add_check(new_check("fraud", "drift", "drift"))
    churn_retrain = store.add_check(new_check("churn", "retrain", "promoted", version=2))
    assert store.list_checks("churn") == [churn_retrain, churn_drift]
    assert store.list_checks(kind="drift") == [fraud_drift, churn_drift]
    assert store.list_checks("churn", kind="retrain") == [churn_retrain]
    assert store.list_checks("fraud", kind="retrain") == []
    assert store.list_checks("unknown") == []


def test_limit_keeps_the_newest(store: MetadataStore) -> None:
    added = [store.add_check(new_check(version=v)) for v in range(1, 6)]
    store.add_check(new_check("fraud"))
    assert store.list_checks("churn", limit=2) == [added[4], added[3]]
    assert len(store.list_checks(limit=10)) == 6
    assert store.list_checks(limit=0) == []


def test_a_negative_limit_is_refused(store: MetadataStore) -> None:
    with pytest.raises(ConfigError, match="limit must be 0 or more; got -1"):
        store.list_checks(limit=-1)


def test_an_empty_store_lists_no_checks(store: MetadataStore) -> None:
    assert store.list_checks() == []


# --- refused values --------------------------------------------------------------------------


def test_an_unknown_kind_is_refused_and_nothing_is_written(store: MetadataStore) -> None:
    with pytest.raises(ConfigError, match="check kind 'drfit' is not one of: drift, retrain") as e:
        store.add_check(new_check(kind="drfit"))
    assert e.value.fields == {"value": "drfit", "valid": ["drift", "retrain"]}
    assert e.value.hint is not None
    assert store.list_checks() == []


def test_an_unknown_kind_filter_is_refused(store: MetadataStore) -> None:
    store.add_check(new_check())
    with pytest.raises(ConfigError, match="check kind 'Drift' is not one of"):
        store.list_checks(kind="Drift")


@pytest.mark.parametrize("status", ["", "s" * 17])
def test_a_status_the_column_cannot_hold_is_refused(store: MetadataStore, status: str) -> None:
    with pytest.raises(ConfigError, match="must be 1 to 16 characters long"):
        store.add_check(new_check(status=status))
    assert store.list_checks() == []


# --- delete ----------------------------------------------------------------------------------


def test_delete_removes_every_check_of_one_model(store: MetadataStore) -> None:
    store.add_check(new_check("churn", "drift"))
    store.add_check(new_check("churn", "retrain", "kept"))
    kept = store.add_check(new_check("fraud"))
    assert store.delete_checks("churn") == 2
    assert store.list_checks() == [kept]
    assert store.delete_checks("churn") == 0
    assert store.delete_checks("unknown") == 0
    assert store.add_check(new_check("churn")).id > kept.id


# --- migration -------------------------------------------------------------------------------


def test_a_store_at_revision_0004_upgrades_and_records_checks(store_uri: str) -> None:
    engine = make_engine(store_uri)
    assert migrate.upgrade(engine, "0004") == "0004"
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert "model_versions" in tables
    assert "monitor_checks" not in tables
    with engine.begin() as conn:  # data written by the mlwright of revision 0004
        conn.execute(sa.text("INSERT INTO model_names (name, last_version) VALUES ('churn', 1)"))
        conn.execute(
            sa.text(
                "INSERT INTO model_versions (name, version, run_id, package_key, task_type, "
                "target, metrics_json, dataset_name, dataset_version, dataset_fingerprint, "
                "created_at) VALUES ('churn', 1, 'r1', :key, 'binary', 'churned', '{}', "
                "'customers', 3, :fp, :at)"
            ),
            {"key": "p" * 64, "fp": "f" * 64, "at": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    engine.dispose()

    store = SqlMetadataStore(store_uri)
    try:
        assert store.schema_revision() == migrate.HEAD_REVISION
        assert store.get_model_version("churn").run_id == "r1"  # the data of 0004 is there
        assert store.list_checks() == []
        added = store.add_check(new_check("churn"))
        assert store.add_model_version(new_version("churn")).version == 2
    finally:
        store.close()
    reopened = SqlMetadataStore(store_uri)
    try:
        assert reopened.list_checks("churn") == [added]
    finally:
        reopened.close()
