"""A template's files held in memory, read from a directory or from a git commit.

The fast renderer works on this instead of the file system: a git template at a ref is read
straight from the repository's objects (no checkout written to a temp folder), and the render
can go straight into git objects (`gitops.commit_files`) without touching the disk either.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass


class TreeError(Exception):
    """The tree holds something a plain in-memory copy cannot stand for (symlink, device)."""


@dataclass(frozen=True)
class Blob:
    """One regular file: its st_mode (as a checkout would create it) and its bytes."""

    mode: int
    data: bytes


class SourceTree:
    """Files and directories keyed by POSIX path relative to the root ("" is the root)."""

    def __init__(self, files: dict[str, Blob], dirs: set[str] | None = None) -> None:
        self.files = files
        self.dirs = {""} | (dirs or set())
        for path in files:  # parents of every file, as git trees imply them
            while "/" in path:
                path = path.rsplit("/", 1)[0]
                self.dirs.add(path)
        self._children: dict[str, list[str]] | None = None

    @classmethod
    def from_directory(cls, root: str | os.PathLike[str], symlinks: bool = False) -> SourceTree:
        """Read every file below `root`. Special files raise TreeError, and so do symlinks
        unless `symlinks`: then each is a blob of mode S_IFLNK holding its target (as git
        records one)."""
        files: dict[str, Blob] = {}
        dirs: set[str] = set()
        pending = [("", os.fspath(root))]
        while pending:
            rel, path = pending.pop()
            with os.scandir(path) as entries:
                for entry in entries:
                    name = f"{rel}/{entry.name}" if rel else entry.name
                    if entry.is_symlink():
                        if not symlinks:
                            raise TreeError(f"symlink {entry.path}")
                        target = os.fsencode(os.readlink(entry.path))  # noqa: PTH115 - a DirEntry path
                        files[name] = Blob(stat.S_IFLNK | 0o777, target)
                        continue
                    if entry.is_dir():
                        dirs.add(name)
                        pending.append((name, entry.path))
                        continue
                    st = entry.stat()
                    if not stat.S_ISREG(st.st_mode):
                        raise TreeError(f"not a regular file: {entry.path}")
                    with open(entry.path, "rb") as handle:  # noqa: PTH123 - a DirEntry path
                        files[name] = Blob(st.st_mode, handle.read())
        return cls(files, dirs)

    # Queries ------------------------------------------------------------------------------

    def is_file(self, path: str) -> bool:
        return _normal(path) in self.files

    def exists(self, path: str) -> bool:
        normal = _normal(path)
        return normal in self.files or normal in self.dirs

    def read(self, path: str) -> bytes:
        return self.files[_normal(path)].data

    def mode(self, path: str) -> int:
        normal = _normal(path)
        blob = self.files.get(normal)
        return blob.mode if blob else stat.S_IFDIR | 0o755

    def text(self, path: str) -> str:
        """A file as Python's text mode reads it: UTF-8, universal newlines (as Jinja's
        FileSystemLoader reads templates)."""
        return io.TextIOWrapper(io.BytesIO(self.read(path)), encoding="utf-8").read()

    def walk(self, top: str = "") -> Iterator[tuple[str, bool]]:
        """(path, is_dir) of everything below `top`, each folder before its content."""
        children = self._index()
        for name in sorted(children.get(_normal(top), ())):
            is_dir = name in self.dirs
            yield name, is_dir
            if is_dir:
                yield from self.walk(name)

    def _index(self) -> dict[str, list[str]]:
        if self._children is None:
            children: dict[str, list[str]] = {}
            for path in (*self.files, *self.dirs):
                if path:
                    parent = path.rsplit("/", 1)[0] if "/" in path else ""
                    children.setdefault(parent, []).append(path)
            self._children = children
        return self._children


def inside(path: str) -> bool:
    """Whether a relative POSIX path stays inside the folder it is relative to."""
    if posixpath.isabs(path):
        return False
    normal = posixpath.normpath(path) if path else "."
    return normal != ".." and not normal.startswith("../")


def _normal(path: str) -> str:
    """`a/./b` → `a/b`, `.` → ``; paths leaving the root never match anything."""
    if not inside(path):
        return "\0outside"
    normal = posixpath.normpath(path) if path else "."
    return "" if normal == "." else normal
