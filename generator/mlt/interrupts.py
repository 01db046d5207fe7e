"""Ctrl-C (and a closed terminal, or a plain `kill`) held off while a repository is between
two consistent states.

Inside `held()` SIGINT, SIGHUP and SIGTERM are ignored by mlt and by every process it starts
(an ignored signal stays ignored across exec), so they cannot stop git half-way through the
few calls that apply an update. They are also blocked in mlt, which on Linux keeps them
pending instead of dropping them: at the end of the block mlt knows that one came, says so,
and a SIGTERM/SIGHUP then ends the process as it would have. A `kill -9` is still possible;
the update journal covers it.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_HELD = (signal.SIGINT, signal.SIGHUP, signal.SIGTERM)


@dataclass
class Held:
    """What arrived while the signals were held."""

    interrupted: bool = False  # a Ctrl-C (SIGINT) came and was held off


@contextmanager
def held() -> Iterator[Held]:
    """Hold the signals for the block (only the main thread may change signal handlers)."""
    state = Held()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    handlers = {sig: signal.signal(sig, signal.SIG_IGN) for sig in _HELD}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield state
    finally:
        pending = signal.sigpending() & set(_HELD)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # still ignored: pending ones drop
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        state.interrupted = signal.SIGINT in pending
        for sig in pending - {signal.SIGINT}:
            os.kill(os.getpid(), sig)  # the consistent state is reached: now honour it
