"""Render a template (bundled, any copier template, or a cookiecutter one) into a directory.

`render_template` (into a folder) and `render_files` (in memory) are the format dispatchers
that `mlt new`, `mlt update` and `mlt adopt` all go through.

The one place that calls copier, used by `mlt new` and by `mlt update` (for the pristine
render of the target version). Bundled templates take `mlt.copier_subset` first, which renders
the copier subset they use without importing copier. Template tasks never run here: renders
are side-effect free.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mlt.copier_subset.errors import AnswerError
from mlt.copier_subset.source_tree import Blob, SourceTree
from mlt.errors import UsageError
from mlt.scaffold import cookiecutter_render, project_type
from mlt.scaffold.render_errors import answer_error, translate
from mlt.scaffold.render_result import PrepareAnswers, RenderResult
from mlt.template.meta import meta_version
from mlt.template.source import COPIER_CONFIGS, UNVERSIONED, TemplateSource

RENDERER_ENV = "MLT_RENDERER"  # "copier": never the fast path; "fast": never copier (bundled)


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
    go through `mlt.copier_subset` (same output, no copier import, no clone); whatever it does not
    reproduce falls back to copier. MLT_RENDERER=copier forces copier; MLT_RENDERER=fast
    forbids the fallback (tests, debugging).

    A cookiecutter template (`template.format`) is rendered by `cookiecutter_render`, whose
    hooks and extensions follow `template.trust` instead.
    """
    if template.format == cookiecutter_render.FORMAT:
        result, files = cookiecutter_render.render_files(
            template, answers, prepare=prepare, interactive=interactive
        )
        cookiecutter_render.write_files(files, Path(dest))
        return result
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
    if template.format == cookiecutter_render.FORMAT:
        return cookiecutter_render.render_files(template, answers, prepare=prepare)
    if template.format == "mlt-template":  # an organisation's template: derived, not rendered
        from mlt.scaffold import derive

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
    """A template the copier subset can read, with the version and commit to record."""

    def __init__(self, template: Any, version: str, commit: str | None, strict: bool) -> None:
        self.template, self.version, self.commit, self.strict = template, version, commit, strict


def _fast_template(template: TemplateSource) -> _Fast | None:
    """The template read by the copier subset, or None when copier must render it."""
    # Imported on first use: `mlt check` loads this module and never renders.
    from mlt.copier_subset import fast_render

    renderer = os.environ.get(RENDERER_ENV, "")
    if renderer == "copier" or not (template.bundled_type or template.ref):
        return None
    strict = renderer == "fast"
    if template.bundled_type:
        try:
            fast = fast_render.FastTemplate(template.path)
        except Exception:
            if strict:
                raise
            return None
        return _Fast(fast, template.bundled_version(), None, strict)
    try:
        # URLs stay with copier: it clones them through its mirror cache, and which tag
        # `describe` names there is not knowable from a shallow clone.
        checkout, tree = template.git_files()
        fast = fast_render.FastTemplate(template.path, tree, git=checkout)
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
    """The render, or (answers, prepare) for copier to go on with when the copier subset declines.

    `prepare` runs at most once: after it ran here, copier gets its answers and no prepare.
    Anything the copier subset did not expect is left to copier too, which then fails (or not) in
    its own words; nothing is written before the copier subset knows it can render everything.
    """
    if prepare is not None:
        answers, prepare = prepare(fast.template.questions), None
    try:
        remembered, files = render(fast.template, answers)
    except AnswerError as exc:
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
        version, commit = meta_version(Path(tpl.local_abspath)) or UNVERSIONED, None
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    skip = [worker._render_string(p) for p in worker.all_skip_if_exists]
    # Without the answers, as copier's update renders them for deleted files.
    context = {k: v for k, v in worker._render_context().items() if k.startswith("_")}
    context["_copier_answers"] = {
        k: v for k, v in context["_copier_answers"].items() if k[0] == "_"
    }
    deleted = [worker.jinja_env.from_string(p).render(context) for p in worker.all_skip_if_exists]
    return RenderResult(recorded, version, commit, files, skip, deleted)
