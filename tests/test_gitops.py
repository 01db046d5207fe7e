"""gitops.commit_files writes exactly the given files as one commit object, and identity()
reads who commits the way git would (with a fallback where nothing is configured)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from mlt.copier_subset.source_tree import Blob
from mlt.gitops import GitError, commit_files, identity
from tests.support.git import git

REG, EXE, LINK = stat.S_IFREG | 0o644, stat.S_IFREG | 0o744, stat.S_IFLNK | 0o777


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    for var in ("NAME", "EMAIL"):
        monkeypatch.setenv(f"GIT_AUTHOR_{var}", "t")
        monkeypatch.setenv(f"GIT_COMMITTER_{var}", "t")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "tracked.txt").write_text("work tree\n")
    git(root, "add", "tracked.txt")
    git(root, "commit", "-q", "-m", "root")
    return root


ODD = {
    "plain.txt": Blob(REG, b"plain\n"),
    "bin/run.sh": Blob(EXE, b"#!/bin/sh\n"),
    "deep/er/data.bin": Blob(REG, bytes(range(256))),
    "with space.txt": Blob(REG, b""),
    '"quoted".txt': Blob(REG, b"q\n"),
    "new\nline.txt": Blob(REG, b"n\n"),
    "back\\slash.txt": Blob(REG, b"b\n"),
    "link": Blob(LINK, b"plain.txt"),
}


def test_commit_files_records_exactly_the_files(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    refs = git(repo, "for-each-ref")
    sha = commit_files(repo, ODD, "Template v9", [head], identity(repo))
    # --full-name -z: paths unquoted, as committed
    listing = git(repo, "ls-tree", "-r", "-z", "--full-name", sha).split("\0")
    modes = {}
    for record in filter(None, listing):
        meta, path = record.split("\t", 1)
        mode, _, blob = meta.split()
        modes[path] = mode
        content = subprocess.run(
            ["git", "cat-file", "blob", blob], cwd=repo, capture_output=True, check=True
        ).stdout
        assert content == ODD[path].data, path
    assert set(modes) == set(ODD)
    assert modes["bin/run.sh"] == "100755" and modes["link"] == "120000"
    assert modes["plain.txt"] == "100644"
    assert git(repo, "log", "-1", "--format=%P%n%B", sha, strip=False) == f"{head}\nTemplate v9\n\n"
    # Only objects: refs, index and work tree are as they were.
    assert git(repo, "for-each-ref") == refs
    assert git(repo, "status", "--porcelain") == ""


def test_commit_files_with_several_parents_or_none(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    ident = identity(repo)
    first = commit_files(repo, {"a": Blob(REG, b"a")}, "one", [], ident)
    assert git(repo, "log", "-1", "--format=%P", first).strip() == ""
    merged = commit_files(repo, {}, "two", [head, first], ident)
    assert git(repo, "log", "-1", "--format=%P", merged).split() == [head, first]
    assert git(repo, "ls-tree", merged) == ""


def test_commit_files_reports_gits_error(repo):
    with pytest.raises(GitError, match="fast-import"):
        commit_files(repo, {}, "x", ["1" * 40], identity(repo))  # no such commit


def test_identity_falls_back_only_where_nothing_is_configured(repo, monkeypatch):
    for var in ("NAME", "EMAIL"):
        monkeypatch.delenv(f"GIT_AUTHOR_{var}")
        monkeypatch.delenv(f"GIT_COMMITTER_{var}")
    monkeypatch.setenv("HOME", str(repo.parent))  # no global config
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1700000000 +0200")
    bare = identity(repo)
    assert bare.committer == "mlt <mlt@localhost> 1700000000 +0200"
    assert bare.env["GIT_COMMITTER_NAME"] == "mlt"
    git(repo, "config", "user.name", "Ada")
    named = identity(repo)
    assert named.committer == "Ada <mlt@localhost> 1700000000 +0200"
    assert "GIT_AUTHOR_NAME" not in named.env and named.env["GIT_AUTHOR_EMAIL"] == "mlt@localhost"
    # The commit carries the same identity git itself would use.
    sha = commit_files(repo, {}, "x", [], named)
    assert git(repo, "log", "-1", "--format=%cn <%ce> %ct", sha).strip() == (
        "Ada <mlt@localhost> 1700000000"
    )
