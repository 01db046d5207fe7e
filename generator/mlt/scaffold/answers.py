"""Check the project name and turn `-d KEY=VALUE` pairs into typed, checked template answers."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mlt.errors import UsageError
from mlt.kv_pairs import parse_pairs

PROJECT_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# A foreign template's NAME only names the directory: any one plain path component.
DIRECTORY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")
_NUMBER_TYPES = {"int": (int,), "float": (int, float)}
# Docker's reference grammar: lowercase host[:port] then lowercase path components.
REGISTRY = re.compile(
    r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$"
)
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REGISTRY_HINT = "a lowercase registry host with an optional path, no spaces (e.g. ghcr.io/acme/ml)"
# Answers mlt's templates share, checked before any render so that a bad value fails as one
# line at `mlt new` and `mlt update` whichever renderer runs (and for templates without the
# copier validators): each check returns the problem, or None.
VALUE_CHECKS = {
    "package_name": lambda v: (
        "a Python keyword cannot be imported as a package" if keyword.iskeyword(v) else None
    ),
    "image_registry": lambda v: None if REGISTRY.match(v) else f"expected {_REGISTRY_HINT}",
    "base_image_registry": lambda v: None if REGISTRY.match(v) else f"expected {_REGISTRY_HINT}",
    "base_image_tag": lambda v: (
        None if IMAGE_TAG.match(v) else "expected an image tag: letters, digits, '_', '.', '-'"
    ),
}


def check_project_name(name: str) -> None:
    """Reject names that are not lowercase words joined by single dashes."""
    if not PROJECT_NAME.match(name):
        raise UsageError(
            f"invalid project name '{name}': use lowercase letters, digits and single "
            "dashes, starting with a letter (e.g. fraud-scorer)"
        )


def check_directory_name(name: str) -> None:
    """NAME of a foreign template: a directory name, not an answer (any case, dots allowed)."""
    if not DIRECTORY_NAME.match(name):
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise UsageError(
            f"invalid directory name '{shown}': use letters, digits, '.', '_', '+' and '-' "
            "(at most 100), starting with a letter or digit"
        )


def reject_name_answer(data: Mapping[str, str]) -> None:
    """Bundled templates take project_name from NAME only (one name for dir and package)."""
    if "project_name" in data:
        raise UsageError("project_name is the NAME argument; do not pass it with -d")


def parse_data(pairs: Sequence[str]) -> dict[str, str]:
    """Split `KEY=VALUE` pairs (later pairs win); values stay text until the types are known."""
    return parse_pairs(pairs, "-d")


def coerce_answers(
    raw: Mapping[str, str],
    questions: Mapping[str, Mapping[str, Any]],
    source: str,
    *,
    name_is_argument: bool = True,
) -> dict[str, Any]:
    """Check the keys against the template's questions and give each value its type.

    Values are read as YAML scalars (`true` -> bool, `8000` -> int), except for `str`
    questions, which keep the text as typed: YAML would turn python_version=3.10 into 3.1.
    """
    # In bundled templates project_name is the NAME argument, never a -d key, and a question
    # with `when: false` is set by the project type (not asked, not recorded: a -d value would
    # be undone by the next update), so neither is offered nor taken.
    hidden = (
        {"project_name"} | {q for q, d in questions.items() if _fixed(d)}
        if name_is_argument
        else set()
    )
    fixed = [key for key in raw if key in hidden - {"project_name"}]
    if fixed:
        raise UsageError(f"{fixed[0]} is set by the project type, not with -d (template {source})")
    unknown = [key for key in raw if key not in questions]
    if unknown:
        names = ", ".join(f"'{key}'" for key in unknown)
        noun = "key" if len(unknown) == 1 else "keys"
        valid = ", ".join(q for q in questions if q not in hidden) or "none"
        raise UsageError(f"unknown answer {noun} {names} for template {source} (valid: {valid})")
    typed = {
        key: _coerce(key, text, str(questions[key].get("type") or "")) for key, text in raw.items()
    }
    check_values(typed)
    return typed


def _fixed(details: Any) -> bool:
    return isinstance(details, Mapping) and details.get("when") is False


def check_values(answers: Mapping[str, Any]) -> None:
    """Refuse answers that would render a broken project (`package_name=class`, an image
    registry with spaces, a tag Docker rejects) with a one-line UsageError."""
    for key, value in answers.items():
        check = VALUE_CHECKS.get(key)
        problem = check(value) if check and isinstance(value, str) else None
        if problem:
            raise UsageError(f"invalid {key} '{value}': {problem}")


def _coerce(key: str, text: str, qtype: str) -> Any:
    if qtype == "str":
        return text
    value = yaml_scalar(text)
    if qtype == "bool":
        if not isinstance(value, bool):
            raise UsageError(f"invalid {key} '{text}': expected true or false")
        return value
    if qtype in _NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES[qtype]):
            kind = "an integer" if qtype == "int" else "a number"
            raise UsageError(f"invalid {key} '{text}': expected {kind}")
        return value
    if qtype in ("json", "path"):
        return text  # copier parses these itself
    return value


def yaml_scalar(text: str) -> Any:
    """`true` -> True, `3` -> 3, `a: b` -> the text itself: only scalars are interpreted."""
    from ruamel.yaml import YAML, YAMLError

    try:
        value = YAML(typ="safe").load(text)
    except YAMLError:
        return text
    if value is None and text.strip() not in ("null", "~"):
        return text  # an empty value stays an empty string
    return value if isinstance(value, (bool, int, float, str)) or value is None else text
