"""Run the probe script with the user's interpreter, under LD_DEBUG (and strace when allowed).

The probe is started first and collected last (`start` / `finish`), so host facts are read
while the target interpreter imports its frameworks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt.doctor import trace as tracelib
from mlt.errors import UsageError

PROBE = Path(__file__).with_name("probe.py")


@dataclass
class Interpreter:
    requested: str  # what the user named (or the default)
    path: str  # what we execute: an ELF binary, or the venv symlink to one
    via: str  # how it was resolved


def _is_elf(path: str) -> bool:
    try:
        with Path(path).resolve().open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def resolve_interpreter(explicit: str | None, env: dict[str, str]) -> Interpreter:
    """--python, else $VIRTUAL_ENV/bin/python, else python3 on PATH; shims resolved.

    Tracing a shell shim (pyenv's python3 is a bash script that execs the real binary) would
    trace bash too, so a non-ELF launcher is asked once for its sys.executable. A venv's
    bin/python symlink is kept as is: running its target directly would lose the venv.
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
    try:
        out = subprocess.run(
            [found, "-c", "import sys; print(sys.executable)"],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"cannot run the Python interpreter {found}: {exc}") from None
    real = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if not real or not _is_elf(real):
        raise UsageError(f"{found} did not report a runnable sys.executable ({real!r})")
    return Interpreter(requested, real, via + " (shim resolved via sys.executable)")


@dataclass
class ProbeRun:
    """A probe in flight, then its outcome."""

    interpreter: Interpreter
    tmp: tempfile.TemporaryDirectory[str]
    process: subprocess.Popen[bytes] | None = None
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    strace: bool = False
    started: float = 0.0


def _strace_usable() -> bool:
    return shutil.which("strace") is not None


def _command(run: ProbeRun, use_strace: bool) -> list[str]:
    out = str(Path(run.tmp.name) / "probe.json")
    cmd = [run.interpreter.path, str(PROBE), out]
    if use_strace:
        # seccomp-bpf: only openat stops the tracee, so a framework import stays fast
        log = str(Path(run.tmp.name) / "strace.log")
        cmd = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=openat", "-o", log, "--", *cmd]
    return cmd


def start(interpreter: Interpreter, env: dict[str, str], trace: bool) -> ProbeRun:
    """Start the probe; returns at once."""
    run = ProbeRun(interpreter, tempfile.TemporaryDirectory(prefix="mlt-doctor-"))
    run.env = dict(env)
    # TF logs failed dlopens only at VLOG(1) of its dso loader (tensorflow#66987)
    run.env.setdefault("TF_CPP_VMODULE", "dso_loader=1,cuda_diagnostics=1")
    if trace:
        run.env["LD_DEBUG"] = "libs"
        run.env["LD_DEBUG_OUTPUT"] = str(Path(run.tmp.name) / "ld")
    run.strace = trace and _strace_usable()
    _spawn(run)
    return run


def _spawn(run: ProbeRun) -> None:
    run.command = _command(run, run.strace)
    run.started = time.monotonic()
    run.process = subprocess.Popen(
        run.command,
        env=run.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _strace_refused(run: ProbeRun, stderr: str) -> bool:
    """strace exists but ptrace is blocked (common in containers): no log, complaint on stderr."""
    log = Path(run.tmp.name) / "strace.log"
    empty = not log.exists() or log.stat().st_size == 0
    return empty and ("ptrace" in stderr.lower() or "operation not permitted" in stderr.lower())


def _wait(run: ProbeRun, timeout: float) -> tuple[int | None, str]:
    assert run.process is not None
    try:
        _, err = run.process.communicate(
            timeout=max(0.1, timeout - (time.monotonic() - run.started))
        )
        return run.process.returncode, err.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        try:
            os.killpg(run.process.pid, signal.SIGKILL)
        except OSError:
            pass
        _, err = run.process.communicate()
        return None, err.decode("utf-8", "replace")


def finish(run: ProbeRun, timeout: float) -> dict[str, Any]:
    """Wait for the probe (killed at the timeout); its facts with the parsed traces."""
    try:
        rc, stderr = _wait(run, timeout)
        if rc not in (0, None) and run.strace and _strace_refused(run, stderr):
            run.strace = False
            _spawn(run)
            rc, stderr = _wait(run, timeout)
        return _collect(run, rc, stderr, timeout)
    finally:
        run.tmp.cleanup()


def _describe_exit(rc: int | None, timeout: float) -> str | None:
    if rc is None:
        return f"probe timed out after {timeout:g}s"
    if rc < 0:
        try:
            return f"probe killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"probe killed by signal {-rc}"
    if rc > 0:
        return f"probe exited with status {rc}"
    return None


def _collect(run: ProbeRun, rc: int | None, stderr: str, timeout: float) -> dict[str, Any]:
    tmp = Path(run.tmp.name)
    try:
        result = json.loads((tmp / "probe.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = {}
    meta = {
        "interpreter": {
            "requested": run.interpreter.requested,
            "path": run.interpreter.path,
            "via": run.interpreter.via,
        },
        "returncode": rc,
        "duration_s": round(time.monotonic() - run.started, 3),
        "stage": result.get("stage"),
        "error": _describe_exit(rc, timeout) or (None if result else "probe wrote no result"),
        "stderr_tail": stderr[-2000:],
    }
    ld_text = "\n".join(
        Path(p).read_text(encoding="utf-8", errors="replace") for p in sorted(tmp.glob("ld.*"))
    )
    strace_log = tmp / "strace.log"
    strace_text = (
        strace_log.read_text(encoding="utf-8", errors="replace") if strace_log.exists() else ""
    )
    methods = (["LD_DEBUG=libs"] if "LD_DEBUG" in run.env else []) + (
        ["strace"] if run.strace else []
    )
    result["trace"] = {
        "methods": methods,
        "libs": tracelib.merge(
            tracelib.parse_ld_debug(ld_text), tracelib.parse_strace(strace_text)
        ),
    }
    result["probe"] = meta
    return result
