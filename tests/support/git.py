"""git for tests: one `git()` runner, commits of everything, and an isolated, fixed identity."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

# Flags for a commit made without any identity in the environment (`git -c ...`).
IDENTITY_FLAGS = ("-c", "user.name=t", "-c", "user.email=t@t")
NAME, EMAIL = "Tester", "tester@example.com"


def git(
    repo: Path, *args: str, check: bool = True, input: str | None = None, strip: bool = True
) -> str:
    """git in repo; stdout without surrounding white space (as it is with strip=False). A
    failure (with check) raises AssertionError naming the command and git's stderr."""
    proc = subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip() if strip else proc.stdout


def git_run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """git in repo, unchecked: the whole CompletedProcess (text), for tests of exit codes."""
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def commit_all(repo: Path, message: str = "local change") -> str:
    """Stage everything and commit (initialising the repo first when it has none, as for a
    folder another tool made); return the new HEAD."""
    if not (repo / ".git").exists():
        git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def isolate_git(monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    """A predictable git: fixed identity, no user/system config, no signing; `home` is the
    user's home (so no ~/.cookiecutterrc either), with `main` as the default branch."""
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", NAME)
        monkeypatch.setenv(f"GIT_{who}_EMAIL", EMAIL)
    return home
