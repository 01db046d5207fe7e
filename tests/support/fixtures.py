"""Fixtures several test folders share; a folder's conftest.py imports the ones it wants
(`git_env` is autouse there: every test in the folder gets the isolated git)."""

from __future__ import annotations

import pytest

from tests.support.git import isolate_git
from tests.support.update_kit import V1, TemplateRepo


@pytest.fixture(autouse=True)
def git_env(monkeypatch, tmp_path_factory):
    """A predictable git: fixed identity, no user/system config (no ~/.cookiecutterrc
    either), no signing, and mlt's cache in the same throwaway home."""
    home = isolate_git(monkeypatch, tmp_path_factory.mktemp("home"))
    monkeypatch.setenv("MLT_CACHE_DIR", str(home / "cache"))


@pytest.fixture
def template(tmp_path) -> TemplateRepo:
    """The tiny template at v1."""
    return TemplateRepo(tmp_path / "template", V1)
