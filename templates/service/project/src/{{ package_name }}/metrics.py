"""Prometheus metrics, kept in a registry per app so tests and reloads never collide."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


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
