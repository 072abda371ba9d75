"""The model server: a FastAPI app around one loaded model.

``create_app(model)`` returns the ASGI app; ``mlwright serve`` runs it with uvicorn.
Every answer that is not a success has one shape, ``{"error": {"code", "message",
"details"}}``, never with a stack trace, a token or the submitted data in it. Bad input is
a 4xx naming the field; only a fault of the server itself is a 5xx.

Safety and load: bodies over ``max_bytes`` are refused (413) before they are parsed;
bearer tokens are compared in constant time; requests queue for the model in a bounded
queue (full: 503 with ``Retry-After``) and wait at most ``request_timeout_s`` (504).

Following an alias: given ``follow`` (a function that returns a newer model, or None), the
server asks it every ``follow_every_s`` seconds in the background and switches to what it
returns between two model calls, so no request fails; a model that needs other input columns
is refused (the request schema cannot change under a running server) and the old one kept.
"""

# No `from __future__ import annotations` here: FastAPI reads the request model, which is
# built at run time from the model's columns, from the endpoint's real annotation.

import asyncio
import contextlib
import gc
import hmac
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlwright.core.errors import MlwrightError
from mlwright.registry.loaded import LoadedModel
from mlwright.serve.batcher import Batcher, Columns, Overloaded, Scored
from mlwright.serve.bodylimit import BodyLimit
from mlwright.serve.metrics import RequestCounter, ServerMetrics

ASGIApp = Any
NOT_INPUT = "the request does not fit the model's input"
EMPTY_BODY = 'the body is empty: send {"records": [...]} or {"columns": {...}}'
PROMETHEUS_TEXT = {
    "description": "Prometheus' text exposition format.",
    "content": {"text/plain": {"schema": {"type": "string"}}},
}
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """Limits and security of a server."""

    token: str | None = None
    max_rows: int = 10_000
    max_bytes: int = 16 * 1024 * 1024
    max_queue: int = 256
    max_batch_rows: int = 4096
    request_timeout_s: float = 30.0
    retry_after_s: int = 1
    follow_every_s: float = 5.0


class _Serving:
    """The model being served, replaced whole when a followed alias moves."""

    def __init__(self, model: LoadedModel) -> None:
        self.model = model


