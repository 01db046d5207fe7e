"""Template engine: Prometheus metrics and the ASGI middleware that records them. Edit app.py
(or model.py) to record metrics of your own; this file stays as the template ships it.

The middleware is plain ASGI on purpose: Starlette's `@app.middleware("http")` (BaseHTTPMiddleware)
wraps every request in extra tasks and streams, which cost about a third of the throughput.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# Clients choose the method: anything else is one label value, so it cannot grow the series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Rows per forward pass: powers of two up to well past MAX_BATCH_ROWS.
BATCH_BUCKETS = tuple(float(2**i) for i in range(11))
# Forward-pass seconds: sub-millisecond CPU passes to multi-second cold GPU ones.
MODEL_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Metrics:
    """The service's metrics and the registry `/metrics` exposes."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route.",
            ["route"],
            registry=self.registry,
        )
        self.predictions = Counter(
            "predictions_total", "Instances scored by the model.", registry=self.registry
        )
        self.model_loaded = Gauge(
            "model_loaded", "1 when the model is loaded and serving.", registry=self.registry
        )
        self.batch_size = Histogram(
            "inference_batch_size",
            "Rows in each forward pass of the model (dynamic batching).",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.model_latency = Histogram(
            "model_inference_duration_seconds",
            "Seconds one forward pass of the model takes.",
            buckets=MODEL_BUCKETS,
            registry=self.registry,
        )
        # Set to a function of the batcher by the app: exact at every scrape.
        self.queue_depth = Gauge(
            "inference_queue_depth",
            "Rows waiting for the model; the GPU autoscaler's signal.",
            registry=self.registry,
        )
        self.rejected = Counter(
            "inference_rejected_total",
            "Requests answered 503 because the inference queue was full.",
            registry=self.registry,
        )
        # CPU, memory, open files, GC: a private registry does not get these by itself.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        # labels() takes a lock and builds a key on every call; the label sets are few.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[str, Any] = {}

    def observe_batch(self, rows: int, queued_rows: int, seconds: float) -> None:
        """Record one forward pass (the batcher calls this)."""
        self.batch_size.observe(rows)
        self.model_latency.observe(seconds)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request and record its latency."""
        counter = self._counters.get((route, method, status))
        if counter is None:
            counter = self._counters[route, method, status] = self.requests.labels(
                route, method, str(status)
            )
        histogram = self._histograms.get(route)
        if histogram is None:
            histogram = self._histograms[route] = self.latency.labels(route)
        counter.inc()
        histogram.observe(seconds)


class MetricsMiddleware:
    """Counts every HTTP request by route template, method and status, and times it.

    An exception escaping the app is counted as a 500 (the server turns it into one after
    this middleware has seen it), so crashes show up in `http_requests_total`.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_note_status)
        except BaseException:
            status = 500
            raise
        finally:
            # The router stores the matched route in the scope; label by its template, not the
            # raw path, so unknown URLs cannot explode the label cardinality.
            route = scope.get("route")
            name = getattr(route, "path", "unmatched")
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.observe(name, method, status, time.perf_counter() - start)
