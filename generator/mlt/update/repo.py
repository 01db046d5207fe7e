"""The child repository's state, read with as few git processes as possible."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlt.errors import MltError
from mlt.gitops import GitError, git
from mlt.provenance import TEMPLATE_BRANCH

TEMPLATE_REF = f"refs/heads/{TEMPLATE_BRANCH}"
_REMOTE_TEMPLATE_REF = f"refs/remotes/origin/{TEMPLATE_BRANCH}"


@dataclass
class RepoState:
    """Where HEAD and the template branch point."""

    path: Path
    git_dir: Path
    head: str  # commit sha
    branch: str | None  # "main", or None on a detached HEAD
    template_tip: str | None  # mlt/template (or origin's copy after a clone)
    local_template: str | None = None  # mlt/template itself (None: only origin's copy)

    @property
    def merging(self) -> bool:
        """True while a merge (e.g. a conflicted update) waits to be committed."""
        return (self.git_dir / "MERGE_HEAD").is_file()


def inspect_repo(path: Path) -> RepoState:
    """Read HEAD, the current branch and the template branch (2 git processes)."""
    if not path.is_dir():
        raise MltError(f"{path} is not a directory")
    try:
        out = git(
            "rev-parse", "--absolute-git-dir", "HEAD", "--symbolic-full-name", "HEAD", cwd=path
        )
    except GitError:
        raise MltError(f"{path} is not a git repository with at least one commit") from None
    git_dir, head, ref = out.splitlines()[:3]
    refs = git(
        "for-each-ref",
        "--format=%(refname) %(objectname)",
        TEMPLATE_REF,
        _REMOTE_TEMPLATE_REF,
        cwd=path,
    )
    tips = dict(line.split(" ", 1) for line in refs.splitlines() if line)
    tip = tips.get(TEMPLATE_REF) or tips.get(_REMOTE_TEMPLATE_REF)
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
    return RepoState(path, Path(git_dir), head, branch, tip, tips.get(TEMPLATE_REF))


def require_template_branch(state: RepoState) -> str:
    """The template branch tip, or a clear error: without it there is no merge base."""
    if state.template_tip is None:
        raise MltError(
            f"{state.path} has no '{TEMPLATE_BRANCH}' branch, so there is no merge base",
            hint=f"fetch it (git fetch origin {TEMPLATE_BRANCH}:{TEMPLATE_BRANCH}) or rebuild it "
            "from the version .mlt.yaml records: `mlt update --rebase-template`",
        )
    return state.template_tip


def ensure_clean(state: RepoState) -> None:
    """Refuse modified or staged tracked files; untracked files are fine unless the merge
    would overwrite them (git itself refuses that, and we report its message)."""
    if state.merging:
        raise MltError(
            "a merge is in progress (an earlier update has conflicts)",
            hint="resolve the conflicts, `git add` the files, then `mlt update --continue`",
        )
    dirty = git("status", "--porcelain", "--untracked-files=no", cwd=state.path)
    if dirty:
        count = len(dirty.splitlines())
        raise DirtyTree(
            f"{state.path} has {count} uncommitted change(s) to tracked files; "
            "commit or stash them before updating",
            count=count,
        )


class DirtyTree(MltError):
    """Tracked files have uncommitted changes (`mlt diff` words it its own way)."""

    def __init__(self, message: str, count: int) -> None:
        super().__init__(message)
        self.count = count