def create_app(
    model: LoadedModel,
    config: ServeConfig = ServeConfig(),
    *,
    prediction_log: Any = None,
    feedback_log: Any = None,
    follow: Callable[[], LoadedModel | None] | None = None,
) -> ASGIApp:
    """The ASGI app serving ``model``.

    Parameters
    ----------
    model
        A loaded model (``mlwright.load_model``).
    config
        Limits, token and timeouts.
    prediction_log, feedback_log
        Where scored rows and feedback go (``mlwright.serve.predlog``); None keeps no log.
    follow
        Called in a worker thread every ``config.follow_every_s`` seconds: a newer model to
        switch to, or None to keep the current one.
    """
    import orjson
    from fastapi import Depends, FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from pydantic import ValidationError
    from starlette.exceptions import HTTPException

    from mlwright.serve.predlog import (
        feedback_table,
        new_prediction_ids,
        prediction_table,
        warning_code,
    )
    from mlwright.serve.requests import (
        FeedbackRequest,
        NotJson,
        PredictResponse,
        add_request_schemas,
        body_columns,
        error_responses,
        read_body,
        request_body_document,
        request_models,
    )

    serving = _Serving(model)
    metrics = ServerMetrics(model.model.classes)

    def score(columns: Columns) -> Scored:
        current = serving.model  # one model for the whole batch, even if a switch comes
        output = current.output_columns(columns)
        labels = current.labels(output).tolist()
        probabilities = None if current.model.classes is None else output
        # Checked once per batch: a few NumPy calls for every row that waited together.
        warnings = current.contract.check(columns, probabilities)
        return Scored(labels, probabilities, warnings, current)

    batcher = Batcher(
        score,
        max_batch_rows=config.max_batch_rows,
        max_queue=config.max_queue,
        on_batch=metrics.batch_rows.observe,
    )
    input_columns = model.info.columns
    predict_request = request_models(input_columns, max_rows=config.max_rows)
    log_name = model.source.name or _package_log_name(model.source.ref)

    async def follow_alias() -> None:
        assert follow is not None
        while True:
            await asyncio.sleep(config.follow_every_s)
            try:
                newer = await asyncio.to_thread(follow)
            except Exception:  # the store or the package failed: keep serving, try again
                logger.exception("checking for a newer model failed; still serving %s", ref())
                metrics.switches.labels(outcome="failed").inc()
                continue
            if newer is None:
                continue
            if newer.info.columns != input_columns:
                logger.error(
                    "not switching to %s: it reads other input columns than %s; "
                    "restart the server to serve it",
                    newer.source.ref,
                    ref(),
                )
                metrics.switches.labels(outcome="refused").inc()
                continue
            logger.warning("switching from %s to %s", ref(), newer.source.ref)
            serving.model = newer
            metrics.switches.labels(outcome="switched").inc()

    def ref() -> str:
        return serving.model.source.ref

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        app.state.draining = False
        # What is loaded now (libraries, the model) lives as long as the server: moved out
        # of the garbage collector's sight, so that its full passes, which requests' objects
        # set off, do not walk it every time (they made the slowest answers).
        gc.collect()
        gc.freeze()
        await batcher.start()
        if prediction_log is not None:
            prediction_log.start()
        if feedback_log is not None:
            feedback_log.start()
        watcher = None if follow is None else asyncio.create_task(follow_alias())
        try:
            yield
        finally:
            app.state.draining = True
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await batcher.stop()
            for log in (prediction_log, feedback_log):
                if log is not None:
                    try:
                        await asyncio.to_thread(log.close)
                    except MlwrightError:  # already logged by the writer; close the other
                        logger.exception("closing %r failed", log)

    app = FastAPI(
        title=f"mlwright model {model.source.ref}",
        version=str(model.source.version or ""),
        description=(
            f"A {model.info.task_type} model of {model.info.target!r}. "
            "Send rows to POST /predict; see the request schema for the columns."
        ),
        lifespan=lifespan,
    )
    app.state.draining = False

    def error(status: int, code: str, message: str, details: Any = None, **headers: str) -> Any:
        metrics.errors.labels(kind=code).inc()
        body = {"error": {"code": code, "message": message, "details": details or []}}
        return JSONResponse(body, status_code=status, headers=headers or None)

    def invalid_input(problems: Sequence[Any]) -> Any:
        """422 naming each field (``records.3.age``) and its problem, never its value."""
        details = [
            {"field": ".".join(str(part) for part in p.get("loc", ())), "problem": p["msg"]}
            for p in problems[:50]
        ]
        return error(422, "invalid_input", NOT_INPUT, details)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error(400, "malformed_json", "the body is not valid JSON")
        # FastAPI's locations start with where the value was: "body".
        return invalid_input([{**p, "loc": p.get("loc", ())[1:]} for p in problems])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Any:
        if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode (not UTF-8)
            return error(400, "malformed_json", "the body is not valid JSON")
        codes = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}
        headers = dict(exc.headers or {})
        return error(
            exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), **headers
        )

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Any:
        return error(500, "internal", "the server failed to answer; see its log")

    async def authorised(request: Request) -> None:
        if config.token is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        expected = config.token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected):
            raise HTTPException(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})

    guarded = [Depends(authorised)]
    locked = error_responses(401)

    @app.get("/health", summary="The process is alive.")
    async def health() -> dict[str, str]:
        return {"status": "alive"}

    @app.get(
        "/ready",
        summary="The model is loaded and the server takes requests.",
        responses=error_responses(503),
    )
    async def ready() -> Any:
        log_ok = prediction_log is None or prediction_log.healthy
        if app.state.draining or not log_ok:
            reason = "draining" if app.state.draining else "prediction log failing"
            return error(503, "not_ready", reason)
        return {"ready": True, "model": ref()}

    @app.get(
        "/metadata",
        dependencies=guarded,
        summary="The model: reference, schema, metrics.",
        responses=locked,
    )
    async def metadata() -> dict[str, Any]:
        current = serving.model
        info = current.info
        return {
            "model": current.source.ref,
            "name": current.source.name,
            "version": current.source.version,
            "run_id": current.source.run_id,
            "task_type": info.task_type,
            "target": info.target,
            "classes": None if info.classes is None else [str(c) for c in info.classes],
            "columns": [{"name": c.name, "dtype": c.dtype, "role": c.role} for c in info.columns],
            "metrics": info.metrics,
        }

    @app.get(
        "/metrics",
        dependencies=guarded,
        summary="Prometheus metrics.",
        # A bare Response: its 200 is documented as text below, while its errors stay JSON.
        response_class=Response,
        responses={200: PROMETHEUS_TEXT, **locked},
    )
    async def prometheus() -> Any:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.post(
        "/predict",
        dependencies=guarded,
        response_model=PredictResponse,
        summary="Score rows: 'records' (a list of rows) or 'columns' (a list per column).",
        responses=error_responses(400, 401, 413, 422, 503, 504),
        openapi_extra=request_body_document(predict_request),
    )
    async def predict(request: Request) -> Any:
        started = time.perf_counter()
        try:
            # Parsed and validated in one step, from the bytes (FastAPI's body parameter
            # would take two, through Python objects).
            raw = await request.body()
            if not raw:  # as FastAPI answers a missing body elsewhere
                return error(422, "invalid_input", EMPTY_BODY)
            body = read_body(predict_request, raw)
            columns = body_columns(body, input_columns)
        except ValidationError as exc:
            return invalid_input(exc.errors())
        except ValueError as exc:
            if isinstance(exc, NotJson):
                return error(400, "malformed_json", "the body is not valid JSON")
            return error(422, "invalid_input", str(exc))
        try:
            scored = await asyncio.wait_for(batcher.submit(columns), config.request_timeout_s)
        except Overloaded:
            return error(
                503,
                "overloaded",
                "too many requests are waiting; retry shortly",
                **{"Retry-After": str(config.retry_after_s)},
            )
        except TimeoutError:
            return error(504, "timeout", f"no answer within {config.request_timeout_s:g} s")
        except MlwrightError as exc:
            # The message names the value; the answer must not repeat submitted data.
            field = exc.fields.get("column")
            problem = "a value that cannot be read as the column's type"
            details = [{"field": str(field), "problem": problem}] if field else []
            return error(
                422, "invalid_input", "the request does not fit the model's input", details
            )
        used: LoadedModel = scored.model
        ids = new_prediction_ids(len(scored.predictions))
        metrics.scored(scored.predictions)
        probabilities = None
        if scored.probabilities is not None:
            probabilities = {
                str(label): scored.probabilities[:, j].tolist()
                for j, label in enumerate(used.model.classes or [])
            }
        warnings = scored.warnings
        metrics.warned(warnings)
        latency_ms = (time.perf_counter() - started) * 1000
        if prediction_log is not None:
            stamp = datetime.now(UTC)

            # Built by the log's writer thread, off the event loop.
            def rows() -> Any:
                return prediction_table(
                    columns,
                    scored.predictions,
                    prediction_ids=ids,
                    model_name=log_name,
                    model_version=used.source.version,
                    model_ref=used.source.ref,
                    latency_ms=latency_ms,
                    probabilities=probabilities,
                    warnings=[[warning_code(w) for w in row] for row in warnings],
                    timestamp=stamp,
                )

            await prediction_log.append_async(rows)
        # Serialised here with orjson: the response model documents the answer, but running
        # every answer through it costs more than scoring a row.
        answer = {
            "model": used.source.ref,
            "version": used.source.version,
            "prediction_ids": ids,
            "predictions": scored.predictions,
            "probabilities": probabilities,
            "warnings": warnings,
        }
        return Response(orjson.dumps(answer), media_type="application/json")

    add_request_schemas(app, predict_request)

    @app.post(
        "/feedback",
        dependencies=guarded,
        summary="Outcomes of earlier predictions.",
        responses=error_responses(400, 401, 413, 422),
    )
    async def feedback(body: FeedbackRequest) -> dict[str, int]:
        if feedback_log is not None:
            ids = [f.prediction_id for f in body.feedback]
            actuals = [f.actual for f in body.feedback]
            await feedback_log.append_async(feedback_table(ids, actuals, model_name=log_name))
        return {"accepted": len(body.feedback)}

    return RequestCounter(BodyLimit(app, max_bytes=config.max_bytes), metrics)


def _package_log_name(path: str) -> str:
    """The log name of a model served from a package file: the file's name, made safe."""
    import re
    from pathlib import Path

    stem = Path(path).name.split(".")[0]
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", stem).lstrip("._-") or "package"
