"""`mlt fleet status`: where every repository stands, and the last run's word on it."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlt.errors import MltError
from mlt.fleet import git_work
from mlt.fleet.forges import Forge, RepoAddress, parse_remote
from mlt.fleet.repos import FleetEntry, cache_dir, clone_dir, redact
from mlt.fleet.rollout import BRANCH_PREFIX, ForgePool, RepoOutcome


def state_file() -> Path:
    """The last run's outcome per repository."""
    return cache_dir() / "state.json"


def record(outcomes: list[RepoOutcome]) -> None:
    """Merge this run's outcomes into the state file (atomic replace)."""
    path = state_file()
    state = load_state()
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for outcome in outcomes:
        state[outcome.repo] = {**outcome.to_dict(), "at": now}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def load_state() -> dict[str, Any]:
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class RepoStatus:
    """One row of `mlt fleet status`."""

    repo: str
    template: str | None = None
    current: str | None = None
    latest: str | None = None
    state: str | None = None  # up-to-date | behind | problems
    pr_url: str | None = None
    pr_state: str | None = None  # open | draft
    ci: str | None = None
    last_run: str | None = None
    last_error: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fleet_status(entries: list[FleetEntry], forges: ForgePool, jobs: int = 8) -> list[RepoStatus]:
    """Status of every entry, in order (errors are part of a row, never raised)."""
    last = load_state()
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(entries)))) as pool:
        return list(pool.map(lambda e: _status(e, forges, last.get(e.label) or {}), entries))


def _status(entry: FleetEntry, forges: ForgePool, last: dict[str, Any]) -> RepoStatus:
    from mlt.update.check import check_project

    row = RepoStatus(entry.label, last_run=last.get("status"), last_error=last.get("error"))
    try:
        address = parse_remote(entry.spec) if entry.is_url else None
        forge = _forge(forges, address)
        if entry.is_url:
            dest = clone_dir(entry.spec).with_name(clone_dir(entry.spec).name + "-status")
            auth = forge.git_auth() if forge else git_work.GitAuth()
            path = git_work.fresh_clone(entry.spec, dest, auth)
        else:
            assert entry.path is not None
            path = entry.path
        checked = check_project(path)
        row.current, row.latest, row.state = checked.current, checked.latest, checked.status
        from mlt.provenance import Provenance

        row.template = redact(Provenance.read(path).source)
        if forge and address:
            owner = forge.owner_of(address)
            prs = forge.open_prs(owner, address.name, BRANCH_PREFIX)
            if prs:
                newest = max(prs, key=lambda p: p.number)
                row.pr_url = newest.url
                row.pr_state = "draft" if newest.draft else "open"
                row.ci = forge.ci_state(owner, address.name, newest)
    except MltError as exc:
        row.error = redact(exc.message)
    return row


def _forge(forges: ForgePool, address: RepoAddress | None) -> Forge | None:
    """The forge of a remote, or None where it cannot be told (status then shows no PR)."""
    if address is None:
        return None
    try:
        return forges.for_address(address)
    except MltError:
        return None
