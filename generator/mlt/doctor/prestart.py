"""Start the probe before the CLI loads: `mlt doctor` spends ~0.3-0.8 s importing typer,
click and its commands, while the probe's framework imports take seconds. The console script
calls `from_argv` first (mlt.cli._run); when `diagnose` later wants the same probe, it takes
this one instead of starting another, so the CLI start-up overlaps the probe.

Only the plain form is started early (--gpu, --json, --trace/--no-trace, --root, --python,
--timeout); anything else (`--`, --image, --k8s-job, --help, an unknown option) goes the
normal way. A probe nobody takes is killed by `discard`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlt.doctor import bounded, runner
from mlt.errors import MltError

_VALUES = ("--root", "--python", "--timeout")
_FLAGS = ("--gpu", "--json", "--trace", "--no-trace")


@dataclass
class Early:
    key: tuple[Any, ...]
    run: runner.ProbeRun
    deadline: float


_early: Early | None = None


def parse(argv: list[str]) -> dict[str, str] | None:
    """The options of a plain `doctor` call, or None for anything else."""
    seen: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name in _VALUES:
            if not eq:
                value = next(args, "")
            if not value:
                return None
            seen[name] = value
        elif arg in _FLAGS and not eq:
            seen[arg] = "1"
        else:
            return None
    return seen


def key_of(python: str | None, trace: bool, root: Path, timeout: float) -> tuple[Any, ...]:
    return (python, trace, str(root), float(timeout), tuple(sorted(os.environ.items())))


def budget(deadline: float) -> float:
    """What the framework imports may use: what is left, less a reserve for the last stage."""
    left = deadline - time.monotonic()
    return max(1.0, left - min(2.0, max(0.5, left * 0.1)))


def from_argv(argv: list[str]) -> None:
    """Start the probe for `mlt doctor ARGV` now, if it is the plain form."""
    global _early
    options = parse(argv)
    if options is None:
        return
    try:
        timeout = float(options.get("--timeout", 60))
    except ValueError:
        return
    root = Path(options.get("--root", "/"))
    trace = "--no-trace" not in options
    python = options.get("--python")
    if timeout < 1 or not root.is_dir():
        return  # the CLI says what is wrong
    env = dict(os.environ)
    deadline = time.monotonic() + timeout
    try:
        interpreter = runner.resolve_interpreter(python, env, timeout)
        env["MLT_PROBE_ROOT"] = str(root)
        run = runner.start(interpreter, env, trace, budget=budget(deadline))
    except (MltError, OSError):
        return  # the normal path reports it
    _early = Early(key_of(python, trace, root, timeout), run, deadline)


def take(python: str | None, trace: bool, root: Path, timeout: float) -> Early | None:
    """The early probe when it was started for exactly these options and environment."""
    global _early
    early, _early = _early, None
    if early is None:
        return None
    if early.key != key_of(python, trace, root, timeout):
        _kill(early)
        return None
    return early


def discard() -> None:
    """Kill an early probe nobody took (a usage error ended the command first)."""
    global _early
    early, _early = _early, None
    if early is not None:
        _kill(early)


def _kill(early: Early) -> None:
    if early.run.traced.process is not None:
        bounded.kill_group(early.run.traced.process)
        bounded.wait(early.run.traced.process, time.monotonic() + 2)
    early.run.tmp.cleanup()
