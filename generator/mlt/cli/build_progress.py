"""How `mlt images build` shows progress: a live rich display, JSON lines, or quiet.

All three get the same events from mlt.images.build (step, log, finished, failed). A failing
step's whole output is always shown (on stderr), whatever the mode: it is what the user needs.
"""

from __future__ import annotations

import collections
import json
import sys
import time
from typing import Any

from mlt.cli._common import err_console

LIVE_TAIL = 6  # RUN output lines under the current step


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _print_failed(number: int, instruction: str, lines: list[str]) -> None:
    err_console.print(
        f"output of failed step {number} ({_one_line(instruction)[:80]}), {len(lines)} lines:",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for line in lines:
        err_console.print(f"  | {line}", highlight=False, markup=False, soft_wrap=True)


class QuietReporter:
    """No progress; only a failing step's output."""

    def __init__(self) -> None:
        self.number, self.instruction = 0, ""

    def step(self, number: int, total: int, instruction: str) -> None:  # noqa: D102
        self.number, self.instruction = number, instruction

    def log(self, line: str) -> None:  # noqa: D102
        pass

    def finished(self, number: int, seconds: float, cached: bool) -> None:  # noqa: D102
        pass

    def failed(self, lines: list[str]) -> None:  # noqa: D102
        _print_failed(self.number, self.instruction, lines)


class JsonLinesReporter:
    """One JSON object per line on stdout, flushed as it happens (for CI and tools)."""

    def __init__(self, with_logs: bool = True) -> None:
        self.with_logs = with_logs
        self.number = 0

    def emit(self, event: str, **data: Any) -> None:
        """Write one event line."""
        sys.stdout.write(json.dumps({"event": event} | data) + "\n")
        sys.stdout.flush()

    def step(self, number: int, total: int, instruction: str) -> None:  # noqa: D102
        self.number = number
        self.emit("step", step=number, total=total, instruction=_one_line(instruction))

    def log(self, line: str) -> None:  # noqa: D102
        if self.with_logs:
            self.emit("log", step=self.number, line=line)

    def finished(self, number: int, seconds: float, cached: bool) -> None:  # noqa: D102
        self.emit("step_done", step=number, seconds=round(seconds, 2), cached=cached)

    def failed(self, lines: list[str]) -> None:  # noqa: D102
        self.emit("failed", step=self.number, output=lines)


class _Current:
    """The live part: spinner, current step with its running time, last lines of output."""

    def __init__(self, image_id: str) -> None:
        from rich.spinner import Spinner

        self.spinner = Spinner("dots")
        self.image_id = image_id
        self.label = "starting"
        self.started = time.monotonic()
        self.build_started = self.started
        self.tail: collections.deque[str] = collections.deque(maxlen=LIVE_TAIL)

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        now = time.monotonic()
        head = Table.grid(padding=(0, 1), expand=True)
        head.add_column(no_wrap=True)
        head.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        head.add_column(no_wrap=True, justify="right")
        head.add_row(
            self.spinner,
            Text(self.label),
            Text(f"{now - self.started:5.1f}s  (total {now - self.build_started:.0f}s)"),
        )
        lines = [
            Text(f"  {line}", style="dim", no_wrap=True, overflow="ellipsis") for line in self.tail
        ]
        return Group(head, *lines)


class LiveReporter:
    """A rich Live display on stderr; finished steps stay printed with their times."""

    def __init__(self, image_id: str) -> None:
        from rich.console import Console
        from rich.live import Live

        self.current = _Current(image_id)
        # Its own stderr console: Live needs a real Console (err_console is a lazy proxy).
        self.live = Live(
            self.current, console=Console(stderr=True), refresh_per_second=8, transient=True
        )
        self.total, self.instruction, self.number = 0, "", 0

    def __enter__(self) -> LiveReporter:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)  # type: ignore[arg-type]

    def step(self, number: int, total: int, instruction: str) -> None:  # noqa: D102
        self.number, self.total, self.instruction = number, total, _one_line(instruction)
        self.current.label = f"step {number}/{total} {self.instruction}"
        self.current.started = time.monotonic()
        self.current.tail.clear()

    def log(self, line: str) -> None:  # noqa: D102
        self.current.tail.append(line.strip())

    def finished(self, number: int, seconds: float, cached: bool) -> None:  # noqa: D102
        from rich.table import Table
        from rich.text import Text

        row = Table.grid(padding=(0, 1), expand=True)
        row.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        row.add_column(no_wrap=True, justify="right")
        row.add_row(
            Text(f"step {number}/{self.total} {self.instruction}"),
            Text("cached" if cached else f"{seconds:.1f}s", style="dim"),
        )
        self.live.console.print(row)

    def failed(self, lines: list[str]) -> None:  # noqa: D102
        self.live.stop()
        _print_failed(self.number, self.instruction, lines)
