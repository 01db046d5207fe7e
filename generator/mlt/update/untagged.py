"""Templates without version tags: follow their default branch, as cruft does.

Many templates never tag a release (the cookiecutter-data-science v1 line, for one). For
them "the newest version" is the tip of the branch the template's HEAD names; mlt then
compares, renders and records commits instead of tags, and says so, so nobody mistakes a
branch tip for a release.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlt.gitops import run_git
from mlt.provenance import Provenance


@dataclass(frozen=True)
class BranchTip:
    """The tip of the branch an untagged template is followed on."""

    branch: str  # "main"
    commit: str  # its full sha

    def note(self, source: str) -> str:
        """The line that says an untagged template is followed on its branch."""
        return (
            f"template {source} has no version tags: following its default branch "
            f"'{self.branch}' (at {self.commit[:10]})"
        )


def default_branch_tip(source: str, cwd: Path) -> BranchTip | None:
    """The template's default branch and its tip (one `git ls-remote --symref`), or None."""
    run = run_git("ls-remote", "--symref", source, "HEAD", cwd=cwd)
    if run.rc != 0:
        return None
    branch, commit = "HEAD", None
    for line in run.out.splitlines():
        left, _, name = line.partition("\t")
        if left.startswith("ref: refs/heads/") and name == "HEAD":
            branch = left.removeprefix("ref: refs/heads/")
        elif name == "HEAD" and len(left) in (40, 64):
            commit = left
    return BranchTip(branch, commit) if commit else None


def is_recorded(prov: Provenance, commit: str) -> bool:
    """True when the child already records `commit` (its full sha, or a describe of it)."""
    if prov.commit and prov.commit == commit:
        return True
    version = prov.version.rsplit("-g", 1)[-1]  # `git describe` output: ...-gSHORTSHA
    return len(version) >= 7 and commit.startswith(version)
