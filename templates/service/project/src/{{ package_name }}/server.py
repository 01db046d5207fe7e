"""Template engine: draining shutdown. Edit settings.py (GRACEFUL_TIMEOUT) and app.py, not this.

uvicorn with a shutdown that load balancers and Kubernetes can follow.

Plain uvicorn closes its listening socket the moment SIGTERM arrives, so `/readyz` can never
answer 503, and it re-raises the signal once done, so the container exits 143. Here the first
SIGTERM (or Ctrl-C) only starts draining: `/readyz` turns 503 while the server keeps accepting
and answering, until no request is in flight (or GRACEFUL_TIMEOUT passes); then uvicorn's own
shutdown runs and the process exits 0. A second signal stops at once.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

import uvicorn

from .lifecycle import Lifecycle

log = logging.getLogger(__name__)


class DrainingServer(uvicorn.Server):
    """A uvicorn.Server whose first exit signal drains instead of stopping."""

    def __init__(self, config: uvicorn.Config, lifecycle: Lifecycle, graceful_timeout: float):
        super().__init__(config)
        self.lifecycle = lifecycle
        self.graceful_timeout = graceful_timeout
        self.drain_deadline: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Not calling super(): uvicorn would record the signal and re-raise it after shutdown.
        if self.drain_deadline is None:
            log.info("%s received: draining (readiness 503)", signal.Signals(sig).name)
            self.lifecycle.draining = True
            self.drain_deadline = time.monotonic() + self.graceful_timeout
        else:
            # The operator insists: skip the wait for connections and the lifespan shutdown.
            self.should_exit = self.force_exit = True

    async def on_tick(self, counter: int) -> bool:
        # uvicorn calls this every 0.1 s; returning True starts its shutdown.
        if self.drain_deadline is not None and not self.should_exit:
            left = self.drain_deadline - time.monotonic()
            if not self.server_state.tasks or left <= 0:
                log.info("drained: %d request(s) still in flight", len(self.server_state.tasks))
                # What is left of the budget bounds uvicorn's own wait for open connections.
                self.config.timeout_graceful_shutdown = max(1, round(left))
                self.should_exit = True
        return await super().on_tick(counter)


def serve(app: Any, lifecycle: Lifecycle, graceful_timeout: float, **config: Any) -> bool:
    """Run `app` until a signal drains it; False when the server never started."""
    server = DrainingServer(uvicorn.Config(app, **config), lifecycle, graceful_timeout)
    server.run()
    _exit_if_stuck(grace=1.0)
    return server.started


def _exit_if_stuck(grace: float) -> None:
    # uvicorn cancels requests still running at the deadline, but one inside a worker thread
    # (a sync endpoint) cannot be interrupted, and Python waits for such threads before it
    # exits. Past the deadline the pod would be killed anyway: leave now, logs flushed.
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            log.error("exiting with a request still running in thread %s", thread.name)
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
