"""Tables whose ids, paths and URLs survive any width.

rich shortens cells with an ellipsis when a table is too wide: fine for a description, wrong
for an id or a path the user must type or copy. Key columns keep their whole width (no wrap);
the other columns wrap onto more lines instead of losing text. When the key columns alone do
not fit the terminal, or stdout is not a terminal at all (`mlt images list | cat`, a CI log,
`grep`), the table is plain rows instead: one line per row, columns padded with spaces, never
wrapped or cut (a pipe has no width; the reader's terminal wraps a long line whole).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

_GAP = "  "


def copyable_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], keys: Sequence[str], **options: Any
) -> Any:
    """A rich Table of `rows`; the columns named in `keys` are never shortened."""
    from rich.table import Table

    table = Table(**options)
    for index, name in enumerate(columns):
        if name in keys:
            widest = max([len(name), *(len(str(row[index])) for row in rows)])
            # A fixed width is left alone when rich shrinks the other columns to fit.
            table.add_column(name, no_wrap=True, width=widest)
        else:
            table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def print_table(
    console: Any,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    keys: Sequence[str],
    title: str | None = None,
) -> None:
    """Print `rows` on `console`: a rich table on a terminal wide enough for the key columns,
    else plain rows (see the module docstring)."""
    rows = [[str(cell) for cell in row] for row in rows]
    if console.is_terminal and _keys_fit(columns, rows, keys, console.width):
        options = {"title": title, "title_justify": "left"} if title else {}
        console.print(copyable_table(columns, rows, keys, **options))
        return
    sys.stdout.write("".join(line + "\n" for line in plain_rows(columns, rows, title)))
    sys.stdout.flush()


def plain_rows(
    columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None
) -> list[str]:
    """The table as text lines: a header, then one line per row; only trailing spaces cut."""
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(columns)]
    lines = [title] if title else []
    for row in [list(columns), *rows]:
        lines.append(
            _GAP.join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return lines


def _keys_fit(
    columns: Sequence[str], rows: Sequence[Sequence[str]], keys: Sequence[str], width: int
) -> bool:
    # Each column costs 3 characters of borders and padding; the others need a few to fold.
    need = 1
    for index, name in enumerate(columns):
        widest = max([len(name), *(len(row[index]) for row in rows)])
        need += 3 + (widest if name in keys else min(widest, 8))
    return need <= width
