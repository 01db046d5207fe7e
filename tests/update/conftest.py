"""Fixtures for `mlt update` tests: git identity, template repos, bundled template copies."""

from __future__ import annotations

from pathlib import Path

import pytest
from updatekit import V1, TemplateRepo, write_files


@pytest.fixture(autouse=True)
def git_env(monkeypatch, tmp_path_factory):
    """A predictable git: fixed identity, no user/system config, no signing."""
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("MLT_CACHE_DIR", str(home / "cache"))
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Tester")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "tester@example.com")


@pytest.fixture
def template(tmp_path) -> TemplateRepo:
    """The tiny template at v1."""
    return TemplateRepo(tmp_path / "template", V1)


TINY_BUNDLED = {
    "copier.yml": (
        "_subdirectory: project\n"
        "project_name:\n  type: str\n"
        "greeting:\n  type: str\n  default: hello\n"
    ),
    "mlt-template.yml": "version: 1.0.0\nmigrations: []\n",
    "project/README.md.jinja": "# {{ project_name }}\n\n{{ greeting }}\n",
    "project/docs/guide.md": "".join(f"Guide line {i}.\n" for i in range(12)),
}


@pytest.fixture
def bundled(tmp_path, monkeypatch) -> Path:
    """A tiny stand-in for the bundled 'library' template under MLT_TEMPLATES_DIR, v1.0.0."""
    root = tmp_path / "templates"
    write_files(root / "library", TINY_BUNDLED)
    monkeypatch.setenv("MLT_TEMPLATES_DIR", str(root))
    return root / "library"
