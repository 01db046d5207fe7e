"""The 3-way merge of a new pristine template commit into the child, real or dry.

Base = the template branch tip (every earlier pristine render is on it), theirs = the new
pristine render committed on top of it, ours = the child's HEAD. git's own merge (ort, with
rename detection) does the work; we only decide the modify/delete case and classify files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlt.errors import MltError
from mlt.gitops import Identity, commit_without, git, run_git
from mlt.template.migrations import renamed_tree
from mlt.update import result as R
from mlt.update._git import parse_name_status, parse_stages, split_z
from mlt.update.hooks import COMMIT_HOOKS, MERGE_HOOKS, refusal
from mlt.update.merge_failure import merge_refused, overwrite_refusal, remove_merge_leftovers
from mlt.update.repo import RepoState
from mlt.update.skipped import settle_tree, settle_worktree

# Child deleted the file, upstream changed it: stages 1 (base) and 3 (theirs), no 2 (ours).
_DELETED_BY_US = frozenset({1, 3})


@dataclass
class MergePlan:
    """The commits of one update."""

    state: RepoState
    base: str  # the template commit theirs is built on (template tip, or its renamed copy)
    theirs: str  # the new pristine template commit
    ours: str  # what theirs merges into: HEAD, or HEAD with migration renames
    message: str
    renamed: list[str] = field(default_factory=list)
    # `_skip_if_exists` paths settled after the merge: {path: "ours" | "theirs"} (skipped.py)
    skipped: dict[str, str] = field(default_factory=dict)
    # What `git merge` merges: theirs, or theirs minus the files the child deleted (`kept`).
    target: str = ""
    kept: list[str] = field(default_factory=list)

    @property
    def merged(self) -> str:
        """The commit the update merges (MERGE_HEAD while it has conflicts)."""
        return self.target or self.theirs


@dataclass
class MergeOutcome:
    """Per-file result of a merge."""

    files: list[R.FileOutcome]
    conflicts: list[str]
    tree: str | None = None  # dry runs: the merged tree (conflicted files carry markers)
    kept_deleted: list[str] = field(default_factory=list)
    commit: str | None = None  # the update's merge commit, when it was made


def migration_commits(
    state: RepoState, tip: str, renames: dict[str, str]
) -> tuple[str, str, list[str]]:
    """Commits that apply file renames on both sides, so the renamed content is merged.

    Returns (base, ours, what-was-renamed): base = tip with renames (theirs' parent); ours =
    HEAD with renames and base as second parent, making base the merge base.
    """
    repo = state.path
    base_tree, _ = renamed_tree(repo, tip, renames)
    base = git(
        "commit-tree", base_tree, "-p", tip, "-m", "Template migration: rename files", cwd=repo
    )
    ours_tree, done = renamed_tree(repo, state.head, renames)
    ours = git(
        "commit-tree",
        ours_tree,
        "-p",
        state.head,
        "-p",
        base,
        "-m",
        "Apply template migration renames",
        cwd=repo,
    )
    return base, ours, done


def _merge_tree(plan: MergePlan) -> tuple[int, list[str]]:
    """`git merge-tree` of ours and theirs: (0 clean | 1 conflicted, its -z records)."""
    run = run_git(
        "merge-tree",
        "--write-tree",
        "-z",
        "--no-messages",
        plan.ours,
        plan.theirs,
        cwd=plan.state.path,
    )
    if run.rc not in (0, 1):
        raise MltError(f"git merge-tree failed: {run.last_error}")
    return run.rc, split_z(run.out)


def dry_merge(plan: MergePlan) -> MergeOutcome:
    """What the merge would do, computed with `git merge-tree` (no ref, index or file changes)."""
    _, records = _merge_tree(plan)
    unmerged = parse_stages(records[1:])
    for path in plan.skipped:
        unmerged.pop(path, None)
    tree = settle_tree(plan.state.path, records[0], plan.ours, plan.theirs, plan.skipped)
    applied = _changed(plan.state.path, plan.state.head, tree)
    return _outcome(plan, unmerged, applied, tree)


def plan_target(plan: MergePlan, ident: Identity) -> None:
    """Decide what `git merge` merges, before anything moves (objects only).

    Files the child deleted and upstream changed would stop `git merge` with modify/delete
    conflicts, and settling them (`git rm`, `git commit`) would take more git calls after the
    merge, each a point where a crash leaves a merge half-done. Instead the update merges a
    commit on top of the pristine render that deletes those files too ("Template X without
    the files this project deleted"): git then merges cleanly in one call, and the pristine
    render stays the next update's merge base, so the deletions keep holding.
    """
    rc, records = _merge_tree(plan)
    if rc == 0:
        return
    unmerged = parse_stages(records[1:])
    plan.kept = sorted(p for p, stages in unmerged.items() if stages == _DELETED_BY_US)
    if plan.kept:
        message = "Template render without the files this project deleted\n\n" + "".join(
            f"{p}\n" for p in plan.kept
        )
        plan.target = commit_without(plan.state.path, plan.theirs, plan.kept, message, ident)


def real_merge(plan: MergePlan, env: dict[str, str]) -> MergeOutcome | None:
    """Merge theirs into the working tree; commit when clean. None: nothing to merge.

    A clean merge commits itself (`git merge`, hooks and signing included); a conflicted one
    stops with MERGE_HEAD, and only modify/delete conflicts of files the child deleted are
    settled here. A refused commit raises CommitRefused with the merge still in progress: the
    caller undoes it.
    """
    repo, start = plan.state.path, plan.state.head
    renamed = plan.ours != start
    if renamed:  # migration renames: a fast-forward to the renamed commit
        moved = run_git("merge", "--ff-only", "-q", plan.ours, cwd=repo)
        if moved.rc != 0:
            raise merge_refused(moved)
    # With renames HEAD must go back to `start` before the commit, and skipped paths are
    # settled before it, so git may not commit.
    hold = ["--no-commit"] if renamed or plan.skipped else []
    merged = run_git(
        "merge", "--no-ff", "--no-edit", *hold, "-m", plan.message, plan.merged, cwd=repo, env=env
    )
    merging = (plan.state.git_dir / "MERGE_HEAD").is_file()
    unmerged = parse_stages(split_z(git("ls-files", "-u", "-z", cwd=repo))) if merging else {}
    if merging and merged.rc != 0 and not unmerged:
        # A clean merge that git did not commit: a hook or the signer said no.
        raise refusal(repo, plan.state.git_dir, merged, MERGE_HOOKS)
    if not merging:
        left = []
        if merged.rc != 0 and not overwrite_refusal(merged):
            left = remove_merge_leftovers(repo, plan.ours, plan.merged)
        if renamed:  # undo the renames: the update did not happen
            git("reset", "-q", "--keep", start, cwd=repo)
        if merged.rc != 0:
            raise merge_refused(merged, left)
        head = None if renamed else git("rev-parse", "HEAD", cwd=repo)
        if head is None or head == start:
            return None  # "Already up to date": theirs is already merged
        kept_deleted = {p: set(_DELETED_BY_US) for p in plan.kept}
        return _outcome(plan, kept_deleted, _changed(repo, start, head), None, commit=head)
    if plan.skipped:  # `_skip_if_exists` paths take their side before the commit
        settle_worktree(repo, plan.ours, plan.theirs, plan.skipped)
        unmerged = {p: s for p, s in unmerged.items() if p not in plan.skipped}
    kept = sorted(p for p, stages in unmerged.items() if stages == _DELETED_BY_US)
    if kept:  # the child deleted these on purpose (plan_target missed them): keep them deleted
        git("rm", "-q", "-f", "--", *kept, cwd=repo)
    unmerged.update({p: set(_DELETED_BY_US) for p in plan.kept})
    kept = sorted({*kept, *plan.kept})
    if renamed:
        # The renames were a means to the merge base; the update stays one (merge) commit.
        git("update-ref", "HEAD", start, cwd=repo)
    if len(kept) == len(unmerged):
        committed = run_git("commit", "-q", "--no-edit", cwd=repo, env=env)
        if committed.rc != 0:
            raise refusal(repo, plan.state.git_dir, committed, COMMIT_HOOKS)
        head = git("rev-parse", "HEAD", cwd=repo)
        return _outcome(plan, unmerged, _changed(repo, start, head), None, commit=head)
    applied = set(split_z(git("diff", "--cached", "--name-only", "-z", start, cwd=repo)))
    return _outcome(plan, unmerged, applied, None)


def _changed(repo: Path, a: str, b: str) -> set[str]:
    return set(split_z(git("diff", "--name-only", "-z", "--no-renames", a, b, cwd=repo)))


def _outcome(
    plan: MergePlan,
    unmerged: dict[str, set[int]],
    applied: set[str],
    tree: str | None,
    commit: str | None = None,
) -> MergeOutcome:
    repo = plan.state.path
    upstream = parse_name_status(
        git("diff", "--name-status", "-z", "-M", plan.base, plan.theirs, cwd=repo)
    )
    ours_changed = set(
        split_z(git("diff", "--name-only", "-z", "--no-renames", plan.base, plan.ours, cwd=repo))
    )
    kept = {p for p, s in unmerged.items() if s == _DELETED_BY_US}
    conflicts = {p for p in unmerged if p not in kept}
    files = [
        R.FileOutcome(
            path, _classify(status, path, old, kept, conflicts, applied, ours_changed), old
        )
        for status, path, old in upstream
    ]
    for f in files:  # the child's copy of a file the template hands over stays as it is
        if plan.skipped.get(f.path) == "ours":
            f.outcome = R.SKIPPED
    known = {f.path for f in files}
    files += [R.FileOutcome(p, R.CONFLICT) for p in sorted(conflicts - known)]
    return MergeOutcome(files, sorted(conflicts), tree, sorted(kept), commit)


def _classify(
    status: str,
    path: str,
    old: str | None,
    kept: set[str],
    conflicts: set[str],
    applied: set[str],
    ours_changed: set[str],
) -> str:
    names = {path, old} - {None}
    if names & kept:
        return R.KEPT_DELETED
    if names & conflicts:
        return R.CONFLICT
    if not names & applied:
        return R.UNCHANGED
    if status == "D":
        return R.DELETED
    return R.MERGED if names & ours_changed else R.WRITTEN
