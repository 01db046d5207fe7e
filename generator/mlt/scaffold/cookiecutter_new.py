"""`mlt new` for a cookiecutter template: the same project, history and provenance as for a
copier template (staged folder moved into place, one commit on `main` and `mlt/template`,
`.mlt.yaml` with `format: cookiecutter`), rendered by `cookiecutter_render`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlt.errors import UsageError
from mlt.provenance import PROVENANCE_FILE, Provenance
from mlt.scaffold import cookiecutter_render as cc
from mlt.scaffold.answers import check_project_name, coerce_answers
from mlt.scaffold.render import TemplateSource
from mlt.scaffold.staging import check_target, staged_directory

if TYPE_CHECKING:
    from mlt.scaffold.new import NewProject, NewRequest


def wants_cookiecutter(request: NewRequest) -> bool:
    """True when --template names a cookiecutter template (at --ref, in --directory)."""
    if request.template is None:
        if request.directory:
            raise UsageError("--directory needs --template (a cookiecutter template)")
        return False
    found = cc.template_format(request.template, request.ref, request.directory)
    if request.directory and found != cc.FORMAT:
        raise UsageError(
            f"no {cc.CONFIG} in {request.directory} of template {request.template}: "
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
    if not cc.is_remote(source):
        source = str(Path(source).expanduser().resolve())
    template = TemplateSource(source, source, ref)
    template.format, template.directory = cc.FORMAT, directory
    template.trust, template.skip_hooks = trust, skip_hooks
    return template


def create_project(request: NewRequest) -> NewProject:
    """Render the cookiecutter template into DIR/NAME, record and commit it."""
    from mlt.scaffold.new import NewProject, record_and_commit

    check_project_name(request.name)
    assert request.template is not None
    template = template_source(
        request.template,
        request.ref,
        request.directory,
        trust=request.trust,
        skip_hooks=request.skip_hooks,
    )
    target = Path(os.path.abspath(Path(request.output_dir).expanduser() / request.name))  # noqa: PTH100 - keep the user's symlinks
    check_target(target)

    def prepare(questions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        typed = coerce_answers(request.data, questions, template.source)
        named = {"project_name": request.name} if "project_name" in questions else {}
        return {**named, **typed}

    with staged_directory(target) as staging:
        result, files = cc.render_files(
            template, {}, prepare=prepare, interactive=request.interactive
        )
        cc.write_files(files, staging)
        prov = Provenance(
            source=template.source,
            version=result.version,
            answers=result.answers,
            commit=result.commit,
            format=cc.FORMAT,
            directory=request.directory,
        )
        commit = record_and_commit(staging, prov, request.git)
    return NewProject(
        path=target,
        project_type=request.project_type,
        source=template.source,
        version=result.version,
        answers=result.answers,
        files=sorted({*result.files, PROVENANCE_FILE}),
        commit=commit,
    )
