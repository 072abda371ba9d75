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
    import pandas as pd


class Overloaded(Exception):
    """The queue is full; the caller should retry later."""


@dataclass(frozen=True, slots=True)
class Scored:
    """One request's share of a batch: predictions, and probabilities for a classifier."""

    predictions: list[Any]
    probabilities: np.ndarray | None


class Batcher:
    """Feeds queued frames to ``score`` in batches of up to ``max_batch_rows`` rows.

    ``score`` runs in a worker thread, so the event loop keeps accepting and parsing
    requests while the model works; ``on_batch`` hears the row count of every model call.
    """

    def __init__(
        self,
        score: Callable[[pd.DataFrame], tuple[list[Any], np.ndarray | None]],
        *,
        max_batch_rows: int = 4096,
        max_queue: int = 256,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._score = score
        self._on_batch = on_batch
        self.max_batch_rows = max_batch_rows
        self.max_queue = max_queue
        self._queue: asyncio.Queue[tuple[pd.DataFrame, asyncio.Future[Scored]]] | None = None
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

    async def submit(self, frame: pd.DataFrame) -> Scored:
        """Score ``frame`` in the next batch; raises Overloaded when the queue is full."""
        assert self._queue is not None, "start() the batcher first"
        if self._queue.qsize() >= self.max_queue:
            raise Overloaded
        future: asyncio.Future[Scored] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((frame, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            rows = len(batch[0][0])
            while not queue.empty() and rows < self.max_batch_rows:
                item = queue.get_nowait()
                batch.append(item)
                rows += len(item[0])
            live = [(frame, future) for frame, future in batch if not future.done()]
            try:
                if live:
                    await self._score_batch(live)
            finally:
                for _ in batch:
                    queue.task_done()

    async def _score_batch(self, batch: list[tuple[pd.DataFrame, asyncio.Future[Scored]]]) -> None:
        import pandas as pd

        frames = [frame for frame, _ in batch]
        combined = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if self._on_batch is not None:
            self._on_batch(len(combined))
        try:
            predictions, proba = await asyncio.to_thread(self._score, combined)
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            # One bad request must not fail the others: score each on its own.
            del exc
            for frame, future in batch:
                await self._score_alone(frame, future)
            return
        start = 0
        for frame, future in batch:
            end = start + len(frame)
            share = None if proba is None else proba[start:end]
            _settle(future, Scored(predictions[start:end], share))
            start = end

    async def _score_alone(self, frame: pd.DataFrame, future: asyncio.Future[Scored]) -> None:
        try:
            predictions, proba = await asyncio.to_thread(self._score, frame)
        except Exception as exc:
            _settle(future, exc)
        else:
            _settle(future, Scored(predictions, proba))


def _settle(future: asyncio.Future[Scored], outcome: Scored | BaseException) -> None:
    """Hand the outcome to a waiting request (unless it gave up: timed out or went away)."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
