"""`mlt update`, `mlt check`, `mlt diff` and fleet updates of child projects.

The 3-way merge base is the child's own `mlt/template` branch (every pristine render is
committed there), so updates are git's real merge, offline, with rename detection.
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
