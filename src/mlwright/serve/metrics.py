"""Prometheus metrics of one server: requests, latency, errors by kind, rows, predictions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

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
            "Guardrail warnings on scored rows, by kind.",
            ["kind"],
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
            for label in predictions:
                self.predicted.labels(label=str(label)).inc()
        else:
            for value in predictions:
                self.values.observe(float(value))

    def render(self) -> bytes:
        """The Prometheus text format."""
        from prometheus_client import generate_latest

        return bytes(generate_latest(self.registry))
