"""SourceTree: a template folder (or git tree) held in memory, read as the file system would."""

from __future__ import annotations

import os
import stat

import pytest

from mlt.copier_subset.source_tree import Blob, SourceTree, TreeError


def test_a_folder_is_read_whole_with_modes_and_empty_folders(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    (tmp_path / "a" / "b" / "run.sh").write_bytes(b"#!/bin/sh\n")
    (tmp_path / "a" / "b" / "run.sh").chmod(0o751)
    (tmp_path / "top.txt").write_bytes(b"top\n")
    tree = SourceTree.from_directory(tmp_path)
    assert set(tree.files) == {"a/b/run.sh", "top.txt"}
    assert tree.mode("a/b/run.sh") == stat.S_IFREG | 0o751
    assert tree.read("./a/b/../b/run.sh") == b"#!/bin/sh\n"
    assert tree.exists("empty") and tree.exists("a/b") and not tree.is_file("a")
    assert [(p, d) for p, d in tree.walk()] == [
        ("a", True),
        ("a/b", True),
        ("a/b/run.sh", False),
        ("empty", True),
        ("top.txt", False),
    ]
    assert list(tree.walk("a/b")) == [("a/b/run.sh", False)]


def test_paths_outside_the_root_never_exist(tmp_path):
    tree = SourceTree({"x.txt": Blob(stat.S_IFREG | 0o644, b"x")})
    for outside in ("../x.txt", "/x.txt", ".."):
        assert not tree.exists(outside)
    assert tree.exists("") and tree.exists(".") and tree.exists("sub/../x.txt")


def test_symlinks_are_refused_or_recorded_as_links(tmp_path):
    (tmp_path / "target.txt").write_text("t\n")
    (tmp_path / "link").symlink_to("target.txt")
    with pytest.raises(TreeError, match="symlink"):
        SourceTree.from_directory(tmp_path)
    tree = SourceTree.from_directory(tmp_path, symlinks=True)
    assert stat.S_ISLNK(tree.mode("link")) and tree.read("link") == b"target.txt"


def test_special_files_are_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(TreeError, match="regular"):
        SourceTree.from_directory(tmp_path)


def test_text_is_read_like_pythons_text_mode():
    tree = SourceTree({"t": Blob(stat.S_IFREG | 0o644, "é\r\nb\rc\n".encode())})
    assert tree.text("t") == "é\nb\nc\n"
    bad = SourceTree({"t": Blob(stat.S_IFREG | 0o644, b"\xff")})
    with pytest.raises(UnicodeDecodeError):
        bad.text("t")
