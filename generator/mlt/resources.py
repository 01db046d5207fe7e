"""Where the bundled templates and base-image data live, installed or from a checkout."""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent.parent  # generator/mlt -> repo root, for source checkouts and editable installs

PROJECT_TYPES = ("batch-job", "service", "library")


def _data_dir(name: str, env: str) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override).resolve()
    packaged = _PKG / name  # wheel layout: force-included next to the code
    if packaged.is_dir():
        return packaged
    return _REPO / name


def templates_dir() -> Path:
    """Root of the bundled copier templates (override: MLT_TEMPLATES_DIR)."""
    return _data_dir("templates", "MLT_TEMPLATES_DIR")


def base_images_dir() -> Path:
    """Root of the base-image catalog and compatibility data (override: MLT_BASE_IMAGES_DIR)."""
    return _data_dir("base_images", "MLT_BASE_IMAGES_DIR")


def template_dir(project_type: str) -> Path:
    """The copier template that renders a project type: the one bundled template (a root
    copier.yml with a `project_type` question), or, in a templates folder laid out as before
    issue 20 (one copier template per type, e.g. an MLT_TEMPLATES_DIR stand-in), the type's."""
    root = templates_dir()
    return root if is_one_template(root) else type_dir(project_type)


def type_dir(project_type: str) -> Path:
    """The folder of what is particular to a type; CLI names use '-', folders use '_'."""
    return templates_dir() / project_type.replace("-", "_")


def is_one_template(root: Path) -> bool:
    """Whether `root` is one copier template for every type (templates/copier.yml)."""
    return (root / "copier.yml").is_file()
