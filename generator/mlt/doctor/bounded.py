"""Reads and subprocesses that always end: size-limited, non-blocking, killed by group.

`--root` may hold anything (a FIFO or /dev/zero where /proc/driver/nvidia/version should be),
and the user's interpreter or command may hang, ignore SIGTERM, fork helpers that keep its
pipes open, or print bytes that are not UTF-8.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

DEFAULT_LIMIT = 1 << 20


def seconds(value: float) -> str:
    """A time limit as a person reads it: 7.96 -> '8 s', 0.54 -> '0.5 s'."""
    return f"{round(value)} s" if value >= 2 else f"{value:.1f} s"


class NotRegular(OSError):
    """The path is a FIFO, a device or a socket: reading it could block or never end."""


def read_bytes(path: str | Path, limit: int = DEFAULT_LIMIT) -> bytes:
    """At most `limit` bytes of a regular file; never blocks (O_NONBLOCK, no FIFOs/devices)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"{path} is not a regular file")
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: str | Path, limit: int = DEFAULT_LIMIT) -> str:
    return read_bytes(path, limit).decode("utf-8", "replace")


def read_tail(path: str | Path, limit: int = DEFAULT_LIMIT) -> str:
    """The last `limit` bytes of a log we wrote ourselves (it may be huge)."""
    try:
        with Path(path).open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - limit))
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole process group (the process was started in its own session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        process.kill()
    except OSError:
        pass


def wait(process: subprocess.Popen[bytes], deadline: float) -> int | None:
    """The exit status, or None after killing the group at the deadline (monotonic)."""
    try:
        return process.wait(timeout=max(0.05, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        kill_group(process)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass  # stuck in the kernel (D state): give up on it rather than hang
        return None


def run(
    cmd: list[str], timeout: float, env: dict[str, str], out_dir: Path
) -> tuple[int | None, str]:
    """(status or None on timeout, stdout text) of a short command, output through files.

    Files, not pipes: a grandchild that escapes the kill would keep a pipe open forever.
    """
    out = out_dir / f"run-{os.getpid()}-{time.monotonic_ns()}.out"
    with out.open("wb") as handle:
        process = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    rc = wait(process, time.monotonic() + timeout)
    text = read_tail(out, 64 << 10)
    out.unlink(missing_ok=True)
    return rc, text
