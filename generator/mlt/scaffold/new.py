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
from mlt.scaffold import cookiecutter_new
from mlt.scaffold.answers import (
    check_directory_name,
    check_project_name,
    coerce_answers,
    reject_name_answer,
)
from mlt.scaffold.lock import lock_and_commit, lock_wanted
from mlt.scaffold.render import render_template
from mlt.scaffold.render_result import RenderResult
from mlt.scaffold.staging import check_target, staged_directory
from mlt.template.source import TemplateSource
from mlt.template.tasks import run_or_skip_tasks

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
    trust: bool = False  # let the template's Jinja extensions load and its tasks run
    directory: str | None = None  # cookiecutter: the template's folder in the repository
    skip_hooks: bool = False  # cookiecutter: render without the hooks
    no_lock: bool = False  # bundled templates: do not pin dependencies in uv.lock
    # Default answers of the user's config file ([defaults], mlt.config): raw text like `-d`,
    # used where the template asks them, below `-d`.
    defaults: dict[str, str] = field(default_factory=dict)


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
    messages: list[str] = field(default_factory=list)  # tasks run, or skipped

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        return {
            "path": str(self.path),
            "type": self.project_type,
            "source": self.source,
            "version": self.version,
            "answers": self.answers,
            "files": self.files,
            "messages": self.messages,
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
    """Render, record and commit a new project; raise MltError on any bad input.

    One path for both template formats: `render_template` dispatches on the format.
    A bundled template's project_name is NAME. A foreign copier template keeps its own
    questions: NAME names the directory, and its project_name (if it asks one) comes from -d
    or its default; only a project_name it requires and nobody answered falls back to NAME.
    A cookiecutter template's project_name is NAME when it asks one (issue 15).
    """
    foreign = request.template is not None
    if foreign:
        check_directory_name(request.name)
    else:
        check_project_name(request.name)
        reject_name_answer(request.data)
    cookiecutter = cookiecutter_new.wants_cookiecutter(
        request.template, request.ref, request.directory
    )
    if cookiecutter:
        check_project_name(request.name)
        assert request.template is not None
        template = cookiecutter_new.template_source(
            request.template,
            request.ref,
            request.directory,
            trust=request.trust,
            skip_hooks=request.skip_hooks,
        )
    else:
        template = resolve_template(request.project_type, request.template, request.ref)
    # abspath, not resolve(): normalise `..` but keep the symlinks the user chose.
    target = Path(os.path.abspath(Path(request.output_dir).expanduser() / request.name))  # noqa: PTH100 - see above
    check_target(target)
    fixed = {} if foreign else {"project_name": request.name}

    def prepare(questions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        if cookiecutter:
            return cookiecutter_new.answers_for(
                request.name, request.data, questions, template.source
            )
        from mlt.scaffold.defaults import answer_defaults

        raw = {**{k: v for k, v in request.defaults.items() if k in questions}, **request.data}
        typed = coerce_answers(raw, questions, template.source, name_is_argument=not foreign)
        if foreign and not request.interactive and _required(questions, "project_name", typed):
            typed["project_name"] = request.name
        answer_defaults(typed, questions, request.project_type, foreign)
        return {**fixed, **typed}

    with staged_directory(target) as staging:
        result = render_template(
            template,
            staging,
            fixed,
            defaults=not request.interactive,
            interactive=request.interactive,
            prepare=prepare,
            trust=request.trust,
        )
        prov = Provenance(
            template.source,
            result.version,
            result.answers,
            result.commit,
            format=template.format,
            directory=template.directory,
        )
        commit = record_and_commit(staging, prov, request.git)
        # Tasks run after the pristine commit (their changes stay uncommitted, as after an
        # update) and before the move: a failing task leaves nothing behind. Cookiecutter
        # templates have hooks instead (run by the render, with --trust).
        messages = []
        if foreign and not cookiecutter:
            messages = _tasks(template, result, staging, request.trust)
        if not foreign and lock_wanted(request.no_lock):
            warning = lock_and_commit(staging, request.git)
            messages += [warning] if warning else []
    return NewProject(
        path=target,
        project_type=request.project_type,
        source=template.source,
        version=result.version,
        answers=result.answers,
        files=sorted({*result.files, PROVENANCE_FILE}),
        commit=commit,
        messages=messages,
    )


def record_and_commit(staging: Path, prov: Provenance, git: bool) -> str | None:
    """Write `.mlt.yaml` into the staged project and make its first (pristine) commit."""
    prov.write(staging)
    message = f"Initial commit from mlt template {prov.source} {prov.version}"
    try:
        return init_repository(staging, message) if git else None
    except gitops.GitError as exc:
        raise gitops.GitError(exc.message, hint="--no-git creates the project without git") from exc


def _required(questions: Mapping[str, Mapping[str, Any]], key: str, typed: Mapping) -> bool:
    """The template asks `key`, has no default for it, and -d did not answer it."""
    details = questions.get(key)
    if details is None or key in typed:
        return False
    # `key: value` in copier.yml is a question with that default.
    return isinstance(details, Mapping) and "default" not in details


def _tasks(template: TemplateSource, result: RenderResult, project: Path, trust: bool) -> list[str]:
    ref = result.commit or template.ref
    source = TemplateSource.from_provenance_source(template.source, ref)
    return run_or_skip_tasks(source, project, trust)


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
