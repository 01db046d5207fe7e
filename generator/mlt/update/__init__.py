"""`mlt update`, `mlt check` and `mlt diff` of one child project (fleets: `mlt.fleet`).

The 3-way merge base is the child's own `mlt/template` branch (every pristine render is
committed there), so updates are git's real merge, offline, with rename detection:

1. refuse a dirty tree (modified/staged tracked files; untracked files only when the merge
   would overwrite them — git refuses those itself) or a merge in progress;
2. render the target version once (recorded answers, migrated, plus `-d` overrides) in
   memory, add the new `.mlt.yaml`, and commit it as an object on top of `mlt/template`
   with one `git fast-import` (no temp folder, no index);
3. journal the update (`.git/mlt-update.json`), move `mlt/template` to the render, and
   `git merge --no-ff` it (hooks and signing apply): clean → the one merge commit "Update
   template to <version>"; files the child deleted stay deleted (the merged commit is the
   render minus those files, see merge.plan_target); conflicts → markers + index stages,
   nothing committed, exit 3, MERGE_HEAD kept for `git commit` / `mlt update --continue`.
   A crash between the steps is finished or undone by the next run (journal.recover);
   docs/update-safety.md has the whole story.

Exit codes: 0 updated or up to date, 1 error, 2 bad usage (`mlt check`: 2 = behind),
3 conflicts. Template tasks run only with --trust, once, in the repo after a clean merge.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Where each public name lives; imported on first use, so `mlt check` does not load the
# merge machinery.
_EXPORTS = {
    "CheckResult": "check",
    "check_project": "check",
    "diff_project": "diff",
    "UpdateOptions": "engine",
    "continue_update": "engine",
    "update_project": "engine",
    "FileOutcome": "result",
    "UpdateResult": "result",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
