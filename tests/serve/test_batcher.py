"""Natural batching: waiting requests share a model call; a full queue refuses at once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np
import pytest

from mlwright.serve.batcher import Batcher, Columns, Overloaded, Scored


def rows(*values: float) -> Columns:
    return {"x": np.array(values, dtype=np.float64)}


class SlowModel:
    """Doubles x, warning about x over 3; blocks each call until released; refuses x < 0."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.release = threading.Event()

    def __call__(self, columns: Columns) -> Scored:
        self.calls.append(len(columns["x"]))
        self.release.wait(5)
        if (columns["x"] < 0).any():
            msg = "negative"
            raise ValueError(msg)
        warnings = [[{"column": "x", "reason": "big"}] if x > 3 else [] for x in columns["x"]]
        return Scored((columns["x"] * 2).tolist(), None, warnings, "model-a")


async def _started(batcher: Batcher) -> Batcher:
    await batcher.start()
    return batcher


def test_requests_that_wait_while_the_model_works_share_one_call() -> None:
    async def scenario() -> tuple[list[Any], list[int]]:
        model = SlowModel()
        batcher = await _started(Batcher(model))
        first = asyncio.create_task(batcher.submit(rows(1)))
        await asyncio.sleep(0.05)  # the first call is running; the next three queue up
        rest = [asyncio.create_task(batcher.submit(rows(v, v))) for v in (2, 3, 4)]
        await asyncio.sleep(0.05)
        model.release.set()
        answers = await asyncio.gather(first, *rest)
        await batcher.stop()
        return [(a.predictions, a.warnings, a.model) for a in answers], model.calls

    answers, calls = asyncio.run(scenario())
    big = [{"column": "x", "reason": "big"}]
    assert answers == [
        ([2.0], [[]], "model-a"),
        ([4.0, 4.0], [[], []], "model-a"),
        ([6.0, 6.0], [[], []], "model-a"),
        ([8.0, 8.0], [big, big], "model-a"),
    ]
    assert calls == [1, 6], "one call for the first request, one for the three that waited"


def test_a_full_queue_refuses_at_once() -> None:
    async def scenario() -> None:
        model = SlowModel()
        batcher = await _started(Batcher(model, max_queue=2))
        running = asyncio.create_task(batcher.submit(rows(1)))
        await asyncio.sleep(0.05)
        queued = [asyncio.create_task(batcher.submit(rows(2))) for _ in range(2)]
        await asyncio.sleep(0.01)
        with pytest.raises(Overloaded):
            await batcher.submit(rows(3))
        model.release.set()
        await asyncio.gather(running, *queued)
        await batcher.stop()

    asyncio.run(scenario())


def test_one_bad_request_does_not_fail_the_others_in_its_batch() -> None:
    async def scenario() -> list[Any]:
        model = SlowModel()
        batcher = await _started(Batcher(model))
        first = asyncio.create_task(batcher.submit(rows(1)))
        await asyncio.sleep(0.05)
        good = asyncio.create_task(batcher.submit(rows(5)))
        bad = asyncio.create_task(batcher.submit(rows(-1)))
        await asyncio.sleep(0.01)
        model.release.set()
        outcomes = await asyncio.gather(first, good, bad, return_exceptions=True)
        await batcher.stop()
        return outcomes

    first, good, bad = asyncio.run(scenario())
    assert first.predictions == [2.0]
    assert good.predictions == [10.0]
    assert isinstance(bad, ValueError)
