"""Natural batching: one model call at a time, taking every request that waited meanwhile.

A model call costs nearly the same for one row as for a few dozen, so under load the
requests that arrive while the model is busy are scored together in the next call; an idle
server adds no delay at all (no timer). The queue is bounded: a request that finds it full
is refused at once (the server answers 503 with ``Retry-After``), never left to time out.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np


class Overloaded(Exception):
    """The queue is full; the caller should retry later."""


# A request's rows as one array per input column (see ``mlwright.serve.requests``).
Columns = dict[str, "np.ndarray"]


@dataclass(frozen=True, slots=True)
class Scored:
    """What a model call gave for some rows: a batch's, or one request's share of it.

    Predictions, probabilities for a classifier, each row's warnings (the data contract's,
    see ``mlwright.registry.contract``), and the model that scored them (a server following
    an alias may switch between batches).
    """

    predictions: list[Any]
    probabilities: np.ndarray | None
    warnings: list[list[Any]]
    model: Any = None

    def rows(self, start: int, end: int) -> Scored:
        """The share of rows ``start`` to ``end`` (exclusive)."""
        share = None if self.probabilities is None else self.probabilities[start:end]
        return Scored(self.predictions[start:end], share, self.warnings[start:end], self.model)


def n_rows(columns: Columns) -> int:
    """How many rows ``columns`` holds."""
    return len(next(iter(columns.values()))) if columns else 0


def _concatenated(parts: list[Columns]) -> Columns:
    import numpy as np

    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


class Batcher:
    """Feeds queued requests to ``score`` in batches of up to ``max_batch_rows`` rows.

    ``score`` takes the rows of several requests as one set of columns and returns what the
    model gave for them (:class:`Scored`), shared out by rows. It runs in a worker thread, so
    the event loop keeps accepting and parsing requests while the model works; ``on_batch``
    hears the row count of every model call.
    """

    def __init__(
        self,
        score: Callable[[Columns], Scored],
        *,
        max_batch_rows: int = 4096,
        max_queue: int = 256,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._score = score
        self._on_batch = on_batch
        self.max_batch_rows = max_batch_rows
        self.max_queue = max_queue
        self._queue: asyncio.Queue[tuple[Columns, asyncio.Future[Scored]]] | None = None
        self._worker: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Requests queued and not yet being scored."""
        return 0 if self._queue is None else self._queue.qsize()

    async def start(self) -> None:
        """Start the worker on the running event loop."""
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run(), name="mlwright-batcher")

    async def stop(self) -> None:
        """Stop the worker once the queued requests are scored."""
        if self._queue is not None:
            await self._queue.join()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def submit(self, columns: Columns) -> Scored:
        """Score ``columns`` in the next batch; raises Overloaded when the queue is full."""
        assert self._queue is not None, "start() the batcher first"
        if self._queue.qsize() >= self.max_queue:
            raise Overloaded
        future: asyncio.Future[Scored] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((columns, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            rows = n_rows(batch[0][0])
            while not queue.empty() and rows < self.max_batch_rows:
                item = queue.get_nowait()
                batch.append(item)
                rows += n_rows(item[0])
            live = [(columns, future) for columns, future in batch if not future.done()]
            try:
                if live:
                    await self._score_batch(live)
            finally:
                for _ in batch:
                    queue.task_done()

    async def _score_batch(self, batch: list[tuple[Columns, asyncio.Future[Scored]]]) -> None:
        parts = [columns for columns, _ in batch]
        if self._on_batch is not None:
            self._on_batch(sum(n_rows(part) for part in parts))
        try:
            # Joined in the worker thread too: the event loop only parses and answers.
            scored = await asyncio.to_thread(lambda: self._score(_concatenated(parts)))
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            # One bad request must not fail the others: score each on its own.
            del exc
            for columns, future in batch:
                await self._score_alone(columns, future)
            return
        if len(batch) == 1:
            _settle(batch[0][1], scored)
            return
        start = 0
        for columns, future in batch:
            end = start + n_rows(columns)
            _settle(future, scored.rows(start, end))
            start = end

    async def _score_alone(self, columns: Columns, future: asyncio.Future[Scored]) -> None:
        try:
            scored = await asyncio.to_thread(self._score, columns)
        except Exception as exc:
            _settle(future, exc)
        else:
            _settle(future, scored)


def _settle(future: asyncio.Future[Scored], outcome: Scored | BaseException) -> None:
    """Hand the outcome to a waiting request (unless it gave up: timed out or went away)."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
