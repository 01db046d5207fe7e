"""Thin, fast wrappers around the git CLI, shared by `mlt new` and `mlt update`.

Every call is one `git` process; callers keep the count low (copier spends ~200 per update).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlt.errors import MltError

# Used only when the user has no git identity configured, so commits never fail on a fresh machine.
_FALLBACK_IDENTITY = {"name": "mlt", "email": "mlt@localhost"}


class GitError(MltError):
    """A git command failed; the message carries git's own last line of stderr."""


@dataclass
class GitRun:
    """A finished git process, for callers whose exit codes carry meaning (merge, grep)."""

    rc: int
    stdout: bytes
    err: str

    @property
    def out(self) -> str:
        """stdout as text."""
        return self.stdout.decode(errors="replace")

    @property
    def last_error(self) -> str:
        """git's most telling stderr line (its first 'error:'/'fatal:' line, else the last)."""
        lines = [line.strip() for line in self.err.splitlines() if line.strip()]
        for line in lines:
            if line.startswith(("error:", "fatal:")):
                return line
        return lines[-1] if lines else f"exit code {self.rc}"


def run_git(
    *args: str,
    cwd: Path | str,
    env: Mapping[str, str] | None = None,
    input: str | bytes | None = None,
) -> GitRun:
    """Run `git ARGS` in cwd without raising on a non-zero exit; the caller reads `rc`."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("GIT_TERMINAL_PROMPT", "0")
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=full_env,
            input=input.encode() if isinstance(input, str) else input,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (needed to record the project history)") from None
    return GitRun(proc.returncode, proc.stdout, proc.stderr.decode(errors="replace"))


def git(
    *args: str,
    cwd: Path | str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    input: str | bytes | None = None,
) -> str:
    """Run `git ARGS` in cwd and return stdout (text, stripped of the final newline)."""
    run = run_git(*args, cwd=cwd, env=env, input=input)
    if check and run.rc != 0:
        err = run.err.strip().splitlines()
        raise GitError(f"git {args[0]} failed: {err[-1] if err else f'exit code {run.rc}'}")
    return run.out.removesuffix("\n")


def identity_env(repo: Path | str) -> dict[str, str]:
    """Author/committer env vars, falling back to a neutral identity when none is configured."""
    configured = git("config", "--get-regexp", r"^user\.(name|email)$", cwd=repo, check=False)
    have = {line.split(" ", 1)[0].removeprefix("user.") for line in configured.splitlines()}
    env: dict[str, str] = {}
    for key, var in (("name", "NAME"), ("email", "EMAIL")):
        if key not in have and not os.environ.get(f"GIT_AUTHOR_{var}"):
            env[f"GIT_AUTHOR_{var}"] = env[f"GIT_COMMITTER_{var}"] = _FALLBACK_IDENTITY[key]
    return env


def commit_directory(
    repo: Path | str,
    content_dir: Path | str,
    message: str,
    parents: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    git_dir: Path | str | None = None,
) -> str:
    """Commit the exact content of content_dir as a new commit object in repo; return its sha.

    Uses a throwaway index, so neither the repo's index nor its working tree is touched.
    The commit is not on any branch: the caller moves a ref to it (`git update-ref`).
    """
    with tempfile.TemporaryDirectory(prefix="mlt-index-") as tmp:
        index_env = {
            **(env or {}),
            "GIT_INDEX_FILE": str(Path(tmp) / "index"),
            "GIT_WORK_TREE": str(content_dir),
        }
        # --force: template files matched by the child's .gitignore must still be recorded.
        git(
            "add",
            "--all",
            "--force",
            ".",
            cwd=content_dir,
            env={**index_env, "GIT_DIR": _git_dir(repo)},
        )
        tree = git("write-tree", cwd=repo, env=index_env)
    parent_args = [arg for sha in parents for arg in ("-p", sha)]
    return git("commit-tree", tree, *parent_args, "-m", message, cwd=repo, env=env)


def _git_dir(repo: Path | str) -> str:
    return str(Path(git("rev-parse", "--absolute-git-dir", cwd=repo)))
