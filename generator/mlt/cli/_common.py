"""Helpers shared by the CLI command modules: consoles, error handling, JSON output.

rich costs ~25 ms to import, which is a tenth of an `mlt update`: the hot commands (update,
check, diff, errors) print plain styled lines through click, which typer has loaded anyway;
the rich consoles are created on first use by the commands that draw tables and reports.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
import typer

from mlt.errors import MltError

F = TypeVar("F", bound=Callable[..., Any])

# The few styles the plain-line commands use, as click.style keyword arguments.
STYLES: dict[str, dict[str, Any]] = {
    "dim": {"dim": True},
    "bold": {"bold": True},
    "red": {"fg": "red", "bold": True},
    "green": {"fg": "green"},
    "yellow": {"fg": "yellow"},
    "cyan": {"fg": "cyan"},
    "magenta": {"fg": "magenta"},
}


class _LazyConsole:
    """A rich Console made on first use (rich is not imported until something draws)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


console: Any = _LazyConsole()
err_console: Any = _LazyConsole(stderr=True)


def styled(text: str, style: str) -> str:
    """`text` in one of STYLES (click drops the colours when the stream is not a terminal)."""
    return click.style(text, **STYLES[style])


def say(*parts: str, err: bool = False) -> None:
    """Print one line made of plain and `styled` parts."""
    click.echo("".join(parts), err=err)


def handle_errors(func: F) -> F:
    """Turn MltError (and Ctrl-C) into one red line on stderr and the error's exit code.

    Commands with a `--json` flag (parameter `json_out` or `as_json`) also get the failure as
    one JSON document on stdout: {"error", "hint", "exit_code"}.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("json_out") or kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except MltError as exc:
            report_error(exc.message, exc.hint, exc.exit_code, as_json)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            report_error("interrupted", None, 130, as_json)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def report_error(message: str, hint: str | None, exit_code: int, as_json: bool) -> None:
    """`error: MESSAGE` (and `hint: HINT`) on stderr; with as_json also the JSON document."""
    say(styled("error:", "red"), " ", message, err=True)
    if hint:
        say(styled("hint:", "dim"), " ", hint, err=True)
    if as_json:
        print_json({"error": message, "hint": hint, "exit_code": exit_code})


def print_json(data: Any) -> None:
    """Write machine-readable output to stdout, untouched by rich."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()
