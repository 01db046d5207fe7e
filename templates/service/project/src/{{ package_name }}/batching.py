"""Template engine: server-side dynamic batching. Edit model.py (your model) and settings.py
(MAX_BATCH_ROWS, MAX_WAIT_MS, MAX_QUEUE_ROWS), not this file.

Requests put their rows on one bounded queue; one inference thread owns the model and its
device, takes whole requests off the queue until `max_batch_rows` rows are gathered or
`max_wait_ms` has passed since the first one, runs one forward pass over all of them and hands
each request its slice back. A full queue answers at once (QueueFull: the API's 503 with
Retry-After) instead of turning overload into unbounded latency. Triton, TorchServe and KServe
batch the same way.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

Rows = list[list[float]]
Predict = Callable[[Rows], list[float]]


class QueueFull(Exception):
    """The queue holds `max_queue_rows` rows already: try again later."""


class BatcherStopped(Exception):
    """The batcher is shutting down and takes no more work."""


@dataclass
class _Pending:
    rows: Rows
    future: Future[list[float]]
    queued_at: float


class Batcher:
    """Dynamic batching in front of one `predict(rows) -> probabilities` function.

    `observe(batch_rows, queue_rows, seconds)` (optional) is called after every forward pass.
    """

    def __init__(
        self,
        predict: Predict,
        *,
        max_batch_rows: int,
        max_wait_ms: float,
        max_queue_rows: int,
        observe: Callable[[int, int, float], None] | None = None,
    ) -> None:
        if max_queue_rows < max_batch_rows:
            raise ValueError("max_queue_rows must be at least max_batch_rows")
        self.predict = predict
        self.max_batch_rows = max_batch_rows
        self.max_wait = max_wait_ms / 1000.0
        self.max_queue_rows = max_queue_rows
        self.observe = observe
        self._queue: deque[_Pending] = deque()
        self._queued_rows = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="inference", daemon=True)

    @property
    def queued_rows(self) -> int:
        """Rows waiting for the model now."""
        return self._queued_rows

    def start(self) -> None:
        """Start the inference thread."""
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Finish what is queued, then stop the thread. The server's drain has already waited
        for the requests; a forward pass stuck past it is abandoned (a daemon thread)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def submit_nowait(self, rows: Rows) -> Future[list[float]]:
        """Queue `rows`; a Future of their probabilities. QueueFull when there is no room."""
        future: Future[list[float]] = Future()
        with self._cond:
            if self._stopping:
                raise BatcherStopped("the server is shutting down")
            # A request larger than the whole queue bound is still let into an empty queue.
            if self._queued_rows and self._queued_rows + len(rows) > self.max_queue_rows:
                raise QueueFull(f"{self._queued_rows} rows already queued")
            self._queue.append(_Pending(rows, future, time.monotonic()))
            self._queued_rows += len(rows)
            self._cond.notify()
        return future

    async def submit(self, rows: Rows) -> list[float]:
        """Queue `rows` and wait for their probabilities without blocking the event loop."""
        return await asyncio.wrap_future(self.submit_nowait(rows))

    def _take(self) -> list[_Pending] | None:
        """Whole requests for one pass: up to max_batch_rows rows or max_wait after the first."""
        with self._cond:
            while not self._queue:
                if self._stopping:
                    return None
                self._cond.wait()
            deadline = self._queue[0].queued_at + self.max_wait
            while not self._stopping:
                if sum(len(p.rows) for p in self._queue) >= self.max_batch_rows:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch = [self._queue.popleft()]
            rows = len(batch[0].rows)
            while self._queue and rows + len(self._queue[0].rows) <= self.max_batch_rows:
                rows += len(self._queue[0].rows)
                batch.append(self._queue.popleft())
            self._queued_rows -= rows
            return batch

    def _work(self) -> None:
        while (batch := self._take()) is not None:
            rows = [row for pending in batch for row in pending.rows]
            start = time.perf_counter()
            try:
                out = self.predict(rows)
            except BaseException as exc:  # noqa: BLE001 - every waiting request must hear of it
                for pending in batch:
                    pending.future.set_exception(exc)
                continue
            seconds = time.perf_counter() - start
            at = 0
            for pending in batch:
                pending.future.set_result(out[at : at + len(pending.rows)])
                at += len(pending.rows)
            if self.observe is not None:
                self.observe(len(rows), self._queued_rows, seconds)
