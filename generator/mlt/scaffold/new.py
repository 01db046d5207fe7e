"""`mlt new`: render a template into a fresh project directory, record provenance, commit.

The project is built in a staging directory beside the target and moved into place at the
end, so a failure or Ctrl-C leaves nothing behind. Its git history starts with exactly one
commit, the pristine render, which both `main` and the template branch point at: the
merge base every later `mlt update` starts from.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt import gitops
from mlt.errors import UsageError
from mlt.provenance import PROVENANCE_FILE, TEMPLATE_BRANCH, Provenance
from mlt.scaffold.answers import check_project_name, coerce_answers
from mlt.scaffold.render import TemplateSource, render_template
from mlt.scaffold.staging import check_target, staged_directory

MAIN_BRANCH = "main"
_LABEL = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass
class NewRequest:
    """What the user asked for."""

    project_type: str  # a bundled type, or (with `template`) a free label for display
    name: str
    output_dir: Path
    data: dict[str, str] = field(default_factory=dict)  # raw `-d` values, typed later
    template: str | None = None  # local path or git URL of any copier template
    ref: str | None = None
    git: bool = True
    interactive: bool = False
    directory: str | None = None  # cookiecutter: the template's folder in the repository
    trust: bool = False  # cookiecutter: run the template's hooks / local extensions
    skip_hooks: bool = False  # cookiecutter: render without the hooks


@dataclass
class NewProject:
    """What `mlt new` made."""

    path: Path
    project_type: str
    source: str
    version: str
    answers: dict[str, Any]
    files: list[str]
    commit: str | None  # the initial commit, None with --no-git

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        return {
            "path": str(self.path),
            "type": self.project_type,
            "source": self.source,
            "version": self.version,
            "answers": self.answers,
            "files": self.files,
        }


def resolve_template(project_type: str, template: str | None, ref: str | None) -> TemplateSource:
    """The bundled template for the type, or the external one given with --template."""
    if template is None:
        if ref is not None:
            raise UsageError("--ref needs --template: bundled templates are versioned with mlt")
        return TemplateSource.bundled(project_type)
    if not _LABEL.match(project_type):
        raise UsageError(
            f"invalid type label '{project_type}': use lowercase letters, digits and dashes"
        )
    return TemplateSource.external(template, ref)


def create_project(request: NewRequest) -> NewProject:
    """Render, record and commit a new project; raise MltError on any bad input."""
    check_project_name(request.name)
    from mlt.scaffold import cookiecutter_new

    if cookiecutter_new.wants_cookiecutter(request):  # issue 15: cookiecutter templates
        return cookiecutter_new.create_project(request)
    template = resolve_template(request.project_type, request.template, request.ref)
    # abspath, not resolve(): normalise `..` but keep the symlinks the user chose.
    target = Path(os.path.abspath(Path(request.output_dir).expanduser() / request.name))  # noqa: PTH100 - see above
    check_target(target)

    def prepare(questions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        typed = coerce_answers(request.data, questions, template.source)
        return {"project_name": request.name, **typed}

    with staged_directory(target) as staging:
        result = render_template(
            template,
            staging,
            {"project_name": request.name},
            defaults=not request.interactive,
            interactive=request.interactive,
            prepare=prepare,
        )
        Provenance(
            source=template.source,
            version=result.version,
            answers=result.answers,
            commit=result.commit,
        ).write(staging)
        message = f"Initial commit from mlt template {template.source} {result.version}"
        try:
            commit = init_repository(staging, message) if request.git else None
        except gitops.GitError as exc:
            raise gitops.GitError(
                exc.message, hint="--no-git creates the project without git"
            ) from exc
    return NewProject(
        path=target,
        project_type=request.project_type,
        source=template.source,
        version=result.version,
        answers=result.answers,
        files=sorted({*result.files, PROVENANCE_FILE}),
        commit=commit,
    )


def init_repository(path: Path, message: str) -> str:
    """`git init` and commit everything as the one commit of `main` and the template branch."""
    gitops.git("init", "-q", "-b", MAIN_BRANCH, cwd=path)
    # --force: template files that the project's own .gitignore matches are still recorded.
    gitops.git("add", "--all", "--force", cwd=path)
    env = gitops.identity_env(path)
    gitops.git("commit", "-q", "--no-verify", "-m", message, cwd=path, env=env)
    gitops.git("branch", TEMPLATE_BRANCH, cwd=path)
    sha = gitops.git("rev-parse", "HEAD", cwd=path)
    return sha
