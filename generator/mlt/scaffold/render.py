"""Render a template (bundled or any copier template) into a directory.

The one place that calls copier, used by `mlt new` and by `mlt update` (for the pristine
render of the target version). Bundled templates take `fastrender` first, which renders the
copier subset they use without importing copier. Template tasks never run here: renders
are side-effect free.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlt import resources
from mlt.errors import MltError, UsageError
from mlt.provenance import BUNDLED_PREFIX
from mlt.scaffold import project_type
from mlt.scaffold.rendererrors import answer_error, translate

if TYPE_CHECKING:
    from mlt.scaffold.gitcheckout import GitCheckout
    from mlt.scaffold.sourcetree import Blob, SourceTree

TEMPLATE_META = "mlt-template.yml"
COPIER_CONFIGS = ("copier.yml", "copier.yaml")
UNVERSIONED = "unversioned"
RENDERER_ENV = "MLT_RENDERER"  # "copier": never the fast path; "fast": never copier (bundled)

# Anything copier or git accepts as a remote template (copier's own `get_repo` prefixes).
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)


def is_remote(source: str) -> bool:
    """A git URL (copier's own prefixes), not a local path."""
    return bool(_REMOTE.match(source))


# Receives the template's questions (copier's `questions_data`) once the template is
# readable, and returns the answers to render with: lets callers check keys and types
# against the real template, external ones included, without a second clone.
PrepareAnswers = Callable[[Mapping[str, Mapping[str, Any]]], dict[str, Any]]


@dataclass
class TemplateSource:
    """A resolved template: where copier reads it from and what version it is."""

    source: str  # what goes into provenance: "bundled:<type>", a path or a git URL
    path: str  # what copier is given
    ref: str | None = None  # git ref for external templates
    bundled_type: str | None = None
    # Cookiecutter templates (issue 15) are rendered by mlt.scaffold.cookiecutter_render.
    format: str = "copier"  # or "cookiecutter"
    directory: str | None = None  # the template's folder inside the repository
    trust: bool = False  # cookiecutter hooks and local extensions may run
    skip_hooks: bool = False  # render a cookiecutter template without its hooks
    # The bundled template's `project_type` answer: given with every render, never recorded
    # (`bundled:<type>` says it). None for a template of one type (see scaffold.project_type).
    type_answer: str | None = None
    # gitcheckout.read_local's result (or the Unsupported it raised), read once
    _git_files: Any = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def bundled(cls, project_type: str) -> TemplateSource:
        """The bundled template for a project type ('batch-job', 'service', 'library'), or
        ('template') the bundled template itself, as an organisation's template derives it."""
        from mlt import orgtemplate

        if project_type == orgtemplate.DERIVED_TYPE:
            root = resources.templates_dir()
            if not resources.is_one_template(root):
                raise MltError(f"the bundled template is missing at {root}")
            source = cls(orgtemplate.SOURCE, str(root), None, project_type)
            source.format = orgtemplate.FORMAT
            return source
        if project_type not in resources.PROJECT_TYPES:
            valid = ", ".join(resources.PROJECT_TYPES)
            raise UsageError(f"unknown project type '{project_type}' (valid: {valid})")
        path = resources.template_dir(project_type)
        if not (path / "copier.yml").is_file():
            raise MltError(f"bundled template '{project_type}' is missing at {path}")
        source = cls(BUNDLED_PREFIX + project_type, str(path), None, project_type)
        if resources.is_one_template(path):
            source.type_answer = project_type  # the answer to its `project_type` question
        return source

    @classmethod
    def external(cls, source: str, ref: str | None = None) -> TemplateSource:
        """Any copier template: a local directory (recorded absolute) or a git URL."""
        if _REMOTE.match(source):
            return cls(source, source, ref)
        path = Path(source).expanduser()
        if not path.is_dir():
            raise UsageError(f"template {source} is not a readable directory")
        if not any((path / name).is_file() for name in COPIER_CONFIGS):
            raise UsageError(f"template {source} is not a copier template (no copier.yml)")
        # Absolute, so `mlt update` finds it again from inside the child project.
        resolved = str(path.resolve())
        return cls(resolved, resolved, ref)

    @classmethod
    def from_provenance_source(cls, source: str, ref: str | None = None) -> TemplateSource:
        """Resolve the `source` string recorded in `.mlt.yaml`."""
        if source.startswith(BUNDLED_PREFIX):
            return cls.bundled(source[len(BUNDLED_PREFIX) :])
        return cls(source, source, ref)

    def git_files(self) -> tuple[GitCheckout, SourceTree]:
        """The files of `ref` in this local git template (`gitcheckout.read_local`), read
        once: an update's migrations, render and tasks all come from the same read.
        Raises fastrender.Unsupported where only copier's clone would do."""
        from mlt.scaffold import gitcheckout
        from mlt.scaffold.fastrender import Unsupported

        if self._git_files is None:
            if self.ref is None or _REMOTE.match(self.path):
                self._git_files = Unsupported(f"{self.path}: a URL or no ref")
            else:
                try:
                    self._git_files = gitcheckout.read_local(self.path, self.ref)
                except Unsupported as exc:
                    self._git_files = exc
        if isinstance(self._git_files, Exception):
            raise self._git_files
        return self._git_files

    def bundled_version(self) -> str:
        """Version of a bundled template, from its mlt-template.yml."""
        version = _meta_version(Path(self.path))
        if version is None:
            raise MltError(f"cannot read {Path(self.path) / TEMPLATE_META}")
        return version


@dataclass
class RenderResult:
    """What a render produced."""

    answers: dict[str, Any]  # the answers worth recording (no copier-private keys)
    version: str  # bundled template version, git tag, or commit
    commit: str | None = None  # resolved commit of a git template
    files: list[str] = field(default_factory=list)
    # `_skip_if_exists` patterns, rendered with the answers: files the template leaves to the
    # child once they exist (`mlt update` keeps the child's copy). copier's update decides
    # which deleted ones to make again before it knows the answers: `skip_if_deleted`.
    skip_if_exists: list[str] = field(default_factory=list)
    skip_if_deleted: list[str] = field(default_factory=list)


def render_template(
    template: TemplateSource,
    dest: Path,
    answers: dict[str, Any],
    *,
    defaults: bool = True,
    interactive: bool = False,
    prepare: PrepareAnswers | None = None,
    trust: bool = False,
) -> RenderResult:
    """Render `template` into `dest` (which must not hold anything yet) with `answers`.

    `trust` lets copier load the template's Jinja extensions (a template that declares some
    is refused with exit 4 without it); tasks never run here either way.

    With defaults=True nothing is asked; unanswered questions take their defaults.
    `prepare`, when given, turns the template's questions into the answers actually used.
    Every expected failure (unreadable template, invalid answer) is raised as MltError.

    Bundled templates, and local git templates at an explicit ref, rendered without prompts
    go through `fastrender` (same output, no copier import, no clone); whatever it does not
    reproduce falls back to copier. MLT_RENDERER=copier forces copier; MLT_RENDERER=fast
    forbids the fallback (tests, debugging).
    """
    answers, prepare = project_type.bind(template, answers, prepare)
    fast = None if interactive else _fast_template(template)
    if fast is not None:
        done = _render_fast(fast, answers, prepare, lambda t, a: t.render(Path(dest), a))
        if isinstance(done, RenderResult):
            return project_type.unbind(template, done)
        answers, prepare = done
    result = _render_with_copier(
        template,
        dest,
        answers,
        defaults=defaults,
        interactive=interactive,
        prepare=prepare,
        trust=trust,
    )
    return project_type.unbind(template, result)


def render_files(
    template: TemplateSource,
    answers: dict[str, Any],
    *,
    prepare: PrepareAnswers | None = None,
    trust: bool = False,
    dest: Path | None = None,
) -> tuple[RenderResult, dict[str, Blob]]:
    """`render_template` without a destination: the rendered files, in memory, by path.

    For `mlt update`, which commits the pristine render straight into git objects. The fast
    path never writes anything; a template only copier can render is rendered into a
    temporary folder and read back (symlinks included, as links). `dest` is where the render
    pretends to be (`_folder_name`, `_copier_conf.dst_path`): the child, for an update.
    """
    where = Path(dest) if dest is not None else _MEMORY_DEST
    from mlt.scaffold.sourcetree import Blob

    if template.format == "cookiecutter":
        from mlt.scaffold import cookiecutter_render

        return cookiecutter_render.render_files(template, answers, prepare=prepare)
    if template.format == "mlt-template":  # an organisation's template: derived, not rendered
        from mlt.orgtemplate import derive

        return derive.render_files(template, answers, prepare=prepare)
    answers, prepare = project_type.bind(template, answers, prepare)
    fast = _fast_template(template)
    if fast is not None:
        files: dict[str, Blob] = {}

        def in_memory(t: Any, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
            remembered, outputs = t.render_outputs(where, data)
            for out in outputs:
                if out.content is not None:
                    files[out.path.as_posix()] = Blob(out.mode, out.content)
            return remembered, sorted(files)

        done = _render_fast(fast, answers, prepare, in_memory)
        if isinstance(done, RenderResult):
            return project_type.unbind(template, done), files
        answers, prepare = done
    from mlt.scaffold.sourcetree import SourceTree

    with tempfile.TemporaryDirectory(prefix="mlt-render-") as tmp:
        into = Path(tmp) / where.name
        result = _render_with_copier(
            template, into, answers, defaults=True, interactive=False, prepare=prepare, trust=trust
        )
        files = SourceTree.from_directory(into, symlinks=True).files
        return project_type.unbind(template, result), files


# Where an in-memory render pretends to be (copier's `_folder_name` and `dst_path`): a
# temporary folder, as copier's own update renders into one.
_MEMORY_DEST = Path(tempfile.gettempdir(), "mlt-update", "render")


class _Fast:
    """A template fastrender can read, with the version and commit to record."""

    def __init__(self, template: Any, version: str, commit: str | None, strict: bool) -> None:
        self.template, self.version, self.commit, self.strict = template, version, commit, strict


def _fast_template(template: TemplateSource) -> _Fast | None:
    """The template read by fastrender, or None when copier must render it."""
    from mlt.scaffold import fastrender

    renderer = os.environ.get(RENDERER_ENV, "")
    if renderer == "copier" or not (template.bundled_type or template.ref):
        return None
    strict = renderer == "fast"
    if template.bundled_type:
        try:
            fast = fastrender.FastTemplate(template.path)
        except Exception:
            if strict:
                raise
            return None
        return _Fast(fast, template.bundled_version(), None, strict)
    try:
        # URLs stay with copier: it clones them through its mirror cache, and which tag
        # `describe` names there is not knowable from a shallow clone.
        checkout, tree = template.git_files()
        fast = fastrender.FastTemplate(template.path, tree, git=checkout)
    except Exception:
        if strict:
            raise
        return None
    version = checkout.commit or checkout.commit_hash
    return _Fast(fast, version, checkout.commit_hash, strict)


def _render_fast(
    fast: _Fast,
    answers: dict[str, Any],
    prepare: PrepareAnswers | None,
    render: Callable[[Any, dict[str, Any]], tuple[dict[str, Any], list[str]]],
) -> RenderResult | tuple[dict[str, Any], PrepareAnswers | None]:
    """The render, or (answers, prepare) for copier to go on with when fastrender declines.

    `prepare` runs at most once: after it ran here, copier gets its answers and no prepare.
    Anything fastrender did not expect is left to copier too, which then fails (or not) in
    its own words; nothing is written before fastrender knows it can render everything.
    """
    from mlt.scaffold import fastrender

    if prepare is not None:
        answers, prepare = prepare(fast.template.questions), None
    try:
        remembered, files = render(fast.template, answers)
    except fastrender.AnswerError as exc:
        raise answer_error(str(exc), answers) from exc
    except Exception:
        if fast.strict:
            raise
        return answers, prepare
    recorded = {k: v for k, v in remembered.items() if not k.startswith("_")}
    return RenderResult(
        answers=recorded,
        version=fast.version,
        commit=fast.commit,
        files=files,
        skip_if_exists=list(fast.template.skip_if_exists),
        skip_if_deleted=list(fast.template.skip_if_deleted),
    )


def _render_with_copier(
    template: TemplateSource,
    dest: Path,
    answers: dict[str, Any],
    *,
    defaults: bool,
    interactive: bool,
    prepare: PrepareAnswers | None,
    trust: bool = False,
) -> RenderResult:
    try:
        with _worker_class()(
            src_path=template.path,
            dst_path=Path(dest),
            data=dict(answers),
            vcs_ref=template.ref,
            defaults=defaults or not interactive,
            quiet=True,
            unsafe=trust,
            skip_tasks=True,
            overwrite=True,
            cleanup_on_error=True,
        ) as worker:
            questions = _readable_questions(worker, template)
            if prepare is not None:
                answers = prepare(questions)
                worker.data = dict(answers)
            worker.run_copy()
            return _result(worker, template, Path(dest))
    except BaseException as exc:
        translated = translate(exc, template, answers)
        if translated is exc:
            raise
        raise translated from exc


@functools.cache
def _worker_class() -> type:
    """copier's Worker, minus a per-file `git config` process that is a no-op here.

    copier 9 marks Worker internal, but run_copy has no hook between "template fetched"
    and "questions asked", which `prepare` needs (and the answers to record are private
    either way); pyproject caps copier below 10 for this reason.
    """
    from copier._main import Worker

    class FreshDirectoryWorker(Worker):  # type: ignore[misc, valid-type]
        def _sync_git_index_executable_bit(self, dst_relpath: Any, src_mode: int) -> None:
            # copier runs `git config core.fileMode` once per rendered file to fix the
            # mode of files already tracked in the destination's git index. We only render
            # into new, empty directories, where nothing is tracked: it would be a no-op
            # costing one process per file (measured: 0.67 s -> 0.15 s for 22 files).
            return

    return FreshDirectoryWorker


def _readable_questions(worker: Any, template: TemplateSource) -> Mapping[str, Any]:
    """Fetch the template (cloning a git one) and return its questions."""
    tpl = worker.template
    root = Path(tpl.local_abspath)
    if not any((root / name).is_file() for name in COPIER_CONFIGS):
        raise UsageError(f"template {template.source} is not a copier template (no copier.yml)")
    if template.ref and tpl.vcs != "git":
        raise UsageError(
            f"template {template.source} is not a git repository, so ref '{template.ref}' "
            "cannot be used"
        )
    return tpl.questions_data


def _result(worker: Any, template: TemplateSource, dest: Path) -> RenderResult:
    recorded = {k: v for k, v in worker._answers_to_remember().items() if not k.startswith("_")}
    tpl = worker.template
    if template.bundled_type:
        version, commit = template.bundled_version(), None
    elif tpl.vcs == "git":
        # `git describe --tags`: the exact tag ("v1") when the ref is tagged, which is also
        # a valid ref to render the same version again.
        version, commit = str(tpl.commit or tpl.commit_hash), tpl.commit_hash
    else:
        version, commit = _meta_version(Path(tpl.local_abspath)) or UNVERSIONED, None
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    skip = [worker._render_string(p) for p in worker.all_skip_if_exists]
    # Without the answers, as copier's update renders them for deleted files.
    context = {k: v for k, v in worker._render_context().items() if k.startswith("_")}
    context["_copier_answers"] = {
        k: v for k, v in context["_copier_answers"].items() if k[0] == "_"
    }
    deleted = [worker.jinja_env.from_string(p).render(context) for p in worker.all_skip_if_exists]
    return RenderResult(recorded, version, commit, files, skip, deleted)


def _meta_version(template_root: Path) -> str | None:
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load((template_root / TEMPLATE_META).read_text(encoding="utf-8"))
    except (OSError, YAMLError):
        return None
    if not isinstance(data, dict) or "version" not in data:
        return None
    return str(data["version"])
