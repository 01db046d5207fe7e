"""Set question defaults in copier.yml-style YAML text, line by line.

Line edits (not a YAML round trip) keep every comment, quote and fold of the bundled files as
they are: the derived template differs from the bundled one only in its `default:` lines, so
upstream changes merge into it without noise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):\s*(#.*)?$")


def scalar(value: Any) -> str:
    """A YAML scalar for value: JSON text is valid YAML (strings double-quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def set_defaults(text: str, answers: Mapping[str, Any]) -> tuple[str, set[str]]:
    """`text` with `default:` of each question in answers set; and the questions found."""
    lines = text.splitlines(keepends=True)
    found: set[str] = set()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _KEY.match(lines[i])
        if not match or match.group(1) not in answers:
            out.append(lines[i])
            i += 1
            continue
        key = match.group(1)
        end = i + 1
        while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
            end += 1
        while end > i + 1 and not lines[end - 1].strip():
            end -= 1  # trailing blank lines belong between questions
        out.extend(_with_default(lines[i:end], scalar(answers[key])))
        found.add(key)
        i = end
    return "".join(out), found


def _with_default(block: list[str], value: str) -> list[str]:
    """One question's lines with its `  default:` (and the value's continuation) replaced."""
    line = f"  default: {value}\n"
    for n, text in enumerate(block):
        if text.startswith("  default:"):
            stop = n + 1
            while stop < len(block) and block[stop].startswith("   "):
                stop += 1  # a folded or literal value continues, indented deeper
            return [*block[:n], line, *block[stop:]]
    anchor = next((n for n, t in enumerate(block) if t.startswith("  type:")), 0)
    return [*block[: anchor + 1], line, *block[anchor + 1 :]]
