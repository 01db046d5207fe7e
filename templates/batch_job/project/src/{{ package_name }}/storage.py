"""Template engine: batch storage. Edit config.yaml (input/output URIs) and features.py, not this.

One folder on any storage fsspec knows (local path, file://, s3://, gs://), with the two
writes the batch pattern needs and nothing else:

- `create`: a whole object appears at once or not at all, and only if none exists yet
  (S3 `If-None-Match: *`; local files: a private temp file hard-linked into place, since
  link(2) fails atomically on an existing name). Never a check followed by a write.
- `swap`: compare-and-swap of a small pointer object (S3 `If-Match: <etag>`; local files: an
  flock around read-compare-rename), so racing publishers cannot undo each other. gcsfs has
  no precondition on overwrites, so on gs:// the pointer is compared and then written: two
  publishers within the same instant could still race there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

FILE_MODE = 0o644  # readable by a downstream reader running under another uid
DIR_MODE = 0o755
MISSING = ""  # swap() token of an object that does not exist yet


class StoreError(RuntimeError):
    """Storage refused or failed an operation."""


class AlreadyExists(StoreError):
    """create() found the object already there."""


class Changed(StoreError):
    """swap() found the object changed since it was read."""


class Store:
    """A root folder (URL or local path) and relative paths under it."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.url)
        except (ImportError, ValueError) as exc:
            # e.g. s3:// without s3fs installed: say which extra to install.
            raise StoreError(f"cannot open {url}: {exc}") from exc
        self.local = isinstance(self.fs, LocalFileSystem)
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self.etags = "s3" in protocols  # S3 takes If-Match on PUT
        self.root = self.root.rstrip("/")

    def path(self, *parts: str) -> str:
        """Full path of `parts` under the root."""
        return "/".join([self.root, *parts])

    def uri(self, *parts: str) -> str:
        """A URI a reader can open (file:// for local paths)."""
        full = self.path(*parts)
        return "file://" + full if self.local else self.fs.unstrip_protocol(full)

    def read(self, *parts: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""
        try:
            return self.fs.cat_file(self.path(*parts))
        except FileNotFoundError:
            return None

    def list(self, *parts: str) -> list[str]:
        """Names directly under a folder (files and sub-folders); [] when it does not exist."""
        path = self.path(*parts)
        # Other processes write here: a cached listing would hide their shards.
        self.fs.invalidate_cache(path)
        try:
            entries = self.fs.ls(path, detail=False)
        except FileNotFoundError:
            return []
        return sorted({e.rstrip("/").rsplit("/", 1)[-1] for e in entries} - {""})

    def create(self, data: bytes, *parts: str) -> None:
        """Write a new object; raise AlreadyExists if the name is taken."""
        path = self.path(*parts)
        if self.local:
            _create_local(path, data)
            return
        try:
            self.fs.pipe_file(path, data, mode="create")
        except FileExistsError as exc:
            raise AlreadyExists(f"{self.uri(*parts)} already exists") from exc

    def read_versioned(self, *parts: str) -> tuple[bytes | None, str]:
        """The object's bytes and a token for swap() (MISSING when it does not exist)."""
        path = self.path(*parts)
        if not self.etags:
            data = self.read(*parts)
            return data, MISSING if data is None else data.decode("utf-8", "replace")
        # ETag first, bytes second: if the object changes in between, the older ETag makes
        # the following swap fail and the caller reads again (never a stale success).
        self.fs.invalidate_cache(path)
        try:
            etag = self.fs.info(path)["ETag"]
        except FileNotFoundError:
            return None, MISSING
        return self.read(*parts), etag

    def swap(self, data: bytes, token: str, *parts: str) -> None:
        """Replace the object if it still matches `token`; raise Changed otherwise."""
        path = self.path(*parts)
        if self.local:
            _swap_local(path, data, token)
            return
        if token == MISSING:
            try:
                self.fs.pipe_file(path, data, mode="create")
            except FileExistsError as exc:
                raise Changed(f"{self.uri(*parts)} appeared meanwhile") from exc
            return
        if not self.etags:
            current = self.read(*parts)
            if (MISSING if current is None else current.decode("utf-8", "replace")) != token:
                raise Changed(f"{self.uri(*parts)} changed meanwhile")
            self.fs.pipe_file(path, data)
            return
        try:
            self.fs.pipe_file(path, data, IfMatch=token)
        except OSError as exc:
            # s3fs reports 412 Precondition Failed as a plain OSError (EINVAL).
            if "pre-condition" in str(exc).lower() or "precondition" in str(exc).lower():
                raise Changed(f"{self.uri(*parts)} changed meanwhile") from exc
            raise


def _makedirs(folder: Path) -> None:
    """mkdir -p, with each new folder 0755 whatever the umask (readers must get through)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir()
        except FileExistsError:
            continue  # another shard made it first
        new.chmod(DIR_MODE)


@contextlib.contextmanager
def _temp_beside(path: Path, data: bytes) -> Iterator[Path]:
    """A fully written, fsynced, 0644 temp file next to `path` (hidden name), removed after."""
    _makedirs(path.parent)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        try:
            os.fchmod(fd, FILE_MODE)  # the umask must not make outputs private
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        yield temp
    finally:
        temp.unlink(missing_ok=True)


def _create_local(name: str, data: bytes) -> None:
    path = Path(name)
    with _temp_beside(path, data) as temp:
        try:
            os.link(temp, path)
        except FileExistsError as exc:
            raise AlreadyExists(f"{path} already exists") from exc
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                raise
            # Filesystems without hard links (some FUSE/SMB mounts): O_EXCL on the final name
            # still refuses to overwrite, though a reader might see it half-written.
            _create_exclusive(path, data)
    _fsync_dir(path.parent)


def _create_exclusive(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError as exc:
        raise AlreadyExists(f"{path} already exists") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _swap_local(name: str, data: bytes, token: str) -> None:
    import fcntl  # POSIX only, like the rest of the job's runtime

    path = Path(name)
    _makedirs(path.parent)
    lock = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            current = MISSING
        if current != token:
            raise Changed(f"{path} changed meanwhile")
        with _temp_beside(path, data) as temp:
            temp.replace(path)  # readers see the old pointer or the new, never a torn one
        _fsync_dir(path.parent)
    finally:
        os.close(lock)  # also releases the flock


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
