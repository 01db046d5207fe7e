"""Render mlt's bundled templates without copier: the copier 9 subset they use, in-process.

`mlt update` and `mlt new` spend most of their time importing copier (prompt toolkit,
pydantic, settings) and in copier's render, which compiles every question default, validator
and path with Jinja. This module reads `copier.yml` and renders the template with Jinja
directly, reproducing copier 9's semantics for the subset the bundled templates use (see
copier's `_main.Worker`, `_user_data.Question`, `_template.Template`):

- copier.yml's `!include` of other YAML files of the template (`config_include`);
- settings `_subdirectory` (templated too), `_exclude`, `_answers_file`, `_templates_suffix`,
  `_envops`, and those a fresh render only checks (`_min_copier_version`, `_skip_if_exists`,
  `_tasks`, `_migrations`, `_message_*`: see `inert_settings`);
- questions with `type` (str, int, float, bool, yaml, json), `default`, `choices` (list or
  dict), `validator`, `when`, `help`, `multiline`, `placeholder`, `qmark`;
- the render context copier gives templates: the answers, `_src_path`, `_copier_answers`,
  `_folder_name`, `_copier_python`, and `_copier_conf.{answers_file,src_path,dst_path,...}`.

Git templates rendered at an explicit ref are read with `git_checkout.read_local` (the ref's
files straight from the repository's objects, as copier's clone would check them out) and carry
`GitCheckout`: `_commit` in the answers, `_copier_conf.vcs_ref`/`vcs_ref_hash`, the version and
commit. Templates are rendered from memory (`SourceTree`), and `render_outputs` returns the
result without writing it, so an update can commit it straight into git.

Anything else (tasks, migrations, extensions, secret questions, `{% yield %}`, a template
that reads `now`, `_copier_phase` or another `_copier_conf` key, symlinks, submodules,
.gitattributes, a dirty HEAD, a copier settings file that could change defaults...) raises
`Unsupported` before anything is written, and the caller renders with copier instead.
Answers copier would reject raise `AnswerError` carrying copier's exact message (questions,
casting and answers live in `fast_questions`).

tests/scaffold/test_fastrender.py renders every option set both ways and compares bytes,
modes, file sets and recorded answers.
"""

from __future__ import annotations

import os
import platform
import posixpath
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path, PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any

from mlt.copier_subset.config import load_config, split_config
from mlt.copier_subset.errors import MISSING, AnswerError, Unsupported
from mlt.copier_subset.fast_questions import Answers, Question
from mlt.copier_subset.inert_settings import INERT, check_inert
from mlt.copier_subset.jinja_env import environment
from mlt.copier_subset.source_tree import SourceTree, TreeError, inside

if TYPE_CHECKING:
    from mlt.copier_subset.git_checkout import GitCheckout

DEFAULT_EXCLUDE = (
    "copier.yaml",
    "copier.yml",
    "~*",
    "*.py[co]",
    "__pycache__",
    ".git",
    ".DS_Store",
    ".svn",
)
DEFAULT_TEMPLATES_SUFFIX = ".jinja"
DEFAULT_ANSWERS_FILE = ".copier-answers.yml"

SETTINGS = (
    frozenset({"subdirectory", "exclude", "answers_file", "templates_suffix", "envops"}) | INERT
)
QUESTION_KEYS = frozenset(
    {"type", "default", "choices", "validator", "when", "help", "multiline", "secret"}
    | {"placeholder", "qmark"}  # prompt cosmetics: unused without a prompt
)
OS_NAME = {"Linux": "linux", "Darwin": "macos", "Windows": "windows"}.get(platform.system())
# Where copier would have cloned a git template (its `_copier_conf.src_path`): a temp folder
# whose name nobody can rely on.
_CLONE_PATH = Path(tempfile.gettempdir(), "mlt-template-clone")
_LINEBREAK = re.compile(r"\r\n|\r|\n")
# An exclude pattern without slashes, `**`, escapes, negation or brackets beyond [abc]: in
# gitignore terms it matches a path when it matches any one of its components, exactly as
# fnmatchcase does on that component (`*` and `?` cannot meet a `/` inside one).
COMPONENT_GLOB = re.compile(r"(?=.*[^.])(?:[A-Za-z0-9._~@+=,?-]|\*(?!\*)|\[[A-Za-z0-9]+\])+")


