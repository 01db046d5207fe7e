"""Run the probe script with the user's interpreter, under LD_DEBUG (and strace when allowed).

The probe is started first and collected last (`start` / `finish`), so host facts are read
while the target interpreter imports its frameworks. Every process runs in its own session
with its output going to files, and is killed with its whole group at the deadline.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlt.doctor import bounded
from mlt.doctor import trace as tracelib
from mlt.errors import UsageError

TARGET = Path(__file__).with_name("target")
PROBE = TARGET / "mlt_probe.py"
LOG_LIMIT = 32 << 20  # LD_DEBUG of a big import is a few MB


@dataclass
class Interpreter:
    requested: str  # what the user named (or the default)
    path: str  # what we execute: an ELF binary, or the venv symlink to one
    via: str  # how it was resolved


def _is_elf(path: str) -> bool:
    try:
        return bounded.read_bytes(Path(path).resolve(), 4) == b"\x7fELF"
    except OSError:
        return False


def resolve_interpreter(
    explicit: str | None, env: dict[str, str], timeout: float = 30
) -> Interpreter:
    """--python, else $VIRTUAL_ENV/bin/python, else python3 on PATH; shims resolved.

    Tracing a shell shim (pyenv's python3 is a bash script that execs the real binary) would
    trace bash too, so a non-ELF launcher is asked once for its sys.executable, under the
    time limit. A venv's bin/python symlink is kept as is: its target would lose the venv.
    """
    if explicit:
        requested, via = explicit, "--python"
    elif env.get("VIRTUAL_ENV"):
        requested, via = str(Path(env["VIRTUAL_ENV"]) / "bin" / "python"), "$VIRTUAL_ENV"
    else:
        requested, via = "python3", "PATH"
    found = requested if os.sep in requested else shutil.which(requested, path=env.get("PATH"))
    if not found or not Path(found).exists():
        hint = None if via == "--python" else "pass --python PATH to name the project's interpreter"
        raise UsageError(f"Python interpreter not found: {requested} (from {via})", hint=hint)
    if _is_elf(found):
        return Interpreter(requested, found, via)
    with tempfile.TemporaryDirectory(prefix="mlt-doctor-") as tmp:
        try:
            rc, out = bounded.run(
                [found, "-c", "import sys; print(sys.executable)"], timeout, env, Path(tmp)
            )
        except OSError as exc:
            raise UsageError(f"cannot run the Python interpreter {found}: {exc}") from None
    if rc is None:
        raise UsageError(
            f"the Python interpreter {found} did not answer within {bounded.seconds(timeout)}"
        )
    lines = out.strip().splitlines()
    real = lines[-1].strip() if lines else ""
    if rc != 0 or not real or not _is_elf(real):
        raise UsageError(
            f"{found} did not report a runnable sys.executable "
            f"(exit status {rc}, output {real[:200]!r})"
        )
    return Interpreter(requested, real, via + " (shim resolved via sys.executable)")


@functools.lru_cache(maxsize=1)
def strace_usable() -> bool:
    """strace is installed and ptrace is allowed here (often refused in containers)."""
    if not shutil.which("strace"):
        return False
    with tempfile.TemporaryDirectory(prefix="mlt-doctor-") as tmp:
        try:
            rc, _ = bounded.run(
                ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=openat", "--", "true"],
                5,
                dict(os.environ),
                Path(tmp),
            )
        except OSError:
            return False
    return rc == 0


@dataclass
class Traced:
    """One traced process: its command, logs folder, and outcome."""

    argv: list[str]
    tmp: Path
    env: dict[str, str]
    strace: bool
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    returncode: int | None = None
    timed_out: bool = False
    duration_s: float = 0.0

    @property
    def methods(self) -> list[str]:
        return (["LD_DEBUG=libs"] if "LD_DEBUG" in self.env else []) + (
            ["strace"] if self.strace else []
        )


def spawn(
    argv: list[str], env: dict[str, str], tmp: Path, trace: bool, name: str, strace: bool = True
) -> Traced:
    """Start argv under LD_DEBUG=libs (and strace, unless told not to), output to files under
    tmp/name.*."""
    env = dict(env)
    # TF logs failed dlopens only at VLOG(1) of its dso loader (tensorflow#66987)
    env.setdefault("TF_CPP_VMODULE", "dso_loader=1,cuda_diagnostics=1")
    use_strace = trace and strace and strace_usable()
    if trace:
        env["LD_DEBUG"] = "libs"
        env["LD_DEBUG_OUTPUT"] = str(tmp / f"{name}.ld")
    cmd = list(argv)
    if use_strace:
        # seccomp-bpf: only openat stops the tracee, so a framework import stays fast
        log = str(tmp / f"{name}.strace")
        cmd = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=openat", "-o", log, "--", *cmd]
    run = Traced(argv, tmp, env, use_strace)
    with (tmp / f"{name}.out").open("wb") as out:
        run.started = time.monotonic()
        run.process = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return run


def wait(run: Traced, deadline: float) -> None:
    assert run.process is not None
    run.returncode = bounded.wait(run.process, deadline)
    run.timed_out = run.returncode is None
    run.duration_s = round(time.monotonic() - run.started, 3)


def traced_libs(run: Traced, name: str) -> dict[str, Any]:
    """What LD_DEBUG and strace saw the process (and its children) load."""
    ld_text = "\n".join(
        bounded.read_tail(p, LOG_LIMIT) for p in sorted(run.tmp.glob(f"{name}.ld.*"))
    )
    strace_text = bounded.read_tail(run.tmp / f"{name}.strace", LOG_LIMIT)
    return {
        "methods": run.methods,
        "libs": tracelib.merge(
            tracelib.parse_ld_debug(ld_text), tracelib.parse_strace(strace_text)
        ),
    }


def describe_exit(what: str, rc: int | None, timeout: float) -> str | None:
    if rc is None:
        return f"{what} timed out after {bounded.seconds(timeout)}"
    if rc < 0:
        try:
            return f"{what} killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"{what} killed by signal {-rc}"
    if rc > 0:
        return f"{what} exited with status {rc}"
    return None


@dataclass
class ProbeRun:
    """A probe in flight, then its outcome."""

    interpreter: Interpreter
    tmp: tempfile.TemporaryDirectory[str]
    traced: Traced


def start(
    interpreter: Interpreter,
    env: dict[str, str],
    trace: bool,
    *,
    frameworks: str | None = None,
    load: list[str] | None = None,
    budget: float | None = None,
) -> ProbeRun:
    """Start the probe; returns at once.

    frameworks: which to import (comma-separated; default all installed); load: exact
    library files to load instead of guessing (what a traced command mapped).
    """
    tmp = tempfile.TemporaryDirectory(prefix="mlt-doctor-")
    env = dict(env)
    if frameworks is not None:
        env["MLT_PROBE_FRAMEWORKS"] = frameworks
    if load is not None:
        env["MLT_PROBE_LOAD"] = os.pathsep.join(load)
    if budget:
        env["MLT_PROBE_BUDGET"] = f"{budget:g}"
    out = str(Path(tmp.name) / "probe.json")
    try:
        # LD_DEBUG only: no rule reads strace's view, and stopping at each of the thousands of
        # files a framework import opens made the probe ~20 % slower than `import torch`
        traced = spawn(
            [interpreter.path, str(PROBE), out], env, Path(tmp.name), trace, "probe", strace=False
        )
    except OSError:
        tmp.cleanup()
        raise
    return ProbeRun(interpreter, tmp, traced)


def finish(run: ProbeRun, deadline: float, timeout: float) -> dict[str, Any]:
    """Wait for the probe (killed with its group at the deadline); facts with the traces."""
    try:
        wait(run.traced, deadline)
        return _collect(run, timeout)
    finally:
        run.tmp.cleanup()


def _collect(run: ProbeRun, timeout: float) -> dict[str, Any]:
    tmp = Path(run.tmp.name)
    try:
        result = json.loads(bounded.read_bytes(tmp / "probe.json", 64 << 20))
    except (OSError, ValueError):
        result = {}
    if not isinstance(result, dict):
        result = {}
    rc = run.traced.returncode
    output = bounded.read_tail(tmp / "probe.out", 16 << 10)
    result["trace"] = traced_libs(run.traced, "probe")
    result["probe"] = {
        "interpreter": {
            "requested": run.interpreter.requested,
            "path": run.interpreter.path,
            "via": run.interpreter.via,
        },
        "returncode": rc,
        "duration_s": run.traced.duration_s,
        "stage": result.get("stage"),
        "error": describe_exit("probe", rc, timeout)
        or (None if result.get("stage") else "probe wrote no result"),
        "stderr_tail": output[-2000:],
    }
    return result
