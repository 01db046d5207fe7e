"""The update journal: what an update is about to change, so a crash can be finished or undone.

An update moves three things that git cannot move in one step: the template branch (to the
new pristine render), the current branch (git's merge commit) and the working tree. Before
the first of them moves, `.git/mlt-update.json` records where each one was and where it goes.
Whoever runs mlt next on the repository (`update`, `update --continue`) reconciles:

- the render is merged into HEAD (the merge was committed, by mlt or by the user's own
  `git commit` after a conflict) → the template branch must be at the render: finish;
- a merge of exactly that render is in progress (the documented conflict state) → keep it,
  with the template branch at the render, for `mlt update --continue`;
- anything else (killed before the merge, or the user ran `git merge --abort`) → the update
  did not happen: put the template branch (and a branch mlt created) back.

A kill can therefore leave at most "template branch moved, journal present", which every later
mlt command repairs before it looks at the repository.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from mlt.errors import MltError
from mlt.gitops import GitError, git, run_git

JOURNAL_FILE = "mlt-update.json"
_ZERO = "0" * 40


@dataclass
class Journal:
    """One update in flight."""

    template_ref: str  # refs/heads/mlt/template
    old_template: str | None  # its sha before (None: it did not exist locally)
    theirs: str  # the new pristine render the update merges
    old_head: str  # HEAD before the update
    ours: str  # what was merged into: old_head, or its migration-renamed copy
    start_branch: str | None  # the branch the user was on (None: detached)
    created_branch: str | None = None  # fleet: the branch mlt created for this update
    merged: str = ""  # what `git merge` merges: theirs, or a child of it (see plan_target)

    def write(self, git_dir: Path) -> None:
        """Record it; a rename, so a reader never sees half a file."""
        tmp = git_dir / f"{JOURNAL_FILE}.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        tmp.replace(git_dir / JOURNAL_FILE)

    @staticmethod
    def read(git_dir: Path) -> Journal | None:
        """The journal of an unfinished update, or None."""
        path = git_dir / JOURNAL_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Journal(**data)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            raise MltError(
                f"{path} is damaged ({exc})",
                hint="check `git status` and `git branch -v`, then delete that file",
            ) from None

    @staticmethod
    def clear(git_dir: Path) -> None:
        """The update is complete (or undone): forget it."""
        for name in (JOURNAL_FILE, f"{JOURNAL_FILE}.tmp"):
            try:
                (git_dir / name).unlink()
            except FileNotFoundError:
                pass


def move_ref(repo: Path, ref: str, new: str | None, old: str | None, why: str) -> None:
    """Move (or delete, new=None) `ref` only if it is still at `old` (None: absent).

    One `git update-ref --stdin` transaction, so a concurrent change is refused, not lost.
    """
    command = f"update {ref} {new} {old or _ZERO}\n" if new else f"delete {ref} {old or _ZERO}\n"
    run = run_git("update-ref", "-m", why, "--stdin", cwd=repo, input=command)
    if run.rc != 0:
        raise GitError(f"cannot move {ref}: {run.last_error}")


def recover(repo: Path, git_dir: Path) -> str | None:
    """Finish or undo an update that was interrupted; a line saying which, or None."""
    journal = Journal.read(git_dir)
    if journal is None:
        return None
    head = git("rev-parse", "HEAD", cwd=repo)
    tip = _ref(repo, journal.template_ref)
    merge_head = _merge_head(git_dir)
    if merge_head == (journal.merged or journal.theirs):
        if head == journal.ours != journal.old_head:
            # Killed between the renamed merge and putting HEAD back: finish that step.
            git("update-ref", "HEAD", journal.old_head, cwd=repo)
        if tip != journal.theirs:
            move_ref(repo, journal.template_ref, journal.theirs, tip, "mlt: update (recovered)")
        return None  # the conflicted update is in place; `--continue` clears the journal
    if merge_head is None and _is_ancestor(repo, journal.theirs, head):
        if tip != journal.theirs:
            move_ref(repo, journal.template_ref, journal.theirs, tip, "mlt: update (finished)")
        Journal.clear(git_dir)
        return "finished an interrupted update: the template branch now records it"
    # Not merged: the update did not happen. Put back what it had moved.
    if merge_head is None and head == journal.ours != journal.old_head:
        git("reset", "-q", "--keep", journal.old_head, cwd=repo)
    if journal.created_branch and merge_head is None:
        current = _current_branch(repo)
        if current == journal.created_branch:
            git("switch", "-q", journal.start_branch or journal.old_head, cwd=repo)
            git("branch", "-q", "-D", journal.created_branch, cwd=repo)
    if tip == journal.theirs:
        move_ref(repo, journal.template_ref, journal.old_template, tip, "mlt: update (rolled back)")
    Journal.clear(git_dir)
    return "undid an interrupted update (nothing of it had been merged)"


def _ref(repo: Path, ref: str) -> str | None:
    run = run_git("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", cwd=repo)
    return run.out.strip() or None if run.rc == 0 else None


def _merge_head(git_dir: Path) -> str | None:
    try:
        return (git_dir / "MERGE_HEAD").read_text(encoding="ascii").split()[0]
    except (FileNotFoundError, IndexError):
        return None


def _is_ancestor(repo: Path, commit: str, head: str) -> bool:
    return run_git("merge-base", "--is-ancestor", commit, head, cwd=repo).rc == 0


def _current_branch(repo: Path) -> str | None:
    run = run_git("symbolic-ref", "-q", "--short", "HEAD", cwd=repo)
    return run.out.strip() or None
