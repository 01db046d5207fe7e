"""The pristine render of a template version for a repository mlt did not make, in memory:
copier templates through `scaffold.render`, cookiecutter ones through `cookiecutter_render`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlt.errors import MltError, UsageError
from mlt.scaffold import cookiecutter_render as cc
from mlt.scaffold.answers import coerce_answers

if TYPE_CHECKING:
    from mlt.copier_subset.source_tree import Blob
    from mlt.scaffold.render_result import RenderResult

Asker = Callable[[str, str], "str | None"]


@dataclass
class TemplateRef:
    """A template, its format and how it may be rendered; the version varies."""

    source: str
    format: str  # "copier" or "cookiecutter"
    directory: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)  # recorded, typed
    overrides: dict[str, str] = field(default_factory=dict)  # -d, typed per question
    trust: bool = False
    skip_hooks: bool = False
    # Asks for an answer the records lack: (key, help) -> text, None for the default.
    ask: Asker | None = None
    asked: set[str] = field(default_factory=set)  # each key once, whatever the renders

    def render(self, ref: str | None) -> tuple[RenderResult, dict[str, Blob]]:
        """The files of version `ref` with these answers."""
        from mlt.scaffold.render import render_files
        from mlt.template.source import TemplateSource

        template = TemplateSource(self.source, self.source, ref)
        template.format, template.directory = self.format, self.directory
        template.trust, template.skip_hooks = self.trust, self.skip_hooks

        def prepare(questions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
            # Answers to questions this version does not ask are dropped, as by `mlt update`.
            kept = {k: v for k, v in self.answers.items() if k in questions}
            self._ask_missing(questions, kept)
            return {**kept, **coerce_answers(self.overrides, questions, self.source)}

        return render_files(template, dict(self.answers), prepare=prepare)

    def _ask_missing(self, questions: Mapping[str, Mapping[str, Any]], kept: dict) -> None:
        if self.ask is None:
            return
        for key, question in questions.items():
            # Conditional questions (copier `when`) keep their defaults: never asked out of turn.
            if key in kept or key in self.overrides or key in self.asked or "when" in question:
                continue
            self.asked.add(key)
            value = self.ask(key, str(question.get("help") or ""))
            if value is not None:
                self.overrides[key] = value


def locate(source: str, ref: str | None, directory: str | None, where: str) -> tuple[str, str]:
    """(source as recorded, format) for a template, or a clear error naming `where` it came
    from: unreachable, in neither format, or without that ref."""
    if not cc.is_remote(source):
        path = Path(source).expanduser()
        if not path.is_dir():
            raise MltError(f"template {source} ({where}) cannot be reached: no such directory")
        source = str(path.resolve())
    found = cc.template_format(source, ref, directory)
    if found is None:
        at = f" at {ref}" if ref else ""
        raise UsageError(
            f"template {source}{at} is neither a copier template (copier.yml) nor a "
            f"cookiecutter template ({cc.CONFIG})"
        )
    if found == cc.COPIER and directory:
        raise UsageError("--directory applies to cookiecutter templates (copier: _subdirectory)")
    return source, found
