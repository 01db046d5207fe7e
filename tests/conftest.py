"""Fixtures shared across test packages (each package keeps its own specialised ones)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner


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


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Create `files` ({relative path: text}) under root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tree():
    """`write_tree` as a fixture, for ad-hoc templates in tests."""
    return write_tree


TINY_TEMPLATE = {
    "copier.yml": (
        "_subdirectory: project\n"
        "project_name:\n  type: str\n"
        "greeting:\n  type: str\n  default: hello\n"
        "replicas:\n  type: int\n  default: 1\n"
        '  validator: "{% if replicas > 5 %}replicas must be at most 5{% endif %}"\n'
    ),
    "project/README.md.jinja": "# {{ project_name }}\n{{ greeting }} x{{ replicas }}\n",
}


@pytest.fixture
def git_template(tmp_path_factory) -> Path:
    """A tiny copier template in a local git repo: tag v1, then a v2 that changes README."""
    root = write_tree(tmp_path_factory.mktemp("tpl") / "tiny", TINY_TEMPLATE)
    env = ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]

    def run(*args: str) -> None:
        subprocess.run(["git", *env, *args], cwd=root, check=True, capture_output=True)

    run("init", "-q", "-b", "main")
    run("add", "-A")
    run("commit", "-q", "-m", "v1")
    run("tag", "v1")
    write_tree(root, {"project/CHANGELOG.md": "v2\n"})
    run("add", "-A")
    run("commit", "-q", "-m", "v2")
    run("tag", "v2")
    return root
