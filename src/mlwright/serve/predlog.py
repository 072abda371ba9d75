"""A model server's prediction and feedback logs: partitioned Parquet, written in the background.

Layout, under a workspace (``Workspace.path``)::

    predictions/<model_name>/date=YYYY-MM-DD/part-<UTC time>-<uuid>.parquet
    feedback/<model_name>/date=YYYY-MM-DD/part-<UTC time>-<uuid>.parquet

The date is the UTC day of each row's ``timestamp``. A part file is written to a hidden
``.part-….parquet.tmp`` in its folder and renamed when complete, so a reader globbing
``*.parquet`` never sees half a file. Files are only ever added, never rewritten.

A prediction row (see :func:`prediction_table`): ``prediction_id`` (uuid4 hex), ``model_name``,
``model_version`` (null for a package file), ``model_ref``, ``timestamp`` (UTC), ``latency_ms``
(of the whole request), ``prediction`` (the label or value as text, see :func:`label_text`),
``prediction_value`` (the value as a float when it is a number), ``proba_<class>`` per class of
a classifier, ``warnings`` (the row's guardrail findings as codes ``reason:column``, or
``reason`` for the whole row; see :func:`warning_code`), then the inputs as typed columns
``in_<column>``.
The inputs are kept as their own columns rather than one JSON column so that the monitor
reads them column by column, typed, with Parquet statistics, and DuckDB's
``union_by_name`` lines up files whose columns differ (a new model version), filling null.
A feedback row (see :func:`feedback_table`): ``prediction_id``, ``model_name``, ``timestamp``,
``actual`` (text, as :func:`label_text` writes labels) and ``actual_value`` (float or null).

:class:`PredictionLog` and :class:`FeedbackLog` take Arrow tables (or lists of row dicts)
through ``append``, which puts them on a bounded queue and blocks while it is full
(backpressure: nothing is dropped); ``append_async`` waits the same way without blocking the
event loop (it re-checks after 1 ms, doubling to 50 ms, rather than holding a worker thread).
A naive ``timestamp`` is taken as UTC. One writer thread groups queued batches and writes a
part file per model and day whenever ``flush_rows`` rows are buffered or ``flush_interval_s``
has passed since the oldest one arrived. ``close`` writes everything appended before it.
When the writer fails, the error is logged and kept, ``healthy`` turns False, and every later
``append`` raises ``StoreError``.

:func:`log_sql` and :func:`labelled_sql` give the DuckDB table expressions the monitor queries;
:func:`read_log` and :func:`read_labelled` run them into Arrow tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import queue
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from mlwright.core.errors import ConfigError, SchemaError, StoreError
from mlwright.data.dataset import check_name
from mlwright.data.duck import literal

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    import pyarrow as pa

logger = logging.getLogger(__name__)

PREDICTIONS_DIR = "predictions"
FEEDBACK_DIR = "feedback"
INPUT_PREFIX = "in_"
PROBA_PREFIX = "proba_"
# An async appender facing a full queue re-checks after this long, doubling up to the cap.
_FIRST_WAIT_S = 0.001
_MAX_WAIT_S = 0.05
_STOP = object()
# What append takes: a table, row dicts, or a function the writer calls to get either.
Batch = Any


def new_prediction_ids(n: int) -> list[str]:
    """``n`` fresh prediction ids: 128 random bits each, as 32 hex digits (like a uuid4's).

    One call to the system's random source for all of them, not one per id.
    """
    digits = os.urandom(16 * n).hex()
    return [digits[i : i + 32] for i in range(0, 32 * n, 32)]


def label_text(value: Any) -> str | None:
    """A label as text, the same for a prediction and for feedback about it.

    Booleans are ``true``/``false`` and whole floats lose their ``.0``, so a class ``1``
    matches feedback that JSON delivered as ``1.0``.
    """
    if hasattr(value, "item"):  # NumPy scalars
        value = value.item()
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float | None:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def warning_code(warning: Mapping[str, Any]) -> str:
    """How a guardrail warning (``mlwright.registry.contract``) is kept in the log.

    ``reason:column``, or ``reason`` for a warning about the whole row.
    """
    column = warning.get("column")
    return f"{warning['reason']}:{column}" if column else str(warning["reason"])


def prediction_table(
    inputs: Any,
    predictions: Sequence[Any],
    *,
    prediction_ids: Sequence[str],
    model_name: str,
    model_version: int | None,
    model_ref: str,
    latency_ms: float,
    probabilities: Mapping[Any, Sequence[float]] | None = None,
    warnings: Sequence[Sequence[str]] | None = None,
    timestamp: datetime | None = None,
) -> pa.Table:
    """The prediction-log rows of one scored request.

    Parameters
    ----------
    inputs
        The rows as received: a pandas or Polars frame, an Arrow table, or a mapping of
        column name to values. Each column is stored as ``in_<name>``.
    predictions
        One label or value per row.
    probabilities
        Class label to one probability per row, for a classifier.
    warnings
        One list of warning codes (:func:`warning_code`) per row; none by default.
    timestamp
        When the request was scored; now by default.
    """
    import pyarrow as pa

    from mlwright.data.source import frame_to_arrow

    n = len(predictions)
    given = pa.table(dict(inputs)) if isinstance(inputs, Mapping) else frame_to_arrow(inputs)
    columns: dict[str, Any] = {
        "prediction_id": pa.array(prediction_ids, pa.string()),
        "model_name": pa.array([model_name] * n, pa.string()),
        "model_version": pa.array([model_version] * n, pa.int64()),
        "model_ref": pa.array([model_ref] * n, pa.string()),
        "timestamp": pa.array([timestamp or datetime.now(UTC)] * n, pa.timestamp("us", "UTC")),
        "latency_ms": pa.array([latency_ms] * n, pa.float64()),
        "prediction": pa.array([label_text(p) for p in predictions], pa.string()),
        "prediction_value": pa.array([_number(p) for p in predictions], pa.float64()),
    }
    for label, values in (probabilities or {}).items():
        columns[f"{PROBA_PREFIX}{label_text(label)}"] = pa.array(values, pa.float64())
    rows_warnings = warnings if warnings is not None else [[] for _ in range(n)]
    columns["warnings"] = pa.array(rows_warnings, pa.list_(pa.string()))
    for name, column in zip(given.column_names, given.columns, strict=True):
        columns[f"{INPUT_PREFIX}{name}"] = column
    return pa.table(columns)


def feedback_table(
    prediction_ids: Sequence[str],
    actuals: Sequence[Any],
    *,
    model_name: str,
    timestamp: datetime | None = None,
) -> pa.Table:
    """The feedback-log rows for outcomes of earlier predictions, by prediction id."""
    import pyarrow as pa

    n = len(prediction_ids)
    return pa.table(
        {
            "prediction_id": pa.array(prediction_ids, pa.string()),
            "model_name": pa.array([model_name] * n, pa.string()),
            "timestamp": pa.array([timestamp or datetime.now(UTC)] * n, pa.timestamp("us", "UTC")),
            "actual": pa.array([label_text(a) for a in actuals], pa.string()),
            "actual_value": pa.array([_number(a) for a in actuals], pa.float64()),
        }
    )


def write_part(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` through a hidden temporary file renamed into place."""
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


class _ParquetLog:
    """An append-only partitioned Parquet log with a bounded queue and one writer thread."""

    required: ClassVar[tuple[str, ...]] = ("prediction_id", "model_name", "timestamp")
    kind: ClassVar[str] = "log"

    def __init__(
        self,
        folder: Path,
        *,
        max_queue_batches: int = 1024,
        flush_rows: int = 10_000,
        flush_interval_s: float = 1.0,
        write: Callable[[pa.Table, Path], None] = write_part,
    ) -> None:
        if max_queue_batches < 1 or flush_rows < 1 or not flush_interval_s > 0:
            # queue.Queue(maxsize=0) is unbounded: it would silently drop the backpressure.
            msg = (
                f"a {self.kind} needs max_queue_batches >= 1, flush_rows >= 1 and "
                f"flush_interval_s > 0; got {max_queue_batches}, {flush_rows}, {flush_interval_s}"
            )
            raise ConfigError(msg, hint="leave them at their defaults unless measured")
        self.folder = folder
        self.max_queue_batches = max_queue_batches
        self.flush_rows = flush_rows
        self.flush_interval_s = flush_interval_s
        self.write = write
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue_batches)
        self._space = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._error: BaseException | None = None
        self._n_rows_written = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.folder)!r})"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def healthy(self) -> bool:
        """Whether the writer is running and has not failed."""
        return self._thread is not None and self._thread.is_alive() and self._error is None

    @property
    def error(self) -> BaseException | None:
        """What stopped the writer, if it failed."""
        return self._error

    @property
    def n_rows_written(self) -> int:
        """Rows in the part files this log has written."""
        return self._n_rows_written

    def start(self) -> Self:
        """Start the writer thread; a log accepts rows only once started."""
        if self._thread is None:
            name = f"mlwright-{self.kind}-writer"
            # A daemon, so that a log nobody closed cannot hang the interpreter's exit.
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
            self._thread.start()
        return self

    def append(self, batch: Batch) -> None:
        """Queue rows for writing, blocking while the queue is full.

        ``batch`` is a table, a list of row dicts, or a function returning either, which the
        writer thread calls (so that building the table costs the caller nothing; its
        mistakes then stop the writer rather than raise here).

        Raises
        ------
        SchemaError
            The rows lack a required column or have an unusable model name or timestamp.
        StoreError
            The log is not started, is closed, or its writer has failed.
        """
        table = batch if callable(batch) else self._checked(batch)
        if not callable(table) and table.num_rows == 0:
            return
        with self._space:
            while not self._offer(table):
                self._space.wait(_MAX_WAIT_S)

    async def append_async(self, batch: Batch) -> None:
        """Like :meth:`append`, but wait for room without blocking the asyncio event loop."""
        table = batch if callable(batch) else self._checked(batch)
        if not callable(table) and table.num_rows == 0:
            return
        wait_s = _FIRST_WAIT_S
        while True:
            with self._space:
                if self._offer(table):
                    return
            await asyncio.sleep(wait_s)
            wait_s = min(2 * wait_s, _MAX_WAIT_S)

    def close(self, timeout_s: float = 30.0) -> None:
        """Write every row appended so far and stop the writer; later calls do nothing.

        Raises
        ------
        StoreError
            The writer failed (rows were lost) or did not finish within ``timeout_s``.
        """
        with self._space:
            if self._closed:
                return
            self._closed = True
            self._space.notify_all()
        thread = self._thread
        if thread is None:
            return
        deadline = time.monotonic() + timeout_s
        # No append can queue after _closed is set, so the stop marker comes last.
        while thread.is_alive() and time.monotonic() < deadline:
            with contextlib.suppress(queue.Full):
                self._queue.put(_STOP, timeout=_MAX_WAIT_S)
                break
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            msg = f"the {self.kind} in {self.folder} was still writing after {timeout_s:g} s"
            raise StoreError(msg, hint="give close() a longer timeout_s", path=str(self.folder))
        self._raise_if_failed()

    def _checked(self, batch: pa.Table | list[dict[str, Any]]) -> pa.Table:
        """The batch as a table with the required columns and a UTC timestamp."""
        import pyarrow as pa

        try:
            table = batch if isinstance(batch, pa.Table) else pa.Table.from_pylist(batch)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            msg = f"rows for the {self.kind} have a column of mixed types: {exc}"
            raise SchemaError(msg, hint="give each column one type") from exc
        missing = [c for c in self.required if c not in table.column_names]
        if missing and table.num_rows:
            msg = f"rows for the {self.kind} lack the column(s) {', '.join(missing)}"
            raise SchemaError(msg, hint=f"required: {', '.join(self.required)}")
        if table.num_rows == 0:
            return table
        stamp = table.schema.field("timestamp").type
        if not pa.types.is_timestamp(stamp):
            msg = f"the {self.kind}'s timestamp column has type {stamp}, not a timestamp"
            raise SchemaError(msg, hint="pass timezone-aware datetimes", column="timestamp")
        table = _cast(table, "timestamp", pa.timestamp("us", "UTC"))  # naive means UTC
        table = _cast(table, "model_name", pa.string())
        table = _cast(table, "prediction_id", pa.string())
        nulls = [c for c in ("prediction_id", "model_name", "timestamp") if table[c].null_count]
        if nulls:
            msg = f"rows for the {self.kind} have nulls in {', '.join(nulls)}"
            raise SchemaError(msg, hint="give every row a prediction_id, model_name and timestamp")
        for name in table["model_name"].unique().to_pylist():
            check_name(name, "model")
        return table.replace_schema_metadata(None)

    def _offer(self, table: pa.Table | Callable[[], Any]) -> bool:
        """Queue ``table`` if there is room (called holding ``_space``)."""
        if self._closed:
            msg = f"the {self.kind} in {self.folder} is closed"
            raise StoreError(msg, hint="append before close()", path=str(self.folder))
        if self._thread is None:
            msg = f"the {self.kind} in {self.folder} is not started"
            raise StoreError(msg, hint="call start() first", path=str(self.folder))
        self._raise_if_failed()
        try:
            self._queue.put_nowait(table)
        except queue.Full:
            return False
        return True

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            msg = f"the {self.kind} writer for {self.folder} failed: {self._error}"
            hint = "rows are no longer logged; see the server log, fix the cause and restart"
            raise StoreError(msg, hint=hint, path=str(self.folder)) from self._error

    def _run(self) -> None:
        """The writer thread: group queued batches and write them, until the stop marker."""
        pending: list[pa.Table] = []
        n_pending = 0
        deadline: float | None = None
        try:
            while True:
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    item = None
                else:
                    with self._space:
                        self._space.notify_all()
                if item is _STOP:
                    break
                if callable(item):
                    item = self._built(item)
                if item is not None and item.num_rows:
                    pending.append(item)
                    n_pending += item.num_rows
                    if deadline is None:
                        deadline = time.monotonic() + self.flush_interval_s
                due = deadline is not None and time.monotonic() >= deadline
                if pending and (due or n_pending >= self.flush_rows):
                    self._flush(pending)
                    pending, n_pending, deadline = [], 0, None
            self._flush(pending)
        except Exception as exc:
            logger.error(
                "%s writer for %s failed; up to %d buffered rows and %d queued batches lost",
                self.kind,
                self.folder,
                n_pending,
                self._queue.qsize(),
                exc_info=exc,
            )
            with self._space:
                self._error = exc
                self._space.notify_all()

    def _built(self, build: Callable[[], Any]) -> pa.Table | None:
        """The table a deferred batch builds.

        A batch that cannot be built is logged as lost rather than stopping the writer (and
        with it every later request's rows).
        """
        try:
            return self._checked(build())
        except Exception:
            logger.exception("a batch for the %s in %s could not be built", self.kind, self.folder)
            return None

    def _flush(self, tables: list[pa.Table]) -> None:
        """Write buffered batches as one part file per model and day (per schema if need be)."""
        for combined in _combined(tables):
            for model_name, day, part in _partitions(combined):
                folder = self.folder / model_name / f"date={day.isoformat()}"
                folder.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                self.write(part, folder / f"part-{stamp}-{uuid.uuid4().hex[:12]}.parquet")
                self._n_rows_written += part.num_rows
                logger.debug("%s: wrote %d rows to %s", self.kind, part.num_rows, folder)


