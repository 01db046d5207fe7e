"""`KEY=VALUE` command-line pairs (`-d`, `--build-arg`), parsed one way everywhere."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from mlt.errors import UsageError

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    """['K=V', ...] -> {'K': 'V'} (later pairs win; the value may hold '=' or be empty)."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not _KEY.match(key):
            raise UsageError(f"malformed {option} '{pair}': expected KEY=VALUE")
        parsed[key] = value
    return parsed


def as_text(value: Any) -> str:
    """A TOML or YAML value as `-d` text: true/false for booleans (YAML reads them back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
