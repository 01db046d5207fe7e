"""`mlt diff`: the unified diff an update would apply to the current branch, touching nothing."""

from __future__ import annotations

from pathlib import Path

from mlt.errors import MltError
from mlt.gitops import git
from mlt.update import result as R
from mlt.update.engine import UpdateOptions, prepare
from mlt.update.merge import dry_merge
from mlt.update.repo import DirtyTree


def diff_project(
    path: Path, opts: UpdateOptions | None = None, notes: list[str] | None = None
) -> str:
    """The diff from HEAD to the merged tree ('' when up to date); conflicts show markers.

    Only loose objects are written (the pristine render commit); no ref, index or file moves.
    Notes for the user (an untagged template followed on its branch) go to `notes`.
    """
    try:
        prepared = prepare(path, opts or UpdateOptions())
    except DirtyTree as exc:
        raise MltError(
            f"{path} has {exc.count} uncommitted change(s) to tracked files; mlt diff previews "
            "the update of your last commit, so it would not show how the update meets them",
            hint="commit or stash them, then `mlt diff` again",
        ) from None
    if isinstance(prepared, R.UpdateResult):
        if notes is not None:
            notes += prepared.messages
        return ""
    if notes is not None and prepared.target.note:
        notes.append(prepared.target.note)
    outcome = dry_merge(prepared.plan)
    # Files the child deleted stay deleted (kept-deleted), so they are not part of the diff.
    excludes = [f":(exclude){p}" for p in outcome.kept_deleted]
    out = git(
        "diff",
        "-M",
        "--no-color",
        prepared.plan.state.head,
        outcome.tree or "",
        "--",
        ".",
        *excludes,
        cwd=path,
    )
    # `git merge-tree` labels the conflict markers with the commit ids it was given; name them
    # as people know them: HEAD (as `git merge` does) and the template version.
    plan = prepared.plan
    out = out.replace(f"+<<<<<<< {plan.ours}\n", "+<<<<<<< HEAD\n")
    out = out.replace(f"+>>>>>>> {plan.theirs}\n", f"+>>>>>>> template {prepared.version}\n")
    return out + "\n" if out else ""
