"""Processes registering one model name at once: every version lands, numbered 1..N once each."""

from __future__ import annotations

import itertools
import sys
import textwrap
import time
from collections import Counter

from mlwright.track.store import open_store
from tests.track.test_concurrency import run_together
from tests.track.test_model_store import new_version

N_PROCESSES = 6
N_REGISTRATIONS_EACH = 5
N_MOVES_EACH = 5

REGISTRAR = textwrap.dedent(
    """
    import sys, time
    from mlwright.track.entities import NewModelVersion
    from mlwright.track.store import open_store
    uri, start, worker, n = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    store = open_store(uri)
    time.sleep(max(0.0, start - time.time()))  # start together, to collide
    for i in range(n):
        store.add_model_version(NewModelVersion(
            name="shared", run_id=f"{worker}-{i}", package_key=f"{worker}-{i}".ljust(64, "0"),
            task_type="binary", target="y", metrics={"worker": worker, "i": i},
            dataset_name="data", dataset_version=1, dataset_fingerprint="f" * 64,
            created_by=worker,
        ))
    store.close()
    """
)

MOVER = textwrap.dedent(
    """
    import sys, time
    from mlwright.track.store import open_store
    uri, start, worker, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    store = open_store(uri)
    time.sleep(max(0.0, start - time.time()))
    for i in range(n):
        store.set_alias("shared", "production", 1 + (worker + i) % 3, moved_by=f"w{worker}")
    store.close()
    """
)


def test_processes_registering_one_name(store_uri: str) -> None:
    # The store is created first, so that the processes race on registrations (the schema
    # upgrade on open racing is covered by test_concurrency).
    open_store(store_uri).close()
    start = time.time() + 2.0
    commands = [
        [sys.executable, "-c", REGISTRAR, store_uri, str(start), f"w{k}", str(N_REGISTRATIONS_EACH)]
        for k in range(N_PROCESSES)
    ]
    assert run_together(commands) == []
    store = open_store(store_uri)
    try:
        records = store.list_model_versions("shared")
    finally:
        store.close()
    total = N_PROCESSES * N_REGISTRATIONS_EACH
    assert [r.version for r in records] == list(range(1, total + 1))
    # Each registration is there once, with its own payload: none lost, none doubled.
    assert sorted(r.run_id for r in records) == sorted(
        f"w{k}-{i}" for k in range(N_PROCESSES) for i in range(N_REGISTRATIONS_EACH)
    )
    assert Counter(r.created_by for r in records) == {
        f"w{k}": N_REGISTRATIONS_EACH for k in range(N_PROCESSES)
    }
    # A worker's own registrations got increasing numbers, in the order it made them.
    for k in range(N_PROCESSES):
        mine = [r for r in records if r.created_by == f"w{k}"]
        assert [r.metrics["i"] for r in mine] == list(range(N_REGISTRATIONS_EACH))


def test_processes_moving_one_alias_keep_an_unbroken_history(store_uri: str) -> None:
    store = open_store(store_uri)
    for _ in range(3):
        store.add_model_version(new_version("shared"))
    store.close()
    start = time.time() + 2.0
    commands = [
        [sys.executable, "-c", MOVER, store_uri, str(start), str(k), str(N_MOVES_EACH)]
        for k in range(N_PROCESSES)
    ]
    assert run_together(commands) == []
    store = open_store(store_uri)
    try:
        history = store.alias_history("shared")
        now = store.get_model_version("shared", alias="production")
    finally:
        store.close()
    assert len(history) == N_PROCESSES * N_MOVES_EACH
    # Every move saw the one before it: the history is a chain with no lost update.
    assert history[0].previous is None
    for before, after in itertools.pairwise(history):
        assert after.previous == before.version
    assert now.version == history[-1].version
    assert Counter(e.moved_by for e in history) == {
        f"w{k}": N_MOVES_EACH for k in range(N_PROCESSES)
    }
