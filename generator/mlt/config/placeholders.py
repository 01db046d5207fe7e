"""Answers the bundled template ships as placeholders (example.com), named once per `mlt new`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PLACEHOLDER_DOMAIN = "example.com"


def placeholder_answers(answers: Mapping[str, Any]) -> list[str]:
    """The answers still pointing at example.com (registries, e-mail), in sorted order."""
    return sorted(
        key for key, value in answers.items() if isinstance(value, str) and _is_placeholder(value)
    )


def _is_placeholder(value: str) -> bool:
    host = value.rsplit("@", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    return host == PLACEHOLDER_DOMAIN or host.endswith("." + PLACEHOLDER_DOMAIN)


def placeholder_warning(answers: Mapping[str, Any], config_file: str) -> str | None:
    """One warning naming the placeholder answers and where to set them once, or None."""
    keys = placeholder_answers(answers)
    if not keys:
        return None
    shown = ", ".join(f"{key}={answers[key]}" for key in keys)
    return (
        f"placeholder answers left: {shown}; set them for the whole organisation under "
        f"[defaults] in {config_file}, or derive your own template with `mlt template init`"
    )