class PredictionLog(_ParquetLog):
    """Scored rows, with inputs, outputs, model and latency (see :func:`prediction_table`).

    Parameters
    ----------
    folder
        The log's root, ``<workspace>/predictions``; one folder per model below it.
    max_queue_batches
        Batches that may wait for the writer before ``append`` blocks.
    flush_rows, flush_interval_s
        A part file is written once this many rows are buffered, or this long after the
        oldest buffered row arrived, whichever comes first.
    write
        How one part file is written; :func:`write_part` unless a test slows or breaks it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "predictions"
    >>> rows = prediction_table({"age": [41]}, ["yes"], prediction_ids=new_prediction_ids(1),
    ...     model_name="churn", model_version=3, model_ref="churn@production", latency_ms=2.5)
    >>> with PredictionLog(folder) as log:
    ...     log.append(rows)
    >>> read_log(folder)["in_age"].to_pylist()
    [41]
    """

    kind = "prediction log"


class FeedbackLog(_ParquetLog):
    """Outcomes of earlier predictions, by prediction id (see :func:`feedback_table`).

    The folder is ``<workspace>/feedback``; the parameters are those of
    :class:`PredictionLog`. Ids are not checked against the prediction log: feedback for an
    unknown id is kept and simply matches nothing in :func:`labelled_sql`.
    """

    required = ("prediction_id", "model_name", "timestamp", "actual")
    kind = "feedback log"


