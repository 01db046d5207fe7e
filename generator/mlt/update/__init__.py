"""`mlt update`, `mlt check`, `mlt diff` and fleet updates of child projects.

The 3-way merge base is the child's own `mlt/template` branch (every pristine render is
committed there), so updates are git's real merge, offline, with rename detection:

1. refuse a dirty tree (modified/staged tracked files; untracked files only when the merge
   would overwrite them — git refuses those itself) or a merge in progress;
2. render the target version once (recorded answers, migrated, plus `-d` overrides) into a
   temp dir, write the new `.mlt.yaml`, commit it as an object on top of `mlt/template`;
3. `git merge --no-ff --no-commit` it; files the child deleted stay deleted (`git rm`);
   clean → one merge commit "Update template to <version>" and `mlt/template` moves to the
   render; conflicts → markers + index stages, nothing committed, exit 3, MERGE_HEAD kept
   for `git commit` / `mlt update --continue`.

Exit codes: 0 updated or up to date, 1 error, 2 bad usage (`mlt check`: 2 = behind),
3 conflicts. Template tasks run only with --trust, once, in the repo after a clean merge.
"""

from __future__ import annotations

from mlt.update.check import CheckResult, check_project
from mlt.update.diff import diff_project
from mlt.update.engine import UpdateOptions, continue_update, update_project
from mlt.update.fleet import FleetEntry, read_fleet_file, update_fleet
from mlt.update.result import FileOutcome, UpdateResult

__all__ = [
    "CheckResult",
    "FileOutcome",
    "FleetEntry",
    "UpdateOptions",
    "UpdateResult",
    "check_project",
    "continue_update",
    "diff_project",
    "read_fleet_file",
    "update_fleet",
    "update_project",
]
