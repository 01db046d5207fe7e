"""What the copier subset raises: `Unsupported` (render with copier instead) and `AnswerError`
(an answer copier would reject, in copier's words); `MISSING` marks a question without default."""

from __future__ import annotations

from typing import Any

MISSING: Any = object()


class Unsupported(Exception):  # noqa: N818 - a signal to the caller, not an error shown
    """The template needs a copier feature this renderer does not reproduce."""


class AnswerError(ValueError):
    """An answer copier would reject, with copier's message (render.py words it for mlt)."""
