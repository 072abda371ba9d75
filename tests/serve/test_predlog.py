"""The prediction and feedback logs: every row lands, backpressure, atomic files, failures."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwright.core.errors import ConfigError, SchemaError, StoreError
from mlwright.serve.predlog import (
    FeedbackLog,
    PredictionLog,
    feedback_table,
    has_rows,
    label_text,
    new_prediction_ids,
    prediction_table,
    read_labelled,
    read_log,
    write_part,
)

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
WAIT_S = 10.0  # an upper bound for things that happen at once, never a timing assertion


def scored(n: int, *, model: str = "churn", at: datetime = NOON, **kwargs: object) -> pa.Table:
    """``n`` logged predictions of a binary classifier on two input columns."""
    return prediction_table(
        {"age": list(range(n)), "plan": ["basic"] * n},
        ["yes" if i % 2 else "no" for i in range(n)],
        prediction_ids=new_prediction_ids(n),
        model_name=model,
        model_version=3,
        model_ref=f"{model}@production",
        latency_ms=1.5,
        probabilities={"no": [0.25] * n, "yes": [0.75] * n},
        timestamp=at,
        **kwargs,  # type: ignore[arg-type]
    )


class GatedWrite:
    """A part writer that holds every write until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()

    def __call__(self, table: pa.Table, path: Path) -> None:
        self.entered.set()
        assert self.gate.wait(WAIT_S)
        write_part(table, path)


def wait_until_unhealthy(log: PredictionLog) -> None:
    for _ in range(int(WAIT_S / 0.01)):
        if not log.healthy:
            return
        threading.Event().wait(0.01)
    pytest.fail("the writer did not fail")


def hidden_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".")]


