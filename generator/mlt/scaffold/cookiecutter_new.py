"""What `mlt new` does differently for a cookiecutter template: recognising one (at --ref, in
--directory), its TemplateSource, and the answers it is rendered with. The project itself is
made by `new.create_project`, as for a copier template (staged folder moved into place, one
commit on `main` and `mlt/template`, `.mlt.yaml` with `format: cookiecutter`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlt.errors import UsageError
from mlt.scaffold import cookiecutter_render as cc
from mlt.scaffold.answers import coerce_answers
from mlt.template.source import TemplateSource, is_remote


def wants_cookiecutter(template: str | None, ref: str | None, directory: str | None) -> bool:
    """True when --template names a cookiecutter template (at --ref, in --directory)."""
    if template is None:
        if directory:
            raise UsageError("--directory needs --template (a cookiecutter template)")
        return False
    found = cc.template_format(template, ref, directory)
    if directory and found != cc.FORMAT:
        raise UsageError(
            f"no {cc.CONFIG} in {directory} of template {template}: "
            "--directory applies to cookiecutter templates"
        )
    return found == cc.FORMAT


def template_source(
    source: str,
    ref: str | None,
    directory: str | None = None,
    *,
    trust: bool = False,
    skip_hooks: bool = False,
) -> TemplateSource:
    """A cookiecutter TemplateSource; local paths are recorded absolute (found again later)."""
    if not is_remote(source):
        source = str(Path(source).expanduser().resolve())
    template = TemplateSource(source, source, ref)
    template.format, template.directory = cc.FORMAT, directory
    template.trust, template.skip_hooks = trust, skip_hooks
    return template


def answers_for(
    name: str, data: Mapping[str, str], questions: Mapping[str, Mapping[str, Any]], source: str
) -> dict[str, Any]:
    """The -d answers typed per variable; NAME answers project_name when the template asks it."""
    typed = coerce_answers(data, questions, source)
    named = {"project_name": name} if "project_name" in questions else {}
    return {**named, **typed}
