"""Build a directory next to its final place, then move it there in one rename.

Whatever happens before the move (a failed render, Ctrl-C, a git error) removes the
staging directory, so the target never exists half-written.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlt.errors import MltError, UsageError

STAGING_MARK = ".mlt-staging-"


def check_target(target: Path) -> None:
    """Refuse a target that exists and is anything but an empty directory, or that the file
    system cannot hold (a name or path too long)."""
    try:
        _check_target(target)
    except OSError as exc:
        raise UsageError(f"cannot create {shorten(target)}: {exc.strerror or exc}") from None


def shorten(path: Path, keep: int = 60) -> str:
    """A path fit for one error line: long ones keep their start and end."""
    text = str(path)
    return text if len(text) <= 2 * keep else f"{text[:keep]}...{text[-keep:]}"


def _check_target(target: Path) -> None:
    if target.is_dir():
        if any(target.iterdir()):
            raise UsageError(f"{target} already exists and is not empty")
    elif target.exists() or target.is_symlink():
        raise UsageError(f"{target} already exists and is not a directory")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{parent} is not a directory")
            break


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty directory named like `target`, in a hidden folder beside it; on
    success rename it to `target`. The name matters: templates read it (`_folder_name`)."""
    created = _make_parents(target.parent)
    sweep_stale(target)
    try:
        # Same parent => same filesystem, so the final rename is atomic. The pid in the name
        # lets a later run remove what a killed one left. The project is staged in a subfolder
        # named like the target, so templates that use the folder name (`_folder_name`) see it.
        prefix = f".{_stem(target.name)}{STAGING_MARK}{os.getpid()}-"
        holder = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
        staging = holder / target.name
        staging.mkdir()
    except OSError as exc:
        _remove(created)
        raise MltError(f"cannot create {target}: {exc.strerror or exc}") from exc
    try:
        _chmod_like_mkdir(staging)
        yield staging
        _move(staging, target)
    except BaseException:
        _remove(holder)
        _remove(created)
        raise
    with contextlib.suppress(OSError):  # empty now; never worth failing a made project for
        holder.rmdir()


def sweep_stale(target: Path) -> None:
    """Remove staging directories for `target` whose `mlt new` was killed (-9 leaves no time
    to clean up); those of a live process, or of a name we cannot read, stay."""
    with contextlib.suppress(OSError):
        stem = _stem(target.name)
        for entry in target.parent.glob(f".{glob.escape(stem)}{STAGING_MARK}*-*"):
            pid = entry.name[len(stem) + 1 + len(STAGING_MARK) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                _remove(entry)


# A file name holds 255 bytes; the hidden folder adds ~40 to the name (mark, pid, random).
_STEM_BYTES = 200


def _stem(name: str) -> str:
    """The target name as the staging folder's name starts: a long one is cut and tagged with
    a hash of the whole name, so NAME may use all 255 bytes the file system allows."""
    if len(os.fsencode(name)) <= _STEM_BYTES:
        return name
    import hashlib

    cut = os.fsencode(name)[: _STEM_BYTES - 9].decode(errors="ignore")
    return f"{cut}~{hashlib.sha1(os.fsencode(name)).hexdigest()[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _make_parents(parent: Path) -> Path | None:
    """Create missing parents; return the topmost one created (to undo), or None."""
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    if not missing:
        return None
    try:
        parent.mkdir(parents=True)
    except OSError as exc:
        _remove(missing[-1])
        raise MltError(f"cannot create {parent}: {exc.strerror or exc}") from exc
    return missing[-1]


def _chmod_like_mkdir(path: Path) -> None:
    # mkdtemp makes 0700 directories; a project directory gets the usual umask mode.
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o777 & ~umask)


def _move(staging: Path, target: Path) -> None:
    # POSIX rename replaces an empty directory in one step; elsewhere remove it first.
    try:
        staging.rename(target)
        return
    except OSError as exc:
        error = exc
    if target.is_dir() and not any(target.iterdir()):
        try:
            target.rmdir()
            staging.rename(target)
            return
        except OSError as exc:
            error = exc
            with contextlib.suppress(OSError):
                target.mkdir(exist_ok=True)  # put back the empty directory we removed
    raise MltError(f"cannot move the new project to {target}: {error.strerror or error}") from error


def _remove(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