def test_rows_from_many_threads_all_land_once(tmp_path: Path) -> None:
    folder = tmp_path / "predictions"
    n_threads, n_batches, n_rows = 8, 25, 7
    with PredictionLog(folder, flush_rows=50, max_queue_batches=16) as log:

        def send() -> None:
            for _ in range(n_batches):
                log.append(scored(n_rows))

        threads = [threading.Thread(target=send) for _ in range(n_threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    table = read_log(folder)
    assert table.num_rows == n_threads * n_batches * n_rows
    assert len(set(table["prediction_id"].to_pylist())) == table.num_rows
    assert log.n_rows_written == table.num_rows
    assert hidden_files(folder) == []


def test_the_logged_row_keeps_inputs_outputs_and_model(tmp_path: Path) -> None:
    folder = tmp_path / "predictions"
    rows = scored(2, warnings=[["age out of range"], []])
    with PredictionLog(folder) as log:
        log.append(rows)
    table = read_log(folder, "churn").sort_by("in_age")
    assert table["prediction_id"].to_pylist() == rows["prediction_id"].to_pylist()
    assert table["in_age"].to_pylist() == [0, 1]
    assert table["in_plan"].to_pylist() == ["basic", "basic"]
    assert table["prediction"].to_pylist() == ["no", "yes"]
    assert table["prediction_value"].to_pylist() == [None, None]
    assert table["proba_yes"].to_pylist() == [0.75, 0.75]
    assert table["model_version"].to_pylist() == [3, 3]
    assert table["model_ref"].to_pylist() == ["churn@production"] * 2
    assert table["latency_ms"].to_pylist() == [1.5, 1.5]
    assert table["warnings"].to_pylist() == [["age out of range"], []]
    assert table["timestamp"].to_pylist() == [NOON, NOON]


def test_a_full_queue_blocks_append_and_drops_nothing(tmp_path: Path) -> None:
    write = GatedWrite()
    log = PredictionLog(tmp_path, max_queue_batches=2, flush_rows=1, write=write).start()
    log.append(scored(3))
    assert write.entered.wait(WAIT_S)  # the writer holds the first batch
    log.append(scored(3))
    log.append(scored(3))  # the queue is now full
    late = threading.Thread(target=log.append, args=(scored(3),))
    late.start()
    late.join(0.2)
    assert late.is_alive(), "append returned although the queue was full"
    write.gate.set()
    late.join(WAIT_S)
    assert not late.is_alive()
    log.close()
    assert read_log(tmp_path).num_rows == 12


def test_append_async_waits_for_room_without_blocking_the_loop(tmp_path: Path) -> None:
    write = GatedWrite()
    log = PredictionLog(tmp_path, max_queue_batches=1, flush_rows=1, write=write).start()
    log.append(scored(2))
    assert write.entered.wait(WAIT_S)
    log.append(scored(2))  # full
    safety = threading.Timer(WAIT_S, write.gate.set)  # so that a blocked loop fails, not hangs
    safety.start()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            if ticks == 100:
                write.gate.set()
            await asyncio.sleep(0)

    async def main() -> int:
        ticker = asyncio.create_task(tick())
        await log.append_async(scored(2))
        ticker.cancel()
        return ticks

    try:
        assert asyncio.run(main()) >= 100
    finally:
        safety.cancel()
    log.close()
    assert read_log(tmp_path).num_rows == 6


def test_close_writes_what_was_just_appended(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path, flush_rows=10**9, flush_interval_s=3600).start()
    log.append(scored(5))
    log.append([{"prediction_id": "a1", "model_name": "churn", "timestamp": NOON}])
    assert not has_rows(tmp_path)
    log.close()
    log.close()  # a second close does nothing
    assert read_log(tmp_path).num_rows == 6
    assert not log.healthy


def test_a_reader_never_sees_a_partial_file(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path, flush_rows=1).start()
    counts: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            counts.append(read_log(tmp_path).num_rows)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(60):
            log.append(scored(4))
        log.close()
    finally:
        done.set()
        reader.join()
    assert counts == sorted(counts)
    assert all(n % 4 == 0 for n in counts)
    assert read_log(tmp_path).num_rows == 240
    assert hidden_files(tmp_path) == []


def test_rows_are_partitioned_by_model_and_utc_day(tmp_path: Path) -> None:
    late = datetime(2024, 5, 1, 23, 30, tzinfo=UTC)
    with PredictionLog(tmp_path) as log:
        log.append(scored(2, at=late))
        log.append(scored(3, at=late + timedelta(hours=1)))
        log.append(scored(4, model="fraud", at=late))
    days = {p.parent.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet")}
    assert days == {"churn/date=2024-05-01", "churn/date=2024-05-02", "fraud/date=2024-05-01"}
    assert read_log(tmp_path, "churn").num_rows == 5
    assert read_log(tmp_path, "fraud").num_rows == 4
    assert read_log(tmp_path).num_rows == 9


def test_batches_whose_types_differ_are_both_kept(tmp_path: Path) -> None:
    def row(plan: object) -> dict[str, object]:
        return {"prediction_id": str(plan), "model_name": "m", "timestamp": NOON, "in_plan": plan}

    with PredictionLog(tmp_path, flush_interval_s=3600) as log:
        log.append([row(1)])
        log.append([row("basic")])
    assert sorted(read_log(tmp_path)["in_plan"].to_pylist()) == ["1", "basic"]


def test_a_failed_writer_makes_the_log_unhealthy_and_append_raise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tmp_path.joinpath("churn").write_text("a file where the model's folder should be")
    log = PredictionLog(tmp_path, flush_rows=1).start()
    assert log.healthy
    with caplog.at_level(logging.ERROR, logger="mlwright.serve.predlog"):
        log.append(scored(2))
        wait_until_unhealthy(log)
    assert "prediction log writer" in caplog.text
    assert isinstance(log.error, OSError)
    with pytest.raises(StoreError, match=r"prediction log writer for .* failed"):
        log.append(scored(2))
    with pytest.raises(StoreError, match="failed"):
        log.close()


def test_a_writer_that_fails_releases_appenders_waiting_for_room(tmp_path: Path) -> None:
    write = GatedWrite()

    def broken(table: pa.Table, path: Path) -> None:
        write(table, path)
        raise OSError("disk full")

    log = PredictionLog(tmp_path, max_queue_batches=1, flush_rows=1, write=broken).start()
    log.append(scored(1))
    assert write.entered.wait(WAIT_S)
    log.append(scored(1))
    errors: list[Exception] = []

    def late() -> None:
        try:
            log.append(scored(1))
        except StoreError as exc:
            errors.append(exc)

    waiting = threading.Thread(target=late)
    waiting.start()
    write.gate.set()
    waiting.join(WAIT_S)
    assert not waiting.is_alive()
    assert len(errors) == 1
    assert "disk full" in str(errors[0])


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        ([{"model_name": "churn", "timestamp": NOON}], SchemaError, "lack the column"),
        ([{"prediction_id": "a", "model_name": "churn", "timestamp": "noon"}], SchemaError, "type"),
        ([{"prediction_id": "a", "model_name": "../up", "timestamp": NOON}], ConfigError, "name"),
        ([{"prediction_id": None, "model_name": "m", "timestamp": NOON}], SchemaError, "null"),
        (
            pa.table(
                {
                    "prediction_id": ["a"],
                    "model_name": ["m"],
                    "timestamp": pa.nulls(1, pa.timestamp("us")),
                }
            ),
            SchemaError,
            "nulls in timestamp",
        ),
    ],
)
def test_unusable_rows_are_refused_at_append(
    tmp_path: Path, rows: list[dict[str, object]] | pa.Table, error: type[Exception], match: str
) -> None:
    with PredictionLog(tmp_path) as log, pytest.raises(error, match=match):
        log.append(rows)


@pytest.mark.parametrize(
    "limits",
    [{"max_queue_batches": 0}, {"flush_rows": 0}, {"flush_interval_s": 0.0}],
)
def test_limits_that_would_unbound_the_queue_are_refused(
    tmp_path: Path, limits: dict[str, float]
) -> None:
    with pytest.raises(ConfigError, match="max_queue_batches >= 1"):
        PredictionLog(tmp_path, **limits)  # type: ignore[arg-type]


def test_append_needs_a_started_open_log(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path)
    with pytest.raises(StoreError, match="not started"):
        log.append(scored(1))
    log.start().close()
    with pytest.raises(StoreError, match="closed"):
        log.append(scored(1))


def test_feedback_joins_the_latest_actual_onto_its_prediction(tmp_path: Path) -> None:
    predictions, feedback = tmp_path / "predictions", tmp_path / "feedback"
    rows = prediction_table(
        {"x": [1.0, 2.0, 3.0]},
        np.array([1, 0, 1]),
        prediction_ids=["p1", "p2", "p3"],
        model_name="churn",
        model_version=None,
        model_ref="churn.mlw",
        latency_ms=1.0,
    )
    assert read_labelled(predictions, feedback).num_rows == 0
    later = NOON + timedelta(minutes=5)
    with PredictionLog(predictions) as log, FeedbackLog(feedback) as outcomes:
        log.append(rows)
        outcomes.append(
            feedback_table(["p1", "p2"], [0.0, True], model_name="churn", timestamp=NOON)
        )
        outcomes.append(feedback_table(["p1", "nope"], [1, 1], model_name="churn", timestamp=later))
    joined = read_labelled(predictions, feedback, "churn").sort_by("prediction_id")
    assert joined["prediction_id"].to_pylist() == ["p1", "p2"]
    assert joined["prediction"].to_pylist() == ["1", "0"]
    assert joined["actual"].to_pylist() == ["1", "true"]
    assert joined["actual_value"].to_pylist() == [1.0, None]
    assert joined["feedback_timestamp"].to_pylist() == [later, NOON]


def test_feedback_needs_an_actual(tmp_path: Path) -> None:
    with FeedbackLog(tmp_path) as log, pytest.raises(SchemaError, match="actual"):
        log.append([{"prediction_id": "p1", "model_name": "churn", "timestamp": NOON}])


@given(st.integers(-(2**53), 2**53))
def test_a_whole_number_reads_the_same_however_it_arrives(value: int) -> None:
    assert label_text(value) == label_text(float(value)) == label_text(np.int64(value))


def test_label_text_of_booleans_and_text() -> None:
    assert [label_text(v) for v in (True, np.bool_(False), "Yes", 2.5, None)] == [
        "true",
        "false",
        "Yes",
        "2.5",
        None,
    ]


cells = st.one_of(st.none(), st.integers(-(10**6), 10**6))
texts = st.one_of(st.none(), st.text(max_size=8))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(cells, texts), min_size=1, max_size=30), st.integers(1, 7))
def test_inputs_round_trip_through_the_log(rows: list[tuple[int | None, str | None]], flush: int):
    inputs = {"n": [r[0] for r in rows], "s": [r[1] for r in rows]}
    ids = new_prediction_ids(len(rows))
    table = prediction_table(
        pa.table({"n": pa.array(inputs["n"], pa.int64()), "s": pa.array(inputs["s"], pa.string())}),
        [0.5] * len(rows),
        prediction_ids=ids,
        model_name="reg",
        model_version=1,
        model_ref="reg:1",
        latency_ms=0.1,
    )
    with tempfile.TemporaryDirectory() as folder:
        with PredictionLog(Path(folder), flush_rows=flush) as log:
            for start in range(0, len(rows), 3):
                log.append(table.slice(start, 3))
        back = read_log(Path(folder))
    values = zip(back["in_n"].to_pylist(), back["in_s"].to_pylist(), strict=True)
    by_id = dict(zip(back["prediction_id"].to_pylist(), values, strict=True))
    assert [by_id[i] for i in ids] == rows
    assert back["prediction_value"].to_pylist() == [0.5] * len(rows)
