"""Answers `mlt new` supplies itself when neither `-d` nor the config file gave them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlt.scaffold.project_type import QUESTION as PROJECT_TYPE

MLT_SPEC = "mlt_spec"


def answer_defaults(
    typed: dict[str, Any], questions: Mapping[str, Any], project_type: str, foreign: bool
) -> None:
    """Fill in, in place: a template's `project_type` from TYPE (an organisation's template
    derived from the bundled one asks it), and the bundled `mlt_spec` from how the running
    mlt was installed (the template's own default cannot know it)."""
    if foreign and PROJECT_TYPE not in typed and _offers(questions.get(PROJECT_TYPE), project_type):
        typed[PROJECT_TYPE] = project_type
    if not foreign and MLT_SPEC in questions and MLT_SPEC not in typed:
        from mlt.install_spec import running_spec

        typed[MLT_SPEC] = running_spec()


def _offers(question: Any, project_type: str) -> bool:
    """Whether a foreign template's `project_type` question is mlt's (its choices hold TYPE):
    another template's question of that name (substrate's app/package) keeps its own answer."""
    if not isinstance(question, Mapping):
        return False
    choices = question.get("choices")
    if isinstance(choices, Mapping):
        choices = list(choices.values())
    return isinstance(choices, list) and project_type in choices
