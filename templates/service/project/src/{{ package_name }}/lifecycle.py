"""State the server and the app share: whether the process is shutting down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Lifecycle:
    """Set by the server on SIGTERM; `/readyz` answers 503 from then on."""

    draining: bool = False
