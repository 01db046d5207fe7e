"""`mlt adopt` killed (SIGKILL) after each git call it makes in the repository: the repository
is either as before or adopted, never broken, and re-running adopt then `mlt update` ends
exactly where an uninterrupted run ends (shared/reference/fault-injection.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.adopt.adopt_kit import tool
from tests.support.git import commit_all, git
from tests.support.trees import write_tree

SHIM = """#!/usr/bin/env bash
# Count the git calls made in the repository under test; kill mlt after call FAULT_AT.
if [ "$PWD" = "$FAULT_REPO" ]; then
  n=$(( $(cat "$FAULT_DIR/count" 2>/dev/null || echo 0) + 1 )); echo $n > "$FAULT_DIR/count"
fi
"$REAL_GIT" "$@"; rc=$?
if [ "$PWD" = "$FAULT_REPO" ] && [ "${n:-0}" = "$FAULT_AT" ]; then kill -KILL $PPID; sleep 1; fi
exit $rc
"""


def _adopt(repo: Path, template: Path, shim_dir: Path, at: int) -> int:
    env = {
        **os.environ,
        "PATH": f"{shim_dir}{os.pathsep}{os.environ['PATH']}",
        "REAL_GIT": shutil.which("git") or "git",
        "FAULT_DIR": str(shim_dir),
        "FAULT_REPO": str(repo),
        "FAULT_AT": str(at),
    }
    (shim_dir / "count").unlink(missing_ok=True)
    cmd = [tool("mlt"), "adopt", "--template", str(template), "--ref", "v1"]
    return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, check=False).returncode


@pytest.mark.slow
def test_adopt_survives_a_kill_after_every_git_call(tiny, tmp_path):
    shim_dir = tmp_path / "shim"
    shim_dir.mkdir()
    (shim_dir / "git").write_text(SHIM)
    (shim_dir / "git").chmod(0o755)
    pristine = write_tree(tmp_path / "pristine", {"README.md": "# demo\n\nhello in red\n"})
    write_tree(
        pristine, {"notes.txt": "line 0, ours\n" + "".join(f"line {i}\n" for i in range(1, 10))}
    )
    commit_all(pristine, "by hand")

    def fresh(name: str) -> Path:
        repo = tmp_path / name
        shutil.copytree(pristine, repo, symlinks=True)
        return repo

    clean = fresh("clean")
    assert _adopt(clean, tiny, shim_dir, at=0) == 0
    calls = int((shim_dir / "count").read_text())
    assert 5 <= calls <= 30, calls
    subprocess.run([tool("mlt"), "update", str(clean)], check=True, capture_output=True)
    expected = git(clean, "rev-parse", "HEAD^{tree}")

    seen = {"untouched": 0, "half": 0, "adopted": 0}
    for at in range(1, calls + 1):
        repo = fresh(f"kill{at}")
        before = git(repo, "rev-parse", "HEAD")
        code = _adopt(repo, tiny, shim_dir, at)
        assert code in (0, -9), (at, code)
        assert subprocess.run(["git", "fsck", "--no-progress"], cwd=repo, check=False,
                              capture_output=True).returncode == 0  # fmt: skip
        assert not (repo / ".git" / "index.lock").exists()
        assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/main"
        assert git(repo, "status", "--porcelain") == ""
        head = git(repo, "rev-parse", "HEAD")
        refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
        if refs == git(pristine, "for-each-ref", "--format=%(refname) %(objectname)"):
            seen["untouched"] += 1
            continue  # exactly as before (new objects only): the clean run covers a re-run
        if head == before:  # the base is recorded, the link is not: re-running finishes it
            assert not (repo / ".mlt.yaml").exists()
            assert _adopt(repo, tiny, shim_dir, at=0) == 0, at
            seen["half"] += 1
        else:
            seen["adopted"] += 1
            assert git(repo, "rev-parse", "HEAD^2") == git(repo, "rev-parse", "mlt/template")
        subprocess.run([tool("mlt"), "update", str(repo)], check=True, capture_output=True)
        assert git(repo, "rev-parse", "HEAD^{tree}") == expected, at
    assert all(seen.values()), seen  # every kind of interruption was met