def _cast(table: pa.Table, name: str, kind: pa.DataType) -> pa.Table:
    """``table`` with column ``name`` cast to ``kind``."""
    index = table.schema.get_field_index(name)
    # Unsafe so that nanoseconds are truncated to microseconds rather than refused.
    return table.set_column(index, name, table[name].cast(kind, safe=False))


def _combined(tables: list[pa.Table]) -> list[pa.Table]:
    """The batches as one table, or one per schema when their types cannot be unified.

    Chunks are combined: Parquet writes one long column several times faster than many
    one-row chunks of it.
    """
    import pyarrow as pa

    for promote in ("none", "permissive"):  # the first is several times faster
        with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError):
            return [pa.concat_tables(tables, promote_options=promote).combine_chunks()]
    by_schema: dict[pa.Schema, list[pa.Table]] = {}
    for table in tables:
        by_schema.setdefault(table.schema, []).append(table)
    return [pa.concat_tables(group).combine_chunks() for group in by_schema.values()]


def _partitions(table: pa.Table) -> Iterator[tuple[str, Any, pa.Table]]:
    """``(model_name, UTC day, rows)`` for each model and day present in ``table``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    days = table["timestamp"].cast(pa.date32())
    keys = pa.table({"m": table["model_name"], "d": days}).group_by(["m", "d"]).aggregate([])
    pairs = zip(keys["m"].to_pylist(), keys["d"].to_pylist(), strict=True)
    if keys.num_rows == 1:
        model_name, day = next(pairs)
        yield model_name, day, table
        return
    for model_name, day in pairs:
        mask = pc.and_(pc.equal(table["model_name"], model_name), pc.equal(days, day))
        yield model_name, day, table.filter(mask)


def log_sql(folder: Path, model_name: str | None = None) -> str:
    """A DuckDB table expression over the part files of a log, for a ``FROM`` clause.

    Files whose columns differ are lined up by name; the partition adds a ``date`` column.
    DuckDB refuses it while no part file exists yet (see :func:`has_rows`).
    """
    model = "*" if model_name is None else check_name(model_name, "model")
    pattern = literal(str(folder / model / "date=*" / "*.parquet"))
    return f"read_parquet({pattern}, hive_partitioning = true, union_by_name = true)"


def labelled_sql(predictions: Path, feedback: Path, model_name: str | None = None) -> str:
    """A DuckDB query of the predictions that have feedback, with the latest ``actual``.

    Every prediction column, then ``actual``, ``actual_value`` and ``feedback_timestamp``.
    When an id has several feedback rows, the latest one counts.
    """
    return f"""
        SELECT p.*, f.actual, f.actual_value, f.timestamp AS feedback_timestamp
        FROM {log_sql(predictions, model_name)} AS p
        JOIN (
            SELECT prediction_id, actual, actual_value, timestamp
            FROM {log_sql(feedback, model_name)}
            QUALIFY row_number() OVER (PARTITION BY prediction_id ORDER BY timestamp DESC) = 1
        ) AS f USING (prediction_id)
    """


def has_rows(folder: Path, model_name: str | None = None) -> bool:
    """Whether a log holds at least one part file (for one model, or any)."""
    return next(folder.glob(f"{model_name or '*'}/date=*/*.parquet"), None) is not None


def read_log(folder: Path, model_name: str | None = None) -> pa.Table:
    """Every row of a log (for one model, or all); an empty table while there is none."""
    if not has_rows(folder, model_name):
        return _empty()
    return _query(f"SELECT * FROM {log_sql(folder, model_name)}", folder)


def read_labelled(predictions: Path, feedback: Path, model_name: str | None = None) -> pa.Table:
    """The rows of :func:`labelled_sql`; an empty table while either log has none."""
    if not (has_rows(predictions, model_name) and has_rows(feedback, model_name)):
        return _empty()
    return _query(labelled_sql(predictions, feedback, model_name), predictions)


def _empty() -> pa.Table:
    import pyarrow as pa

    return pa.table({})


def _query(sql: str, folder: Path) -> pa.Table:
    import duckdb

    from mlwright.data.duck import connect

    con = connect()
    try:
        return con.sql(sql).to_arrow_table()
    except duckdb.Error as exc:
        msg = f"cannot read the log in {folder}: {str(exc).strip().splitlines()[0]}"
        raise StoreError(msg, hint="check the part files there", path=str(folder)) from exc
    finally:
        con.close()
