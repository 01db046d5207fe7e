"""`mlt update` when git cannot write a file half-way through the merge.

The new template version adds files (written first: `aaa/` sorts before `zzz/`) and changes
one in `zzz/`, which is read-only (a read-only or immutable folder, or an immutable file).
git stops after creating the new files; the update must leave the repository exactly as it
was (no untracked leftovers), say what git could not write with a hint, and work once the
file is writable again. Also: files the user has in the way are named, all of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.faults.fault_kit import damage, run_mlt, snapshot
from tests.support.git import git

V1 = {
    "copier.yml": "_subdirectory: project\nproject_name:\n  type: str\n",
    "mlt-template.yml": "version: 1.0.0\nmigrations: []\n",
    "project/README.md.jinja": "# {{ project_name }}\n",
    "project/zzz/data.txt": "one\n",
}
V2 = {
    **V1,
    "mlt-template.yml": "version: 2.0.0\nmigrations: []\n",
    "project/aaa/new.txt": "new\n",
    "project/aaa/deeper/more.txt": "more\n",
    "project/bbb.txt": "b\n",
    "project/zzz/data.txt": "two\n",
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "library" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def child(tmp_path, monkeypatch) -> tuple[Path, dict[str, str]]:
    from mlt.scaffold.new import NewRequest, create_project

    v1, v2 = _write(tmp_path / "v1", V1), _write(tmp_path / "v2", V2)
    monkeypatch.setenv("MLT_TEMPLATES_DIR", str(v1))
    made = create_project(NewRequest("library", "demo", tmp_path / "child")).path
    return made, {**os.environ, "MLT_TEMPLATES_DIR": str(v2)}


def _lock_down(path: Path) -> str | None:
    """Make `path` unwritable for git; how (to undo it), or None when this machine cannot."""
    if shutil.which("chattr"):
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if done.returncode == 0:
            return "chattr"
    if os.geteuid() != 0 and path.is_dir():
        path.chmod(0o555)
        return "chmod"
    return None


def _unlock(path: Path, how: str) -> None:
    if how == "chattr":
        subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o755)


@pytest.mark.parametrize("what", ["zzz", "zzz/data.txt"])
def test_unwritable_path_leaves_nothing_behind(child, what):
    repo, env = child
    before = snapshot(repo)
    target = repo / what
    how = _lock_down(target)
    if how is None:
        pytest.skip("cannot make a path unwritable here (root without chattr)")
    try:
        proc = run_mlt(["update", "--json"], repo, env)
    finally:
        _unlock(target, how)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert "zzz/data.txt" in doc["error"], doc
    assert "nothing was changed" in doc["error"]
    assert doc["hint"], doc
    assert snapshot(repo) == before, git(repo, "status", "--short")
    assert not (repo / "aaa").exists()
    assert damage(repo) == []
    again = run_mlt(["update", "--json"], repo, env)
    assert again.returncode == 0, again.stderr
    assert (repo / "aaa/deeper/more.txt").read_text() == "more\n"
    assert (repo / "zzz/data.txt").read_text() == "two\n"


def test_untracked_files_in_the_way_are_all_named(child):
    repo, env = child
    (repo / "bbb.txt").write_text("mine\n")
    (repo / "aaa").mkdir()
    (repo / "aaa/new.txt").write_text("mine too\n")
    before = snapshot(repo)
    proc = run_mlt(["update", "--json"], repo, env)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert "aaa/new.txt" in doc["error"] and "bbb.txt" in doc["error"], doc
    assert doc["hint"] and "move or delete" in doc["hint"]
    assert snapshot(repo) == before  # the user's own files are untouched
