"""Ctrl-C before an update started to change anything: say so, exit 130.

Everything an update does before its journaled, signal-held block (reading the repository,
rendering, importing the render as objects, every git call up to then) leaves the repository
as it was, so an interrupt there is reported as exactly that, with the exit code a shell
gives a Ctrl-C. Once the block starts, Ctrl-C is held off (mlt.interrupts) and the update
finishes; an interrupt after it (the template's tasks) is reported by what it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlt.errors import MltError


@dataclass
class Stage:
    """How far an update got: `changing` once it may have changed the repository."""

    changing: bool = False


class Interrupted(MltError):
    """Ctrl-C came before anything changed."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("interrupted; nothing was changed")
