"""What a render produced, and the hook that turns a template's questions into answers: shared
by both template formats (`render` for copier, `cookiecutter_render`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Receives the template's questions (copier's `questions_data`) once the template is
# readable, and returns the answers to render with: lets callers check keys and types
# against the real template, external ones included, without a second clone.
PrepareAnswers = Callable[[Mapping[str, Mapping[str, Any]]], dict[str, Any]]


@dataclass
class RenderResult:
    """What a render produced."""

    answers: dict[str, Any]  # the answers worth recording (no copier-private keys)
    version: str  # bundled template version, git tag, or commit
    commit: str | None = None  # resolved commit of a git template
    files: list[str] = field(default_factory=list)
    # `_skip_if_exists` patterns, rendered with the answers: files the template leaves to the
    # child once they exist (`mlt update` keeps the child's copy). copier's update decides
    # which deleted ones to make again before it knows the answers: `skip_if_deleted`.
    skip_if_exists: list[str] = field(default_factory=list)
    skip_if_deleted: list[str] = field(default_factory=list)
