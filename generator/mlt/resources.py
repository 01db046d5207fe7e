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
    """Directory of one bundled template; CLI names use '-', directories use '_'."""
    return templates_dir() / project_type.replace("-", "_")
