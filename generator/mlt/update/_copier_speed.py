"""Keep copier from spawning one `git config` process per rendered file.

copier's `Worker._render_file` calls `_sync_git_index_executable_bit` for every file it writes
(copier/_main.py, "Propagate executable-bit changes to the destination's git index"). It is a
no-op unless the destination is a git repository with core.fileMode=false — and mlt always
renders into a fresh temporary directory that is not a repository. At 400 files that no-op
costs 400 git processes (the reference measured 813 `git config` calls per copier update).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_HOOK = "_sync_git_index_executable_bit"


@contextmanager
def no_per_file_git() -> Iterator[None]:
    """Within the block, copier skips the per-file index sync (callers render into a non-repo).

    Not re-entrant across threads: callers hold the render lock.
    """
    try:
        from copier._main import Worker
    except ImportError:  # a copier without this private module: nothing to skip
        yield
        return
    original = getattr(Worker, _HOOK, None)
    if original is None:
        yield
        return

    def skip(self: Any, *args: Any, **kwargs: Any) -> None:
        return None

    setattr(Worker, _HOOK, skip)
    try:
        yield
    finally:
        setattr(Worker, _HOOK, original)
