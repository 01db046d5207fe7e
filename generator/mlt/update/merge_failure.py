"""A `git merge` that failed without starting a merge: put the working tree back, say why.

When git cannot write a file half-way through a merge (a read-only or immutable file or
folder, a file another program holds), it stops with no MERGE_HEAD and leaves the index and
the tracked files as they were, but the files the merge had already created stay behind as
untracked files. The next update then fails on them ("untracked working tree files would be
overwritten"). Those files are removed here, with the folders they needed, so a failed update
leaves the repository exactly as it was, like every other failure.

git's own message is kept whole where it names files (git prints one per line, under a
heading), and every refusal gets a hint that says what to do.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from mlt.errors import MltError
from mlt.gitops import GitRun, run_git
from mlt.update._git import split_z

_OVERWRITE = "would be overwritten by merge"


def remove_merge_leftovers(repo: Path, head: str, merged: str) -> list[str]:
    """Delete the untracked files a failed merge of `merged` into `head` created; their paths.

    Only paths the merge adds (absent from `head`), that git does not track and that are not
    ignored are touched: git refuses to merge over such an untracked file that was there
    before (the "would be overwritten" refusal, which writes nothing and is not cleaned), so
    any such file now is the merge's. An ignored file git may overwrite: it stays.
    """
    added = run_git(
        "diff", "--name-only", "-z", "--no-renames", "--diff-filter=A", head, merged, cwd=repo
    )
    paths = split_z(added.out) if added.rc == 0 else []
    if not paths:
        return []
    tracked = set(split_z(run_git("ls-files", "-z", "--", *paths, cwd=repo).out))
    ignored = run_git("check-ignore", "-z", "--stdin", cwd=repo, input="\0".join(paths))
    tracked |= set(split_z(ignored.out))
    removed = []
    for rel in paths:
        if rel in tracked:
            continue
        full = repo / rel
        if full.is_symlink() or full.is_file():
            with contextlib.suppress(FileNotFoundError):
                full.unlink()
                removed.append(rel)
            _prune_empty_parents(repo, full.parent)
    return removed


def _prune_empty_parents(repo: Path, folder: Path) -> None:
    """Remove folders left empty up to the repository root (git creates them, git removes them)."""
    while folder != repo and repo in folder.parents:
        try:
            folder.rmdir()  # only when empty
        except OSError:
            return
        folder = folder.parent


def overwrite_refusal(run: GitRun) -> bool:
    """git stopped before writing anything because untracked files were in the way."""
    return _OVERWRITE in run.err


def merge_refused(run: GitRun, left: list[str] | None = None) -> MltError:
    """The error for a `git merge` that stopped before merging: git's reason, whole, and a fix."""
    lines = [line.rstrip() for line in run.err.splitlines() if line.strip()]
    named = _listed_files(lines)
    if named is not None:
        return MltError(
            f"git refused the merge: these untracked files would be overwritten by it: "
            f"{', '.join(named)}; nothing was changed",
            hint="move or delete them (or commit them), then run `mlt update` again",
        )
    errors = [line.strip() for line in lines if line.startswith(("error:", "fatal:"))]
    reason = "; ".join(e.split(":", 1)[1].strip() for e in errors) or run.last_error
    note = "; nothing was changed"
    if left:
        note = f"; the {len(left)} file(s) it had begun to write were removed, nothing was changed"
    return MltError(
        f"git could not apply the update: {reason}{note}",
        hint="make the files it names writable (permissions, `lsattr`, a program holding "
        "them open), then run `mlt update` again",
    )


def _listed_files(lines: list[str]) -> list[str] | None:
    """The files under git's "...would be overwritten by merge:" heading, if it is there."""
    for i, line in enumerate(lines):
        if _OVERWRITE in line:
            files = []
            for entry in lines[i + 1 :]:
                if not entry.startswith(("\t", " ")):
                    break
                files.append(entry.strip())
            return files
    return None
