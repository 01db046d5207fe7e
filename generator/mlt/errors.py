"""The one error root: every expected failure is an MltError, shown as one line."""

from __future__ import annotations


class MltError(Exception):
    """An expected failure with a user-facing message and an exit code.

    The CLI prints `error: <message>` (plus the hint, if any) and exits with `exit_code`.
    Anything that is not an MltError is a bug and keeps its traceback.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(MltError):
    """Bad input from the user (names, options, paths)."""

    exit_code = 2
