"""Prometheus metrics and the ASGI middleware that records them.

The middleware is plain ASGI on purpose: Starlette's `@app.middleware("http")` (BaseHTTPMiddleware)
wraps every request in extra tasks and streams, which cost about a third of the throughput.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# Clients choose the method: anything else is one label value, so it cannot grow the series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


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
        # labels() takes a lock and builds a key on every call; the label sets are few.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[str, Any] = {}

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
