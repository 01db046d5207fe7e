"""Help text that wraps at the terminal's width, never where the source line happened to end.

Commands take their help from docstrings, which are wrapped at 100 columns in the source. In
rich markup mode typer keeps those line ends, so `mlt update --help` on a 60-column terminal
broke sentences in odd places ("Conflicts get" / "standard git markers"), and the command list
cut a summary after "record where it". Plain paragraphs are joined into one line each here and
rich wraps them; indented blocks (examples) and markup-only lines stay as written.
"""

from __future__ import annotations

import inspect
from typing import Any


def unwrap(text: str) -> str:
    """Join the lines of each plain paragraph; keep indented blocks and headings as they are."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        if len(lines) == 1 or any(line.startswith((" ", "\t")) for line in lines):
            out.append(paragraph)
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def unwrap_all(app: Any) -> None:
    """Apply `unwrap` to every command's and group's help in a Typer app, recursively."""
    for info in app.registered_commands:
        text = info.help or (info.callback.__doc__ if info.callback else None)
        if text:
            info.help = unwrap(text)
    for group in app.registered_groups:
        sub = group.typer_instance
        if sub is not None:
            if sub.info.help and isinstance(sub.info.help, str):
                sub.info.help = unwrap(sub.info.help)
            unwrap_all(sub)