# --- the renderer ----------------------------------------------------------------------------


class FastTemplate:
    """A template read without copier; `render` is copier's `run_copy` subset.

    Without `git`, `url` is a plain template directory, read into memory. With `git`, `tree`
    holds the files of `git.commit_hash` (see `git_checkout.read_local`) and `url` is the git
    template as given, which copier records as `_src_path`.
    """

    def __init__(
        self, url: str, tree: SourceTree | None = None, git: GitCheckout | None = None
    ) -> None:
        if os.environ.get("COPIER_SETTINGS_PATH") or _copier_settings_file().is_file():
            raise Unsupported("a copier settings file may change defaults")
        if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
            raise Unsupported("GIT_DIR/GIT_WORK_TREE can make copier see a git template")
        if git is None and (Path(url) / ".git").exists():
            raise Unsupported("the template is a git checkout (copier clones it)")
        if (git is None) != (tree is None):
            raise ValueError("a git template comes with its tree, a folder without one")
        self.url = url  # copier's `_src_path`: the path exactly as given
        self.git = git
        if tree is None:
            try:
                tree = SourceTree.from_directory(url)
            except TreeError as exc:
                raise Unsupported(str(exc)) from exc
        self.tree = tree
        # copier's `_copier_conf.src_path`: the folder, or for git the clone (a temp folder).
        self.src_path = Path(url).resolve() if git is None else _CLONE_PATH
        raw = load_config(tree)
        self.settings, self.questions = split_config(raw)
        unknown = sorted(set(self.settings) - SETTINGS)
        if unknown:
            raise Unsupported("settings " + ", ".join(f"_{k}" for k in unknown))
        check_inert(self.settings, Unsupported)
        for name, details in self.questions.items():
            extra = sorted(set(details) - QUESTION_KEYS)
            if extra:
                raise Unsupported(f"question {name}: {', '.join(extra)}")
            if details.get("secret", False) is not False:
                raise Unsupported(f"secret question {name}")
            if name in ("now", "make_secret") or name.startswith("_"):
                raise Unsupported(f"question name {name}")
        self.suffix = self.settings.get("templates_suffix")
        if self.suffix is None:
            self.suffix = DEFAULT_TEMPLATES_SUFFIX
        if not isinstance(self.suffix, str) or not self.suffix:
            raise Unsupported("_templates_suffix")
        subdirectory = self.settings.get("subdirectory", "")
        if not isinstance(subdirectory, str):
            raise Unsupported("_subdirectory")
        self.subdirectory = subdirectory
        default_exclude = DEFAULT_EXCLUDE if Path(subdirectory) == Path() else []
        self.exclude = tuple(self.settings.get("exclude", default_exclude))
        if not all(isinstance(p, str) for p in self.exclude):
            raise Unsupported("_exclude")
        answers_file = str(Path(self.settings.get("answers_file", DEFAULT_ANSWERS_FILE)))
        envops = self.settings.get("envops", {})
        if not isinstance(envops, dict):
            raise Unsupported("_envops")
        self.env = environment(tree, self.src_path, envops)
        if not self._plain(answers_file):
            raise Unsupported("templated _answers_file")
        self.answers_relpath = Path(answers_file)
        self._compiled: dict[str, Any] = {}
        self.skip_if_exists: list[str] = []  # rendered by the last render_outputs
        self.skip_if_deleted: list[str] = []  # the same, rendered without the answers

    # Rendering strings ------------------------------------------------------------------

    def _plain(self, text: str) -> bool:
        """Whether Jinja would render `text` as itself (no markup, no newline rewriting)."""
        env = self.env
        if env.line_statement_prefix or env.line_comment_prefix or "\r" in text:
            return False
        if env.newline_sequence != "\n" and "\n" in text:
            return False
        if not env.keep_trailing_newline and text.endswith("\n"):
            return False
        starts = (env.block_start_string, env.variable_start_string, env.comment_start_string)
        return not any(s in text for s in starts)

    def render_string(self, text: str, context: Mapping[str, Any]) -> str:
        if self._plain(text):
            return text
        template = self._compiled.get(text)
        if template is None:
            template = self._compiled[text] = self.env.from_string(text)
        return template.render(context)

    def _render_value(self, value: Any, context: Mapping[str, Any]) -> Any:
        # copier's Question.render_value: strings are templates, lists render item by item.
        if isinstance(value, str):
            return self.render_string(value, context)
        if isinstance(value, list):
            return [self._render_value(item, context) for item in value]
        return value

    # Questions ----------------------------------------------------------------------------

    def ask(self, data: Mapping[str, Any], context_of: Callable[..., dict[str, Any]]) -> Answers:
        """copier's `Worker._ask` with defaults on, no previous answers and no prompt."""
        answers = Answers(dict(data))
        for name, details in self.questions.items():
            question = Question(self, name, details, context_of(answers))
            when = question.when()
            if not when:
                answers.hidden.add(name)
                if name not in answers.init and question.default() is MISSING:
                    continue
            if name in answers.init:
                answer = question.parse(answers.init[name])
                question.validate(answer)
                answers.user[name] = answer
                continue
            answer = question.default()
            if answer is MISSING:
                raise AnswerError(f'Question "{name}" is required')
            answers.user[name] = answer
        return answers

    # Rendering the tree -------------------------------------------------------------------

    def render(self, dest: Path, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Render into `dest` (missing or empty); return the answers copier would remember
        (`_src_path` included) and the files written (sorted, POSIX, relative to dest)."""
        if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
            raise Unsupported(f"{dest} is not empty")
        remembered, outputs = self.render_outputs(dest, data)
        return remembered, _write(dest, outputs)

    def render_outputs(
        self, dest: Path, data: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[Output]]:
        """What `render` would write into `dest` (which is not touched; it only names
        `_copier_conf.dst_path` and `_folder_name`), and the answers to remember."""
        if any(str(k).startswith("_") for k in data):
            raise Unsupported("private keys in the data")
        conf = {
            "src_path": PurePath(self.src_path),
            "dst_path": PurePath(dest),
            "answers_file": PurePath(self.answers_relpath),
            "vcs_ref": self.git.ref if self.git else None,
            "vcs_ref_hash": self.git.commit_hash if self.git else None,
            "sep": os.sep,
            "os": OS_NAME,
        }
        folder_name = dest.absolute().name

        metadata = {"_src_path": self.url}
        if self.git and self.git.commit:
            metadata["_commit"] = self.git.commit

        def context_of(answers: Answers) -> dict[str, Any]:
            return {
                **answers.combined(metadata),
                "_copier_answers": answers.remembered(metadata, self.questions),
                "_copier_conf": conf,
                "_folder_name": folder_name,
                "_copier_python": sys.executable,
            }

        answers = self.ask(data, context_of)
        context = context_of(answers)
        outputs = self._render_tree(context)
        # copier's `match_skip` renders each pattern in the same context (update uses them);
        # the check that recreates deleted files runs before the answers are known.
        patterns = self.settings.get("skip_if_exists", [])
        unanswered = context_of(Answers({}))
        self.skip_if_exists = [self.render_string(p, context) for p in patterns]
        self.skip_if_deleted = [self.render_string(p, unanswered) for p in patterns]
        return answers.remembered(metadata, self.questions), outputs

    def _copy_root(self, context: Mapping[str, Any]) -> str:
        """The rendered `_subdirectory`, normalised ("" for the template root)."""
        subdir = self.render_string(self.subdirectory, context) or ""
        if not inside(subdir):
            raise Unsupported("_subdirectory outside the template")
        normal = posixpath.normpath(subdir) if subdir else "."
        return "" if normal == "." else normal

    def _exclusions(self) -> Callable[[Path], bool]:
        """copier's `match_exclude` (gitignore-style patterns through pathspec); patterns that
        are one plain path component glob are matched without importing pathspec."""
        patterns: list[str] = []
        for pattern in self.exclude:
            if not self._plain(pattern):
                raise Unsupported("templated _exclude")
            patterns.extend(_LINEBREAK.split(pattern))
        if all(COMPONENT_GLOB.fullmatch(p) for p in patterns):
            return partial(matches_a_component, tuple(patterns))
        from unicodedata import normalize

        import pathspec

        kind = "gitignore" if _pathspec_at_least_1() else "gitwildmatch"
        spec = pathspec.PathSpec.from_lines(kind, (normalize("NFD", p) for p in patterns))
        return spec.match_file

    def _render_tree(self, context: Mapping[str, Any]) -> list[Output]:
        """What copier's `_render_template` would write, in its order, not yet written."""
        copy_root = self._copy_root(context)
        excluded = self._exclusions()
        if self.git and not copy_root:
            # copier renders from a clone whose `.git` folder sits in the copy root.
            if not (excluded(Path(".git")) and excluded(Path(".git", "HEAD"))):
                raise Unsupported("_exclude does not exclude the clone's .git")
        tree = self.tree
        outputs: list[Output] = []
        seen: dict[PurePosixPath, bool] = {}  # path -> is a directory
        for src_relpath, is_dir in tree.walk(copy_root):
            relpath = src_relpath[len(copy_root) + 1 :] if copy_root else src_relpath
            for dst_relpath in self._render_path(copy_root, Path(relpath), context):
                if not inside(str(dst_relpath)):
                    raise Unsupported(f"{dst_relpath} renders outside the destination")
                if excluded(dst_relpath):
                    continue
                key = PurePosixPath(dst_relpath.as_posix())
                if key in seen and not (seen[key] and is_dir):
                    raise Unsupported(f"two template entries render to {key}")
                seen[key] = is_dir
                if is_dir:
                    outputs.append(Output(dst_relpath, None, 0))
                    continue
                if src_relpath.endswith(self.suffix):
                    content = self._render_file(src_relpath, context)
                else:
                    content = tree.read(src_relpath)
                outputs.append(Output(dst_relpath, content, tree.mode(src_relpath)))
        return outputs

    def _render_file(self, src_relpath: str, context: Mapping[str, Any]) -> bytes:
        # A template file without Jinja markup renders as itself: skip compiling it (most
        # files of a large template are static).
        text = self.tree.text(src_relpath)
        if self._plain(text):
            return text.encode()
        return self.env.get_template(src_relpath).render(context).encode()

    def _render_path(
        self, copy_root: str, relpath: Path, context: Mapping[str, Any]
    ) -> Iterator[Path]:
        """copier's `_render_path` + `_render_parts`, without yield tags."""
        suffix = self.suffix
        is_template = relpath.name.endswith(suffix)
        if self.tree.exists(posixpath.join(copy_root, f"{relpath.as_posix()}{suffix}")):
            return  # the templated sibling wins
        if is_template:
            relpath = relpath.with_suffix("")
        rendered_parts: list[str] = []
        for part in relpath.parts:
            rendered = self.render_string(part, context)
            if not rendered:
                return
            if str(self.answers_relpath) == rendered:
                if rendered_parts:
                    raise Unsupported("the answers file below the project root")
                yield self.answers_relpath
                return
            rendered_parts.append(rendered)
        rendered_path = Path(*rendered_parts)
        if is_template or not self.tree.exists(f"{rendered_path.as_posix()}{suffix}"):
            yield rendered_path


class Output:
    """One rendered entry: a folder (content None) or a file with its bytes and st_mode."""

    __slots__ = ("content", "mode", "path")

    def __init__(self, path: Path, content: bytes | None, mode: int) -> None:
        self.path, self.content, self.mode = path, content, mode


def _write(dest: Path, outputs: list[Output]) -> list[str]:
    """Write what `_render_tree` produced as copier does: folders with the umask's mode,
    files with their source file's mode. On failure, remove what was written."""
    existed = dest.exists()
    files = []
    made: set[Path] = set()
    try:
        for out in outputs:
            target = dest / out.path
            if out.content is None:
                target.mkdir(parents=True, exist_ok=True)
                made.add(target)
                continue
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(out.content)
            if target.stat().st_mode != out.mode:
                target.chmod(out.mode)
            files.append(out.path.as_posix())
    except BaseException:
        if existed:
            for child in dest.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        else:
            shutil.rmtree(dest, ignore_errors=True)
        raise
    return sorted(files)


def matches_a_component(patterns: tuple[str, ...], path: Path) -> bool:
    from fnmatch import fnmatchcase

    return any(fnmatchcase(part, p) for part in path.parts for p in patterns)


def _pathspec_at_least_1() -> bool:
    import pathspec

    try:
        return int(str(pathspec.__version__).split(".")[0]) >= 1
    except (AttributeError, ValueError):
        raise Unsupported("unknown pathspec version") from None


def _copier_settings_file() -> Path:
    """Where copier 9 reads user settings (`platformdirs.user_config_path('copier')`)."""
    from platformdirs import user_config_path

    return user_config_path("copier", appauthor=False) / "settings.yml"
