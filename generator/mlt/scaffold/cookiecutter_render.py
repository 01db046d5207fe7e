"""Render cookiecutter templates (`cookiecutter.json`) with the cookiecutter library.

The counterpart of `render.py` for the other template format: `mlt new`, `mlt update` and
`mlt adopt` call `render_files`, which returns the pristine render in memory, exactly as
cookiecutter writes it. A git template is cloned (local clones hardlink) and checked out at
the ref, so a render never reads someone's work tree or cookiecutter's `~/.cookiecutters`
cache; the user's `~/.cookiecutterrc` is ignored too, so a render depends only on the
template version and the recorded answers.

Hooks (`hooks/pre_prompt.*`, `pre_gen_project.*`, `post_gen_project.*`) and local Jinja
extensions are code from the template's repository. They run only when the user passed
`--trust` (exit 4 otherwise). A post-generation hook may delete or write files, so a render
without it can differ from what the template's author intended: `--skip-hooks` renders
without them anyway, as the user's explicit choice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlt.copier_subset.source_tree import SourceTree
from mlt.errors import MltError, UsageError
from mlt.gitops import GitError, git, run_git
from mlt.scaffold.render_result import PrepareAnswers, RenderResult
from mlt.template.source import COPIER_CONFIGS, UNVERSIONED, is_remote
from mlt.template.versions import newest_tag

if TYPE_CHECKING:
    from mlt.copier_subset.source_tree import Blob
    from mlt.template.source import TemplateSource

FORMAT = "cookiecutter"
COPIER = "copier"
CONFIG = "cookiecutter.json"
HOOKS = ("pre_prompt", "pre_gen_project", "post_gen_project")
TRUST_EXIT = 4


@dataclass(frozen=True)
class CodePolicy:
    """What the user allowed the template's own code to do."""

    trust: bool = False  # run hooks and import local extensions
    skip_hooks: bool = False  # render without the hooks (output may differ)


@dataclass
class Fetched:
    """A template checked out for one render."""

    root: Path  # the folder holding cookiecutter.json (repository root / --directory)
    version: str  # the tag (`git describe --tags --always`), or "unversioned"
    commit: str | None  # full sha of a git template


def _is_git_dir(path: Path) -> bool:
    """A work tree's top or a bare repository (a folder inside another repo is neither)."""
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def template_format(source: str, ref: str | None, directory: str | None = None) -> str | None:
    """'cookiecutter', 'copier' or None (neither), judged by the files at `ref`.

    A local git template is read from its objects at the ref (or its newest tag), so a bare
    mirror works as well as a checkout; a URL is cloned once to look.
    """
    if is_remote(source):
        with _clone(source) as repo:
            return _format_of(_names_at(repo, _resolve(repo, source, ref), directory))
    path = Path(source).expanduser()
    if not path.is_dir():
        return None
    if _is_git_dir(path):
        try:
            commit = _resolve(path, source, ref)
        except MltError:
            if ref is not None:  # a ref that does not exist is the user's error
                raise
            commit = None  # an empty repository: judge the work tree
        if commit is not None:
            found = _format_of(_names_at(path, commit, directory))
            if found or ref is not None:
                return found
    root = path / (directory or "")
    return _format_of({p.name for p in root.iterdir()} if root.is_dir() else set())


def _format_of(names: set[str]) -> str | None:
    # A template carrying both files (substrate ships a cookiecutter.json beside copier.yml)
    # is a copier template: copier.yml is the richer, versioned one.
    if any(name in names for name in COPIER_CONFIGS):
        return COPIER
    if CONFIG in names:
        return FORMAT
    return None


def _names_at(repo: Path, commit: str, directory: str | None) -> set[str]:
    prefix = (directory or "").strip("/")
    treeish = f"{commit}:{prefix}" if prefix else commit
    run = run_git("ls-tree", "--name-only", treeish, cwd=repo)
    return set(run.out.splitlines()) if run.rc == 0 else set()


def _resolve(repo: Path, source: str, ref: str | None) -> str:
    """The commit of `ref` (default: the newest version tag, else HEAD)."""
    if ref is None:
        tags = git("tag", "--list", cwd=repo).splitlines()
        ref = newest_tag(tags) or "HEAD"
    run = run_git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=repo)
    if run.rc != 0:
        raise UsageError(f"template {source} has no tag or commit '{ref}'")
    return run.out.strip()


