"""Fixtures shared across test packages (each package keeps its own specialised ones)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.templates import tagged_template
from tests.support.trees import write_tree


@pytest.fixture(autouse=True)
def no_lock_on_new(monkeypatch):
    """`mlt new` pins the child's dependencies with `uv lock`, which asks the package index:
    tests make hundreds of projects, so they skip it (tests/scaffold/test_lock.py does not)."""
    monkeypatch.setenv("MLT_NO_LOCK", "1")


@pytest.fixture(autouse=True)
def no_user_settings(monkeypatch, tmp_path_factory):
    """`mlt new` reads the user's config file ($XDG_CONFIG_HOME/mlt/config.toml, or MLT_CONFIG)
    and MLT_TEMPLATE: tests start with an empty config file and neither (test_config_settings
    sets them). Not through XDG_CONFIG_HOME, which pip and uv read their index settings from."""
    empty = tmp_path_factory.mktemp("mlt-config") / "config.toml"
    empty.touch()
    monkeypatch.setenv("MLT_CONFIG", str(empty))
    monkeypatch.delenv("MLT_TEMPLATE", raising=False)


@pytest.fixture
def runner() -> CliRunner:
    """A CliRunner; stderr is kept apart from stdout (click >= 8.2)."""
    return CliRunner()


@pytest.fixture
def no_git_identity(monkeypatch, tmp_path_factory):
    """Git with no user/system config at all: no identity, no hooks, default branch unset."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("NAME", "EMAIL"):
        monkeypatch.delenv(f"GIT_AUTHOR_{var}", raising=False)
        monkeypatch.delenv(f"GIT_COMMITTER_{var}", raising=False)
    return home


@pytest.fixture
def tree():
    """`write_tree` as a fixture, for ad-hoc templates in tests."""
    return write_tree


@pytest.fixture
def git_template(tmp_path_factory) -> Path:
    """A tiny copier template in a local git repo: tag v1, then a v2 that changes README."""
    return tagged_template(tmp_path_factory.mktemp("tpl") / "tiny")
