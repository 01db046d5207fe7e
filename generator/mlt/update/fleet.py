"""Fleet updates: many children at once, each on its own `mlt/update-<version>` branch.

Local paths are updated in place: the new branch is created from the current branch and
left checked out, so the result can be pushed as a PR branch. URLs are cloned into a cache
directory (fresh each run) and updated there; pushing is left to the caller.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from mlt.errors import MltError, UsageError
from mlt.gitops import git
from mlt.update import result as R
from mlt.update.engine import UpdateOptions, update_project

FLEET_BRANCH = "mlt/update-{version}"


@dataclass
class FleetEntry:
    """One line of a fleet file: a local path or a git URL."""

    spec: str
    path: Path | None  # local checkout; None for URLs (cloned first)

    @property
    def is_url(self) -> bool:
        """True when the entry must be cloned."""
        return self.path is None


def _looks_like_url(spec: str) -> bool:
    return "://" in spec or bool(re.match(r"^[\w.-]+@[\w.-]+:", spec))


def read_fleet_file(path: Path) -> list[FleetEntry]:
    """Entries of a fleet file: one path or URL per line, `#` comments, blank lines ignored.

    Relative paths are relative to the fleet file's directory.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read fleet file {path}: {exc.strerror}") from None
    entries = []
    for line in lines:
        spec = line.split("#", 1)[0].strip()
        if spec:
            local = None if _looks_like_url(spec) else (path.parent / spec).resolve()
            entries.append(FleetEntry(spec, local))
    if not entries:
        raise UsageError(f"fleet file {path} lists no repositories")
    return entries


def cache_dir() -> Path:
    """Where fleet clones of URLs go (override: MLT_CACHE_DIR)."""
    root = os.environ.get("MLT_CACHE_DIR") or Path.home() / ".cache" / "mlt"
    return Path(root) / "fleet"


def update_fleet(
    entries: list[FleetEntry], opts: UpdateOptions, jobs: int | None = None
) -> list[R.UpdateResult]:
    """Update every entry in parallel; one entry's failure never stops the others."""
    opts = replace(opts, branch=opts.branch or FLEET_BRANCH)
    workers = max(1, min(jobs or 8, len(entries)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlt-fleet") as pool:
        return list(pool.map(lambda entry: _update_one(entry, opts), entries))


def _update_one(entry: FleetEntry, opts: UpdateOptions) -> R.UpdateResult:
    try:
        repo = entry.path if entry.path is not None else _clone(entry.spec)
        result = update_project(repo, opts)
        result.path = entry.spec if entry.is_url else str(repo)
        return result
    except MltError as exc:
        return R.UpdateResult(entry.spec, R.ERROR, error=exc.message)
    except Exception as exc:  # noqa: BLE001 - a bug in one repo must not hide the others' results
        return R.UpdateResult(entry.spec, R.ERROR, error=f"{type(exc).__name__}: {exc}")


def _clone(url: str) -> Path:
    name = re.sub(r"[^\w.-]+", "_", url.rstrip("/").rsplit("/", 1)[-1])[:40]
    dest = cache_dir() / f"{name}-{hashlib.sha1(url.encode()).hexdigest()[:10]}"
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    git("clone", "-q", url, str(dest), cwd=dest.parent)
    return dest


def fleet_exit_code(results: list[R.UpdateResult]) -> int:
    """1 if any error, else 3 if any conflict, else 0."""
    statuses = {r.status for r in results}
    if R.ERROR in statuses:
        return 1
    return 3 if R.CONFLICTED in statuses else 0
