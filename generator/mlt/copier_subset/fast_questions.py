"""copier's questions without copier: casting, defaults, choices, validators (`fast_render`).

The non-interactive subset of copier 9's `_user_data.Question` and `AnswersMap` that
`fast_render.FastTemplate.ask` uses; `template` is the FastTemplate whose Jinja environment
renders every templated value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from mlt.copier_subset.errors import MISSING, AnswerError, Unsupported

if TYPE_CHECKING:
    from mlt.copier_subset.fast_render import FastTemplate

TYPES = ("str", "int", "float", "bool", "yaml", "json")
JSON_TYPES = (dict, list, str, int, float, bool, type(None))  # copier's JSONSerializable


# --- casting (copier's _tools.cast_to_bool / cast_to_str, CAST_STR_TO_NATIVE) ----------------


def cast_to_bool(value: Any) -> bool:
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    try:
        lower = value.strip().lower()
    except AttributeError:
        return bool(value)
    if not lower:
        return False
    if lower in {"y", "yes", "t", "true", "on"}:
        return True
    if lower in {"n", "no", "f", "false", "off", "~", "null", "none"}:
        return False
    return bool(value)


def cast_to_str(value: Any) -> str:
    if isinstance(value, str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, (float, int, Decimal)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode()
    raise ValueError(f"Could not convert {value} to string")


def _parse_yaml(text: Any) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.error.YAMLError as error:
        raise ValueError(str(error)) from error


CASTS: dict[str, Callable[[Any], Any]] = {
    "bool": cast_to_bool,
    "float": float,
    "int": int,
    "json": json.loads,
    "str": cast_to_str,
    "yaml": _parse_yaml,
}


class Answers:
    """copier's AnswersMap, reduced to what a fresh non-interactive copy uses."""

    def __init__(self, init: dict[str, Any]) -> None:
        self.init = init
        self.user: dict[str, Any] = {}
        self.hidden: set[str] = set()

    def combined(self, metadata: Mapping[str, Any]) -> dict[str, Any]:
        # ChainMap(user, init, metadata, ...) as a dict: keys in first-seen order from the
        # lowest priority map up, values from the highest. `metadata` is copier's
        # Template.metadata: `_src_path`, then `_commit` for a git template.
        return {**metadata, **self.init, **self.user}

    def remembered(self, metadata: Mapping[str, Any], questions: Mapping[str, Any]) -> dict:
        """copier's `_answers_to_remember`: `_commit` (git templates), `_src_path`, answers."""
        result: dict[str, Any] = {
            k: metadata[k] for k in ("_commit", "_src_path") if metadata.get(k) is not None
        }
        for key, value in self.combined(metadata).items():
            if (
                not key.startswith("_")
                and key not in self.hidden
                and key in questions
                and isinstance(value, JSON_TYPES)
            ):
                result[key] = value
        return result


class Question:
    """copier's `Question`, for one non-interactive answer."""

    def __init__(
        self, template: FastTemplate, name: str, details: Mapping[str, Any], context: dict
    ) -> None:
        self.template = template
        self.name = name
        self.context = context
        self.default_value = details.get("default", MISSING)
        self.choices = details.get("choices", [])
        self.validator = details.get("validator", "")
        self.when_value = details.get("when", True)
        for key, kinds in (("help", str), ("placeholder", str), ("qmark", (str, type(None)))):
            if key in details and not isinstance(details[key], kinds):
                raise Unsupported(f"question {name}: {key}")
        if not isinstance(details.get("multiline", False), (str, bool)):
            raise Unsupported(f"question {name}: multiline")
        if not isinstance(self.validator, str) or not isinstance(self.when_value, (str, bool)):
            raise Unsupported(f"question {name}: validator or when")
        type_name = details.get("type", "")
        if type_name == "":
            default_type = type(self.default_value).__name__
            type_name = default_type if default_type in (*TYPES, "path") else "yaml"
        if not isinstance(type_name, str) or type_name not in TYPES:
            raise Unsupported(f"question {name}: type {type_name!r}")
        self.type = type_name
        self._choices: list[Any] | None = None

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        context = {**self.context, **extra} if extra else self.context
        return self.template._render_value(value, context)

    def when(self) -> bool:
        return cast_to_bool(self.render(self.when_value))

    def cast(self, answer: Any) -> Any:
        if answer is None and self.type not in ("json", "yaml"):
            raise Unsupported(f"None answer to {self.name}")  # copier's InvalidTypeError
        try:
            return CASTS[self.type](answer)
        except (TypeError, AttributeError) as exc:
            if self.type in ("json", "yaml"):
                return answer
            raise Unsupported(f"answer to {self.name} of type {type(answer).__name__}") from exc
        except ValueError as exc:
            raise AnswerError(str(exc)) from exc

    def choice_values(self) -> list[Any]:
        if self._choices is None:
            choices = self.choices
            if isinstance(choices, dict):
                choices = list(choices.items())
            if not isinstance(choices, list):
                raise Unsupported(f"question {self.name}: templated choices")
            values = []
            for choice in choices:
                if isinstance(choice, (tuple, list)):
                    if len(choice) != 2:
                        raise Unsupported(f"question {self.name}: choice {choice!r}")
                    _, value = choice
                else:
                    value = choice
                if value is None or isinstance(value, (dict, list, tuple)):
                    raise Unsupported(f"question {self.name}: choice {choice!r}")
                value = self.render(value)
                self.cast(value)  # copier checks every choice casts
                values.append(value)
            self._choices = values
        return self._choices

    def parse(self, answer: Any) -> Any:
        """copier's `_parse_answer`: cast, then check it is one of the choices."""
        ans = self.cast(answer)
        values = self.choice_values()
        if not values:
            return ans
        valid = []
        for value in values:
            cast_value = self.cast(value)
            valid.append(cast_value)
            if ans == cast_value:
                return ans
        raise AnswerError(f"Invalid choice for '{self.name}': {ans!r} is not in {valid}")

    def validate(self, answer: Any) -> None:
        try:
            message = self.render(self.validator, {self.name: answer}).strip()
        except Unsupported:
            raise
        except Exception as error:  # noqa: BLE001 - copier turns any failure into the message
            message = str(error)
        if message:
            raise AnswerError(f"Validation error for question '{self.name}': {message}")

    def default(self) -> Any:
        """copier's `get_default` for a question not answered in the data (no previous
        answers, no user defaults)."""
        result = self.render(self.default_value)
        if result is MISSING:
            return MISSING
        result = self.parse(result)
        if self.when():
            self.validate(result)
        return result
