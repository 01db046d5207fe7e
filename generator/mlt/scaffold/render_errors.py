"""Copier's failures, and answers a template rejects, as mlt's one-line errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mlt.errors import MltError, UsageError

if TYPE_CHECKING:
    from mlt.template.source import TemplateSource

_VALIDATION = re.compile(r"^Validation error for question '([^']+)': (.*)$", re.DOTALL)
_CHOICE = re.compile(r"^Invalid choice for '([^']+)': (.*) is not in (\[.*\])$", re.DOTALL)


def translate(
    exc: BaseException, template: TemplateSource, answers: Mapping[str, Any]
) -> BaseException:
    """Map what copier, git and plumbum raise onto one-line MltErrors; others unchanged."""
    from copier.errors import CopierError, UnsafeTemplateError
    from plumbum import ProcessExecutionError

    if isinstance(exc, KeyboardInterrupt):
        # Copier's CopierAnswersInterrupt (Ctrl-C at a prompt) is also a CopierError.
        return KeyboardInterrupt() if isinstance(exc, CopierError) else exc
    if isinstance(exc, MltError) or not isinstance(exc, Exception):
        return exc
    if isinstance(exc, UnsafeTemplateError):
        # copier's message names copier's own flag; mlt's is --trust on new and update.
        features = str(exc).split(":", 1)[-1].splitlines()[0].strip().rstrip(".")
        return MltError(
            f"template {template.source} needs code to run ({features}); "
            "mlt runs a template's code only when trusted",
            hint="review the template's copier.yml, then re-run with --trust",
            exit_code=4,
        )
    if isinstance(exc, ProcessExecutionError):
        return MltError(f"cannot read template {template.source}: {_last_line(exc.stderr)}")
    if isinstance(exc, ValueError) and not isinstance(exc, CopierError):
        if str(exc).lower().startswith("unknown revision"):
            return UsageError(f"template {template.source} has no tag or commit '{template.ref}'")
        return answer_error(str(exc), answers)
    if isinstance(exc, (CopierError, OSError)):
        return MltError(f"template {template.source} failed to render: {_last_line(str(exc))}")
    return exc


class AnswerRejected(UsageError):
    """An answer the template rejects; `key` names its question (None when unknown)."""

    def __init__(self, message: str, key: str | None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.key = key

    def with_fix(self, others: list[str] | None = None) -> AnswerRejected:
        """With the hint an update needs (the value came from .mlt.yaml, not the user), and
        the other recorded answers this version rejects too."""
        if self.key:
            keys = [self.key, *(k for k in others or [] if k != self.key)]
            fix = " ".join(f"-d {k}=VALUE" for k in keys)
            self.hint = f"give {'it' if len(keys) == 1 else 'them'} a new answer: {fix}"
            if len(keys) > 1:
                self.hint += (
                    f" ({', '.join(keys[1:])} {'is' if len(keys) == 2 else 'are'} rejected too)"
                )
        return self


def answer_error(message: str, answers: Mapping[str, Any]) -> AnswerRejected:
    """Copier's answer errors as `invalid KEY 'VALUE': reason`, like mlt's own; the value
    as it is written on the command line or in .mlt.yaml (`true`, not copier's `'True'`)."""
    text = message.strip()
    choice = _CHOICE.match(text)
    if choice:
        key = choice.group(1)
        value = _shown(answers[key]) if key in answers else choice.group(2).strip("'\"")
        options = ", ".join(str(o) for o in _literal_list(choice.group(3)))
        return AnswerRejected(f"invalid {key} '{value}': choose one of {options}", key)
    match = _VALIDATION.match(text)
    if not match:
        first = text.splitlines()[0] if text else "invalid answer"
        key = _required_key(text)
        hint = f"answer it with -d {key}=VALUE" if key else None
        return AnswerRejected(first[:1].lower() + first[1:], key, hint)
    key, reason = match.group(1), " ".join(match.group(2).split())
    if key in answers:
        return AnswerRejected(f"invalid {key} '{_shown(answers[key])}': {reason}", key)
    # Nobody gave it: its default was derived from other answers (package_name from NAME).
    hint = f"{key} was derived from your other answers; set it yourself: -d {key}=VALUE"
    return AnswerRejected(f"invalid {key}: {reason}", key, hint)


def _required_key(text: str) -> str | None:
    required = re.match(r'^Question "([^"]+)" is required', text)
    return required.group(1) if required else None


def _literal_list(text: str) -> list[Any]:
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return [text]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _shown(value: Any) -> str:
    """An answer as it would be typed on the command line (`true`, not `True`)."""
    import json

    if isinstance(value, (bool, list, dict)) or value is None:
        return json.dumps(value)
    return str(value)


def _last_line(text: str | bytes | None) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"
