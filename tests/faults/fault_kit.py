"""Fault injection for mlt's git-driven commands: a `git` shim first on PATH that kills mlt
before or after its Nth git call, and snapshots to prove the repository is exactly "before"
or exactly "after" (see /work/shared/reference/fault-injection.md for the method).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.git import git

# Counts the calls of one mlt run; at call FAULT_AT it signals mlt, before or after running
# the real git. SIGKILL models a crash (git is then not run: mlt died before starting it);
# SIGINT goes to the whole process group like a terminal's Ctrl-C (git gets it too, unless
# mlt made it ignore SIGINT).
SHIM = """#!/usr/bin/env bash
n=$(( $(cat "$FAULT_DIR/count" 2>/dev/null || echo 0) + 1 )); echo $n > "$FAULT_DIR/count"
printf '%s %s\\n' "$n" "$*" >> "$FAULT_DIR/calls"
hit() { [ "$n" = "$FAULT_AT" ] && [ "$FAULT_WHEN" = "$1" ]; }
fault() {
  if [ "$FAULT_SIG" = KILL ]; then kill -KILL "$PPID"; exit 137; fi
  kill -INT -- "-$PPID"; sleep 0.1
}
if hit before; then fault; fi
"$REAL_GIT" "$@"; rc=$?
if hit after; then fault; fi
exit $rc
"""


@dataclass
class Shim:
    """A shim directory and the environment that puts it in front of the real git."""

    dir: Path
    real_git: str

    @classmethod
    def install(cls, root: Path) -> Shim:
        root.mkdir(parents=True, exist_ok=True)
        real = shutil.which("git")
        assert real, "git is needed"
        shim = root / "git"
        shim.write_text(SHIM)
        shim.chmod(0o755)
        return cls(root, real)

    def env(self, at: int, when: str = "before", sig: str = "KILL") -> dict[str, str]:
        for name in ("count", "calls"):
            (self.dir / name).unlink(missing_ok=True)
        return {
            **os.environ,
            "PATH": f"{self.dir}{os.pathsep}{os.environ['PATH']}",
            "REAL_GIT": self.real_git,
            "FAULT_DIR": str(self.dir),
            "FAULT_AT": str(at),
            "FAULT_WHEN": when,
            "FAULT_SIG": sig,
        }

    @property
    def count(self) -> int:
        path = self.dir / "count"
        return int(path.read_text()) if path.exists() else 0

    @property
    def calls(self) -> list[str]:
        path = self.dir / "calls"
        return path.read_text().splitlines() if path.exists() else []


def run_mlt(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`python -m mlt ARGS` in its own session, so its pid is its process group's id."""
    return subprocess.run(
        [sys.executable, "-m", "mlt", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        timeout=120,
        check=False,
    )


def spawn_mlt(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, *, new_session: bool = True
) -> subprocess.Popen:
    """`python -m mlt ARGS` started, not awaited (pipes for stdout/stderr, no stdin): for tests
    that signal it mid-run (its own session: its pid is its process group's id) or race it."""
    return subprocess.Popen(
        [sys.executable, "-m", "mlt", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=new_session,
    )


def snapshot(repo: Path) -> dict[str, object]:
    """Everything a user (or the next update) sees: refs, HEAD, merge state, index, files."""
    git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir"))
    merge_head = git_dir / "MERGE_HEAD"
    files = {}
    for path in sorted(repo.rglob("*")):
        if ".git" in path.relative_to(repo).parts or path.is_dir():
            continue
        files[path.relative_to(repo).as_posix()] = path.read_bytes()
    return {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"),
        "head": git(repo, "symbolic-ref", "-q", "HEAD", check=False),
        "merge_head": merge_head.read_text().strip() if merge_head.exists() else None,
        "index": git(repo, "ls-files", "-s"),
        "files": files,
    }


def user_view(snap: dict[str, object]) -> dict[str, object]:
    """The snapshot without the template branch (which a journal may still have to move)."""
    refs = [r for r in str(snap["refs"]).splitlines() if not r.startswith("refs/heads/mlt/")]
    return {**snap, "refs": refs}


def damage(repo: Path) -> list[str]:
    """What no interruption may leave: a corrupt repository, stale locks, a detached HEAD."""
    problems = []
    fsck = subprocess.run(
        ["git", "fsck", "--no-dangling", "--no-progress"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if fsck.returncode != 0:
        problems.append(f"git fsck: {fsck.stdout}{fsck.stderr}")
    # mlt's own update lock is a flock: a killed holder's file is free and taken over.
    locks = [
        str(p.relative_to(repo))
        for p in (repo / ".git").rglob("*.lock")
        if p.name != "mlt-update.lock"
    ]
    if locks:
        problems.append(f"stale locks: {locks}")
    if git(repo, "symbolic-ref", "-q", "HEAD", check=False) != "refs/heads/main":
        problems.append("HEAD is not on main")
    return problems
