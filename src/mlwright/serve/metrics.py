"""Prometheus metrics of one server: requests, latency, errors by kind, rows, predictions."""

from __future__ import annotations

import collections
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

# Requests to any other path are counted as "other": a label per path would let any client
# grow the metrics without bound.
ENDPOINTS = frozenset({"/predict", "/feedback", "/health", "/ready", "/metadata", "/metrics"})
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServerMetrics:
    """The counters and histograms ``GET /metrics`` exposes, in a registry of their own."""

    def __init__(self, classes: Sequence[Any] | None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "mlwright_requests",
            "HTTP requests by endpoint and status.",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mlwright_request_seconds",
            "Time to answer a request, by endpoint.",
            ["endpoint"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.errors = Counter(
            "mlwright_errors", "Error answers by kind.", ["kind"], registry=self.registry
        )
        self.rows = Counter("mlwright_rows_scored", "Rows scored.", registry=self.registry)
        self.batch_rows = Histogram(
            "mlwright_batch_rows",
            "Rows per model call (requests are batched under load).",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096),
            registry=self.registry,
        )
        self.warnings = Counter(
            "mlwright_row_warnings",
            "Guardrail warnings on scored rows, by reason and column (empty: the whole row).",
            ["reason", "column"],
            registry=self.registry,
        )
        self.switches = Counter(
            "mlwright_model_switches",
            "Checks that found a newer model for a followed alias, by outcome "
            "(switched, refused: other input columns, failed: could not check or load).",
            ["outcome"],
            registry=self.registry,
        )
        self.classes = classes
        if classes is not None:
            self.predicted = Counter(
                "mlwright_predictions",
                "Predicted class counts.",
                ["label"],
                registry=self.registry,
            )
        else:
            self.values = Histogram(
                "mlwright_prediction_value",
                "Predicted values.",
                registry=self.registry,
                buckets=(-1e6, -1e3, -100, -10, -1, 0, 1, 10, 100, 1e3, 1e6),
            )

    def scored(self, predictions: Sequence[Any]) -> None:
        """Count a request's rows and its predictions."""
        self.rows.inc(len(predictions))
        if self.classes is not None:
            for label, count in collections.Counter(map(str, predictions)).items():
                self.predicted.labels(label=label).inc(count)
        else:
            for value in predictions:
                self.values.observe(float(value))

    def warned(self, warnings: Sequence[Sequence[dict[str, Any]]]) -> None:
        """Count the guardrail warnings of a request's rows."""
        for row in warnings:
            for w in row:
                self.warnings.labels(reason=w["reason"], column=w["column"] or "").inc()

    def render(self) -> bytes:
        """The Prometheus text format."""
        from prometheus_client import generate_latest

        return bytes(generate_latest(self.registry))


class RequestCounter:
    """ASGI middleware counting requests by endpoint and status, and timing them.

    Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which runs every request
    through extra tasks and streams and costs more than a one-row prediction.
    """

    def __init__(self, app: Any, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)  # the app's ``state`` and ``openapi`` stay reachable

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Pass the request on; count and time it by endpoint and status."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = scope.get("path", "")
            endpoint = path if path in ENDPOINTS else "other"
            self.metrics.latency.labels(endpoint=endpoint).observe(time.perf_counter() - started)
            self.metrics.requests.labels(endpoint=endpoint, status=str(status)).inc()
