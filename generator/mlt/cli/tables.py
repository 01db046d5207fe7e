"""Tables whose ids and paths survive narrow terminals.

rich shortens cells with an ellipsis when a table is too wide: fine for a description, wrong
for an id or a path the user must type or copy. Key columns keep their whole width (no wrap);
the other columns wrap onto more lines instead of losing text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


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
