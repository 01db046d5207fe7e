"""The organisation's template as a render: the bundled template with the organisation's
defaults (mlt.template.org). `render.render_files` dispatches here for its format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlt import resources
from mlt.copier_subset.config_include import load_documents
from mlt.copier_subset.source_tree import Blob, SourceTree
from mlt.errors import UsageError
from mlt.scaffold.derive_defaults import set_defaults
from mlt.scaffold.project_type import FolderFiles
from mlt.scaffold.render_result import RenderResult

if TYPE_CHECKING:
    from mlt.template.source import TemplateSource

QUESTION_FILES = ("copier.yml", "_shared/questions.yml")  # and <type>/questions.yml
SKIP_PARTS = frozenset({"__pycache__", ".git", ".DS_Store"})
NOT_DEFAULTS = ("project_name", "project_type")  # asked per project, never org-wide


def all_questions(root: Path | None = None) -> dict[str, Mapping[str, Any]]:
    """Every question of the bundled template, whichever type asks it."""
    from collections import ChainMap

    root = root or resources.templates_dir()
    docs = load_documents(FolderFiles(root), "copier.yml", ValueError)
    merged = dict(ChainMap(*reversed(docs)))
    return {k: v for k, v in merged.items() if not k.startswith("_")}


def settable(root: Path | None = None) -> dict[str, Mapping[str, Any]]:
    """The questions an organisation may give defaults to."""
    return {k: v for k, v in all_questions(root).items() if k not in NOT_DEFAULTS}


def derived_files(answers: Mapping[str, Any], root: Path | None = None) -> dict[str, Blob]:
    """The bundled template's files (by POSIX path) with `answers` as question defaults."""
    root = root or resources.templates_dir()
    if not resources.is_one_template(root):
        raise UsageError(f"{root} is not one copier template (no copier.yml at its root)")
    tree = SourceTree.from_directory(root)
    files = {
        path: blob
        for path, blob in tree.files.items()
        if not SKIP_PARTS & set(path.split("/")) and not path.endswith((".pyc", ".pyo"))
    }
    question_files = [*QUESTION_FILES] + [
        f"{kind.replace('-', '_')}/questions.yml" for kind in resources.PROJECT_TYPES
    ]
    missing = set(answers)
    for path in question_files:
        if path in files:
            text, found = set_defaults(files[path].data.decode("utf-8"), answers)
            files[path] = Blob(files[path].mode, text.encode("utf-8"))
            missing -= found
    if missing:
        raise UsageError(f"no question of the bundled template sets {', '.join(sorted(missing))}")
    return files


def render_files(
    template: TemplateSource,
    answers: dict[str, Any],
    *,
    prepare: Callable[[Mapping[str, Mapping[str, Any]]], dict[str, Any]] | None = None,
) -> tuple[RenderResult, dict[str, Blob]]:
    """`render.render_files` for an organisation's template: the derived template itself."""
    root = Path(template.path)
    if prepare is not None:
        answers = prepare(settable(root))
    files = derived_files(answers, root)
    result = RenderResult(
        answers=dict(answers), version=template.bundled_version(), files=sorted(files)
    )
    return result, files


__all__ = ["all_questions", "derived_files", "render_files", "settable"]
