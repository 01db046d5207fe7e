"""Fixtures for `mlt update` tests: git identity, template repos, bundled template copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fixtures import git_env, template
from tests.support.templates import TINY_BUNDLED
from tests.support.trees import write_tree

__all__ = ["git_env", "template"]  # fixtures of every test here


@pytest.fixture
def bundled(tmp_path, monkeypatch) -> Path:
    """A tiny stand-in for the bundled 'library' template under MLT_TEMPLATES_DIR, v1.0.0."""
    root = tmp_path / "templates"
    write_tree(root / "library", TINY_BUNDLED)
    monkeypatch.setenv("MLT_TEMPLATES_DIR", str(root))
    return root / "library"