@contextlib.contextmanager
def _clone(source: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mlt-cc-") as tmp:
        repo = Path(tmp) / "template"
        run = run_git("clone", "-q", "--no-checkout", source, str(repo), cwd=tmp)
        if run.rc != 0:
            raise MltError(f"cannot read template {source}: {run.last_error}")
        yield repo


@contextlib.contextmanager
def fetched(source: str, ref: str | None, directory: str | None = None) -> Iterator[Fetched]:
    """The template at `ref`, checked out in a temporary folder (removed afterwards)."""
    path = Path(source).expanduser()
    if not is_remote(source) and not path.is_dir():
        raise MltError(f"cannot read template {source}: not a directory or git URL")
    if not is_remote(source) and not _is_git_dir(path):
        if ref is not None:
            raise UsageError(
                f"template {source} is not a git repository, so ref '{ref}' cannot be used"
            )
        yield Fetched(_template_root(path, source, directory), UNVERSIONED, None)
        return
    if not is_remote(source):
        with _checkout_local(path.resolve(), source, ref) as (tree, version, commit):
            yield Fetched(_template_root(tree, source, directory), version, commit)
        return
    with _clone(source) as repo:
        commit = _resolve(repo, source, ref)
        try:
            git("-c", "advice.detachedHead=false", "checkout", "-q", commit, cwd=repo)
        except GitError as exc:
            raise MltError(f"cannot check out {ref or commit} of {source}: {exc.message}") from None
        version = git("describe", "--tags", "--always", commit, cwd=repo)
        yield Fetched(_template_root(repo, source, directory), version, commit)


@contextlib.contextmanager
def _checkout_local(repo: Path, source: str, ref: str | None) -> Iterator[tuple[Path, str, str]]:
    """The files of `ref` of a local repository (bare or not), written by git's own
    checkout code into a temporary folder through a throwaway index: no clone, and the
    repository's index, work tree and refs stay as they are."""
    commit = _resolve(repo, source, ref)
    version = git("describe", "--tags", "--always", commit, cwd=repo)
    with tempfile.TemporaryDirectory(prefix="mlt-cc-") as tmp:
        tree = Path(tmp) / "template"
        tree.mkdir()
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        try:
            git("--work-tree", str(tree), "read-tree", commit, cwd=repo, env=env)
            git("--work-tree", str(tree), "checkout-index", "--all", "-q", cwd=repo, env=env)
        except GitError as exc:
            raise MltError(f"cannot check out {ref or commit} of {source}: {exc.message}") from None
        yield tree, version, commit


def _template_root(repo: Path, source: str, directory: str | None) -> Path:
    root = repo / (directory or "")
    if not (root / CONFIG).is_file():
        where = f"{source} (directory {directory})" if directory else source
        raise UsageError(f"template {where} is not a cookiecutter template (no {CONFIG})")
    return root


def questions(root: Path) -> dict[str, dict[str, Any]]:
    """cookiecutter.json's variables as copier-like questions ({name: {"type": ...}}), so
    `-d` values are checked and typed by the same code as for copier templates."""
    found: dict[str, dict[str, Any]] = {}
    for key, value in _read_config(root).items():
        if key.startswith("_"):
            continue  # private and rendered variables are not questions
        kind = "bool" if isinstance(value, bool) else "json" if isinstance(value, dict) else "str"
        found[key] = {"type": kind, "help": f"default: {value}"}
    return found


def _read_config(root: Path) -> dict[str, Any]:
    try:
        data = json.loads((root / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MltError(f"cannot read {CONFIG} of the template: {exc}") from None
    if not isinstance(data, dict):
        raise MltError(f"{CONFIG} of the template is not a JSON object")
    return data


def template_code(root: Path) -> list[str]:
    """The hooks and local extensions a render would run, as paths in the template."""
    code = []
    hooks = root / "hooks"
    if hooks.is_dir():
        from cookiecutter.hooks import valid_hook

        names = sorted(entry.name for entry in hooks.iterdir())
        code += [f"hooks/{n}" for n in names if any(valid_hook(n, hook) for hook in HOOKS)]
    for ext in _read_config(root).get("_extensions") or []:
        module = str(ext).split(".", 1)[0]
        if (root / f"{module}.py").is_file() or (root / module).is_dir():
            code.append(f"local extension {ext}")
    return code


def check_policy(root: Path, source: str, policy: CodePolicy) -> bool:
    """Whether hooks run; exit 4 with a hint when the template has code nobody trusted."""
    code = template_code(root)
    if not code or policy.trust:
        return bool(code)
    extensions = [c for c in code if not c.startswith("hooks/")]
    if policy.skip_hooks and not extensions:
        return False
    hint = "--trust runs them after you have read them"
    if not extensions:
        hint += "; --skip-hooks renders without them (the files may then differ)"
    raise MltError(
        f"template {source} runs code ({', '.join(code)}); mlt runs it only with --trust",
        hint=hint,
        exit_code=TRUST_EXIT,
    )


def render_files(
    template: TemplateSource,
    answers: dict[str, Any],
    *,
    prepare: PrepareAnswers | None = None,
    interactive: bool = False,
) -> tuple[RenderResult, dict[str, Blob]]:
    """Render `template` at its ref with `answers`; the files in memory, by POSIX path.

    `prepare` gets the template's variables as questions and returns the answers to use
    (recorded answers the version no longer asks for are dropped by cookiecutter itself).
    """
    policy = CodePolicy(template.trust, template.skip_hooks)
    with fetched(template.path, template.ref, template.directory) as got:
        run_hooks = check_policy(got.root, template.source, policy)
        asked = questions(got.root)
        if prepare is not None:
            answers = prepare(asked)
        answers = {k: v for k, v in answers.items() if k in asked}
        with tempfile.TemporaryDirectory(prefix="mlt-cc-out-") as out:
            context, project = _generate(
                got, template.source, answers, Path(out), run_hooks, interactive
            )
            files = SourceTree.from_directory(project, symlinks=True).files
    recorded = {k: v for k, v in context.items() if not k.startswith("_")}
    result = RenderResult(recorded, got.version, got.commit, sorted(files))
    return result, files


def _generate(
    got: Fetched,
    source: str,
    answers: dict[str, Any],
    out: Path,
    run_hooks: bool,
    interactive: bool,
) -> tuple[dict[str, Any], Path]:
    """cookiecutter's own steps (as `cookiecutter.main.cookiecutter` takes them), minus its
    clone cache, replay files and user config; returns the context and the project folder."""
    from cookiecutter import exceptions as cx
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.hooks import run_pre_prompt_hook
    from cookiecutter.prompt import prompt_for_config

    # cookiecutter logs a failed hook with its traceback; mlt reports it as one error line.
    logging.getLogger("cookiecutter").addHandler(logging.NullHandler())
    repo_dir: Path | str = got.root
    try:
        with _hook_output_to_stderr(), _import_path(got.root):
            if run_hooks:
                repo_dir = run_pre_prompt_hook(got.root)
            context = generate_context(
                context_file=str(Path(repo_dir) / CONFIG),
                default_context={},
                extra_context=answers,
            )
            if {"template", "templates"} & set(context["cookiecutter"]):
                raise MltError(f"template {source} is a set of nested templates: pick one")
            context["_cookiecutter"] = {
                k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")
            }
            context["cookiecutter"].update(prompt_for_config(context, not interactive))
            # What cruft records too: templates may print where they came from.
            context["cookiecutter"]["_template"] = source
            context["cookiecutter"]["_commit"] = got.commit
            project = generate_files(
                repo_dir=str(repo_dir),
                context=context,
                output_dir=str(out),
                accept_hooks=run_hooks,
            )
    except ValueError as exc:  # an answer cookiecutter refused (choice, bool)
        raise UsageError(f"invalid answer: {_first_line(exc)}") from None
    except cx.FailedHookException as exc:
        raise MltError(f"a hook of template {source} failed: {_first_line(exc)}") from None
    except cx.CookiecutterException as exc:
        raise MltError(f"template {source} failed to render: {_first_line(exc)}") from None
    finally:
        if str(repo_dir) != str(got.root):  # the pre_prompt hook's copy
            shutil.rmtree(repo_dir, ignore_errors=True)
    return dict(context["cookiecutter"]), Path(project)


@contextlib.contextmanager
def _import_path(root: Path) -> Iterator[None]:
    """Local extensions are modules beside cookiecutter.json (as cookiecutter allows)."""
    saved = list(sys.path)
    sys.path.append(str(root))
    try:
        yield
    finally:
        sys.path[:] = saved


@contextlib.contextmanager
def _hook_output_to_stderr() -> Iterator[None]:
    """Hooks print to the inherited stdout; send it to stderr so `--json` stays parseable."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def write_files(files: Mapping[str, Blob], dest: Path) -> None:
    """Write an in-memory render into the (empty) folder `dest`."""
    import stat

    for rel, blob in sorted(files.items()):
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if stat.S_ISLNK(blob.mode):
            path.symlink_to(os.fsdecode(blob.data))
        else:
            path.write_bytes(blob.data)
            path.chmod(stat.S_IMODE(blob.mode) or 0o644)
