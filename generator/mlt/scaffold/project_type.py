"""The bundled template's `project_type` question (issue 20: one template for every type).

The bundled template is one copier template whose `project_type` answer picks the type's
folder (`_subdirectory`) and the questions that type asks. mlt gives that answer from the
TYPE argument (or the `bundled:<type>` source of a child) with every render and leaves it out
of the recorded answers, so `.mlt.yaml` reads exactly as it did when each type was a template
of its own. The questions of the other types are hidden from callers: `-d port=...` on a
batch job is an unknown key, as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlt import resources

if TYPE_CHECKING:
    from mlt.scaffold.render_result import RenderResult
    from mlt.template.source import TemplateSource

QUESTION = "project_type"
TYPE_QUESTIONS = "questions.yml"  # templates/<type>/questions.yml: that type's own questions

Prepare = Callable[[Mapping[str, Mapping[str, Any]]], dict[str, Any]]


def bind(
    template: TemplateSource, answers: dict[str, Any], prepare: Prepare | None
) -> tuple[dict[str, Any], Prepare | None]:
    """The answers (and `prepare`) a render of `template` uses, its type answer included."""
    kind = template.type_answer
    if kind is None:
        return answers, prepare
    answers = {**answers, QUESTION: kind}
    if prepare is None:
        return answers, None
    root = Path(template.path)

    def typed(questions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        return {**prepare(questions_for(questions, root, kind)), QUESTION: kind}

    return answers, typed


def unbind(template: TemplateSource, result: RenderResult) -> RenderResult:
    """The render's result with the type answer left out of what is recorded."""
    if template.type_answer is not None:
        result.answers.pop(QUESTION, None)
    return result


def questions_for(
    questions: Mapping[str, Mapping[str, Any]], root: Path, kind: str
) -> dict[str, Mapping[str, Any]]:
    """The questions a `kind` project is asked: the shared ones and its own, not
    `project_type` itself nor the questions only other types ask."""
    own = _keys(root, kind)
    others = {
        key for other in resources.PROJECT_TYPES if other != kind for key in _keys(root, other)
    }
    return {
        name: details
        for name, details in questions.items()
        if name != QUESTION and (name in own or name not in others)
    }


def _keys(root: Path, kind: str) -> set[str]:
    from ruamel.yaml import YAML, YAMLError

    path = root / kind.replace("-", "_") / TYPE_QUESTIONS
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError):
        return set()
    return set(data) if isinstance(data, dict) else set()


def bundled_questions(kind: str) -> dict[str, Any]:
    """The questions the bundled template asks a `kind` project, in copier's order, as
    copier reads its copier.yml (`!include` resolved from the template root)."""
    from collections import ChainMap

    from mlt.copier_subset.config_include import load_documents

    root = resources.template_dir(kind)
    docs = load_documents(FolderFiles(root), "copier.yml", ValueError)
    merged = dict(ChainMap(*reversed(docs)))
    questions = {k: v for k, v in merged.items() if not k.startswith("_")}
    if not resources.is_one_template(root):
        return questions
    return questions_for(questions, root, kind)


class FolderFiles:
    """The two SourceTree methods `load_documents` reads a folder with."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def is_file(self, path: str) -> bool:
        return (self.root / path).is_file()

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()
