"""A template's own files read without rendering it: `mlt-template.yml` (mlt's meta file: the
bundled version, declarative migrations) and copier.yml (tasks, copier migrations)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlt.copier_subset.errors import Unsupported
from mlt.gitops import run_git

if TYPE_CHECKING:
    from mlt.template.source import TemplateSource

TEMPLATE_META = "mlt-template.yml"


def read_template_meta(template: TemplateSource, name: str = TEMPLATE_META) -> str | None:
    """Text of a file at the template root: bundled dir, or a local git template at its ref.

    Remote (URL) templates return None: reading them would need an extra clone.
    """
    if template.bundled_type or not template.ref:
        path = Path(template.path) / name
        return path.read_text(encoding="utf-8") if path.is_file() else None
    if not Path(template.path).is_dir():
        return None
    try:
        _, tree = template.git_files()  # the read the render uses too
    except Unsupported:
        shown = run_git("show", f"{template.ref}:{name}", cwd=template.path)
        return shown.out if shown.rc == 0 else None
    return tree.read(name).decode(errors="replace") if tree.is_file(name) else None


def meta_version(template_root: Path) -> str | None:
    """The `version` in a template folder's mlt-template.yml, None when unreadable."""
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load((template_root / TEMPLATE_META).read_text(encoding="utf-8"))
    except (OSError, YAMLError):
        return None
    if not isinstance(data, dict) or "version" not in data:
        return None
    return str(data["version"])
