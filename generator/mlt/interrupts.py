"""Ctrl-C (and a closed terminal, or a plain `kill`) held off while a repository is between
two consistent states.

Inside `held()` SIGINT, SIGHUP and SIGTERM are ignored by mlt and by every process it starts
(an ignored signal stays ignored across exec), so they cannot stop git half-way through the
few calls that apply an update. Those calls are a handful of git processes (plus the
repository's own hooks); a `kill -9` is still possible, and the update journal covers it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_HELD = (signal.SIGINT, signal.SIGHUP, signal.SIGTERM)


@contextmanager
def held() -> Iterator[None]:
    """Ignore the signals for the block (only the main thread may change signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in _HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
