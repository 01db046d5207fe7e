"""What an update did, as data: the CLI renders it as a table or JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Per-file outcomes, from the child's point of view.
WRITTEN = "written"  # upstream added/changed it, the child had not touched it: taken as is
MERGED = "merged"  # both sides changed it and git merged them cleanly
CONFLICT = "conflict"  # both sides changed the same lines: markers + index stages
DELETED = "deleted"  # upstream deleted it and the deletion landed
KEPT_DELETED = "kept-deleted"  # the child had deleted it, upstream changed it: stays deleted
UNCHANGED = "unchanged"  # upstream changed it, but the child's file already had the result
SKIPPED = "skipped"  # upstream changed it, but `_skip_if_exists` leaves it to the child: kept

# Overall status of one update.
UPDATED = "updated"
CONFLICTED = "conflict"
UP_TO_DATE = "up-to-date"
DRY_RUN = "dry-run"
REBUILT = "template-rebuilt"  # `--rebase-template`: a fresh pristine base, files untouched
ERROR = "error"


@dataclass
class FileOutcome:
    """One file touched by the upstream change."""

    path: str
    outcome: str
    renamed_from: str | None = None


@dataclass
class UpdateResult:
    """The result of updating one child project."""

    path: str
    status: str
    version_from: str | None = None
    version_to: str | None = None
    files: list[FileOutcome] = field(default_factory=list)
    commit: str | None = None  # the merge commit on a clean update
    branch: str | None = None  # the branch that was updated
    migrations: list[str] = field(default_factory=list)  # what migrations did, one line each
    messages: list[str] = field(default_factory=list)  # warnings, e.g. skipped tasks
    error: str | None = None

    @property
    def conflicts(self) -> list[str]:
        """Paths left with conflicts."""
        return [f.path for f in self.files if f.outcome == CONFLICT]

    @property
    def exit_code(self) -> int:
        """0 fine, 3 conflicts, 1 error (the documented `mlt update` exit codes); a dry run
        exits 3 when the update it previews would conflict."""
        if self.status == DRY_RUN and self.conflicts:
            return 3
        return {CONFLICTED: 3, ERROR: 1}.get(self.status, 0)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        data = asdict(self)
        data["files"] = [{k: v for k, v in f.items() if v is not None} for f in data["files"]]
        data["exit_code"] = self.exit_code
        return data
