"""Ctrl-C held off while a repository is between two consistent states.

Inside `held()` SIGINT is ignored by mlt and by every process it starts (an ignored signal
stays ignored across exec), so a Ctrl-C cannot stop git half-way through the few calls that
apply an update; it is cheap (a handful of git processes) and the state it protects is the
user's work. A kill (-9) is still possible; the update journal covers that.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held() -> Iterator[None]:
    """Ignore SIGINT for the block (only the main thread may change signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
