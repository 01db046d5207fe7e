"""One `mlt update` at a time per repository: `.git/mlt-update.lock`.

Two updates of one repository at once race on `mlt/template`, the journal and the merge:
one of them fails with git's raw "cannot lock ref", and some interleavings leave
`mlt/template` at a render that is not the recorded version's. So every command that writes
(update, `--continue`, `--rebase-template`, the journal recovery) holds this lock from before
it reads anything until it returns, whatever way it returns.

The lock is an exclusive `flock` on `.git/mlt-update.lock` (in the common git dir, so linked
worktrees share it, as they share `mlt/template`). The file says who holds it (pid, host,
start time) for the error the others print. The kernel drops a `flock` when its holder dies,
so a lock file a `kill -9` left behind is simply taken over by the next run: no pid guessing,
no pid-reuse trap. The holder deletes the file before it lets go; a waiter that locked a
file which was deleted meanwhile (its inode is no longer the path's) opens it again.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from mlt.errors import MltError
from mlt.gitops import run_git

LOCK_FILE = "mlt-update.lock"
_POLL_S = 0.05
F = TypeVar("F", bound=Callable[..., Any])


class UpdateLocked(MltError):
    """Another mlt process is updating this repository."""


def lock_path(path: Path) -> Path | None:
    """Where the lock of the repository at (or above) `path` lives; None: not a repository."""
    dot_git = path / ".git"
    if dot_git.is_dir():  # a plain clone: no git process needed
        return dot_git / LOCK_FILE
    run = run_git("rev-parse", "--path-format=absolute", "--git-common-dir", cwd=path)
    if run.rc != 0 or not run.out.strip():
        return None  # not a repository (or not a folder): the command itself says so
    return Path(run.out.strip()) / LOCK_FILE


@contextlib.contextmanager
def update_lock(path: Path, wait: bool = False) -> Iterator[None]:
    """Hold the repository's update lock for the block (or raise UpdateLocked at once)."""
    where = lock_path(path) if path.is_dir() else None
    if where is None:
        yield
        return
    fd = _acquire(where, wait)
    try:
        yield
    finally:
        # Delete first, unlock second: nobody can lock this inode and then find it gone
        # without noticing (see _acquire), and no stale file is left on a normal exit.
        with contextlib.suppress(OSError):
            if _same_file(fd, where):
                where.unlink()
        os.close(fd)


def locked(func: F) -> F:
    """Run `func(path, ...)` under the update lock of `path`; `wait=True` queues behind
    another update instead of refusing."""

    @functools.wraps(func)
    def wrapper(path: Path, *args: Any, wait: bool = False, **kwargs: Any) -> Any:
        with update_lock(Path(path).absolute(), wait):
            return func(path, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _acquire(where: Path, wait: bool) -> int:
    told = False
    while True:
        try:
            fd = os.open(where, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise MltError(f"cannot create the update lock {where}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                # flock unsupported here (some network filesystems): git's own locks still
                # refuse a concurrent ref move, so go on rather than block every update.
                return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
            holder = describe_holder(where)
            if not wait:
                raise UpdateLocked(
                    f"another mlt update is running in this repository ({holder}); "
                    "nothing was changed",
                    hint="wait until it finishes, or add `--wait` to start right after it "
                    f"(its lock: {where})",
                ) from None
            if not told:
                # The one line a core module prints: a wait must not look like a hang.
                sys.stderr.write(
                    f"note: waiting for the mlt update already running here ({holder})\n"
                )
                told = True
            time.sleep(_POLL_S)
            continue
        if not _same_file(fd, where):  # its holder deleted it as we locked: try the new one
            os.close(fd)
            continue
        _record(fd)
        return fd


def _same_file(fd: int, where: Path) -> bool:
    try:
        mine, now = os.fstat(fd), where.stat()
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def _record(fd: int) -> None:
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    data = {"pid": os.getpid(), "host": socket.gethostname(), "started": started}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(data) + "\n").encode(), 0)


def describe_holder(where: Path) -> str:
    """ "pid 123 on HOST, since ...", from the lock file (its holder may be writing it)."""
    for _ in range(10):
        try:
            data = json.loads(where.read_text(encoding="utf-8"))
            return f"pid {data['pid']} on {data['host']}, since {data['started']}"
        except (OSError, ValueError, KeyError, TypeError):
            time.sleep(0.01)  # locked a moment ago, not written yet
    return f"see {where}"
