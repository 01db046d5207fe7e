"""One fleet run: for each repository, update on a branch, push it, open or refresh one PR.

Repositories run in parallel threads; one repository's failure never stops the others, and
every outcome (errors included) comes back as a `RepoOutcome`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from mlt.errors import MltError
from mlt.fleet import git_work, pr_body
from mlt.fleet.forges import Forge, RepoAddress, detect_kind, parse_remote
from mlt.fleet.repos import FleetEntry, clone_dir, redact
from mlt.gitops import git
from mlt.update import result as R
from mlt.update.engine import UpdateOptions, update_project

BRANCH_PREFIX = "mlt/update-"
FLEET_BRANCH = BRANCH_PREFIX + "{version}"


@dataclass
class FleetOptions:
    """What the user asked of the whole run."""

    update: UpdateOptions = field(default_factory=UpdateOptions)
    push: bool = False
    open_prs: bool = False
    forge: str | None = None  # github | gitlab | gitea; default: from the remote's host
    api_url: str | None = None
    jobs: int = 8


@dataclass
class RepoOutcome:
    """What happened to one repository."""

    repo: str
    status: str  # updated | conflict | up-to-date | dry-run | error
    version_from: str | None = None
    version_to: str | None = None
    branch: str | None = None
    pushed: bool = False
    pr_url: str | None = None
    pr_action: str | None = None  # created | updated | unchanged
    superseded: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)  # path, outcome
    path: str | None = None  # where the work is on this machine
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for --json and the state file."""
        return asdict(self)


def fleet_exit_code(outcomes: list[RepoOutcome]) -> int:
    """1 if any error, else 3 if any conflict, else 0."""
    statuses = {o.status for o in outcomes}
    if R.ERROR in statuses:
        return 1
    return 3 if R.CONFLICTED in statuses else 0


class ForgePool:
    """One client per (kind, API URL), made on first use and shared by the threads."""

    def __init__(self, opts: FleetOptions, factory: Callable[..., Forge] | None = None) -> None:
        from mlt.fleet.forges import default_api_url, make_forge

        self._opts = opts
        self._make = factory or make_forge
        self._default_api = default_api_url
        self._clients: dict[tuple[str, str], Forge] = {}

    def for_address(self, address: RepoAddress) -> Forge:
        kind = self._opts.forge or detect_kind(address.host)
        if kind is None:
            raise MltError(
                f"cannot tell which forge {address.host} runs",
                hint="pass --forge github|gitlab|gitea (and --api-url for a self-hosted one)",
            )
        api = self._opts.api_url or self._default_api(kind, address)
        key = (kind, api)
        if key not in self._clients:
            self._clients[key] = self._make(kind, api)
        return self._clients[key]

    def default_kind(self, kind: str) -> None:
        """Repositories listed from a forge live on it: use it unless --forge said otherwise."""
        self._opts = replace(self._opts, forge=self._opts.forge or kind)

    def for_kind(self, kind: str) -> Forge:
        """A client for a forge named on the command line (`--from github:ORG`)."""
        kind = self._opts.forge or kind
        key = (kind, self._opts.api_url or "")
        if key not in self._clients:
            self._clients[key] = self._make(kind, self._opts.api_url)
        return self._clients[key]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def run_fleet(
    entries: list[FleetEntry],
    opts: FleetOptions,
    progress: Callable[[RepoOutcome, int, int], None] | None = None,
    forges: ForgePool | None = None,
) -> list[RepoOutcome]:
    """Roll the update out to every entry; outcomes in the entries' order."""
    opts = replace(opts, push=opts.push or opts.open_prs)
    pool = forges or ForgePool(opts)
    outcomes: list[RepoOutcome | None] = [None] * len(entries)
    workers = max(1, min(opts.jobs, len(entries)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlt-fleet") as ex:
            futures = {ex.submit(roll_out, e, opts, pool): i for i, e in enumerate(entries)}
            for done, future in enumerate(as_completed(futures), 1):
                outcome = future.result()
                outcomes[futures[future]] = outcome
                if progress:
                    progress(outcome, done, len(entries))
    finally:
        if forges is None:
            pool.close()
    return [o for o in outcomes if o is not None]


def roll_out(entry: FleetEntry, opts: FleetOptions, forges: ForgePool) -> RepoOutcome:
    """Update, push and open/refresh the PR of one repository; never raises."""
    outcome = RepoOutcome(entry.label, R.ERROR)
    try:
        _roll_out(entry, opts, forges, outcome)
    except MltError as exc:
        text = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
        outcome.status, outcome.error = R.ERROR, redact(text)
    except Exception as exc:  # noqa: BLE001 - a bug in one repo must not hide the others
        outcome.status, outcome.error = R.ERROR, redact(f"{type(exc).__name__}: {exc}")
    return outcome


def _roll_out(entry: FleetEntry, opts: FleetOptions, forges: ForgePool, out: RepoOutcome) -> None:
    address = parse_remote(entry.spec if entry.is_url else _origin_url(entry.path))
    if opts.open_prs and address is None:
        raise MltError(
            "cannot open a pull request: the remote is not on a forge (a path or file:// URL)",
            hint="use --push alone for such remotes",
        )
    forge = forges.for_address(address) if (opts.open_prs and address) else None
    auth = forge.git_auth() if forge else git_work.GitAuth()
    if entry.is_url:
        path = git_work.fresh_clone(entry.spec, clone_dir(entry.spec), auth)
        base = git_work.merged_base(path)
        if base:
            git_work.set_template_branch(path, base)
    else:
        assert entry.path is not None
        path = entry.path
        base = None
    out.path = str(path)
    onto, target = _head(path)

    result = update_project(path, replace(opts.update, branch=FLEET_BRANCH))
    out.status, out.version_from, out.version_to = (
        result.status,
        result.version_from,
        result.version_to,
    )
    out.branch, out.conflicts = result.branch, result.conflicts
    if result.status == R.DRY_RUN and result.conflicts:
        out.status = R.CONFLICTED  # what the update would do: counted (and exits 3) as one
    out.files = [{"path": f.path, "outcome": f.outcome} for f in result.files]
    if result.status not in (R.UPDATED, R.CONFLICTED) or not opts.push:
        return
    tip = result.commit
    if result.status == R.CONFLICTED:
        message = f"Update template to {result.version_to} (conflicts)"
        tip = git_work.commit_conflicts(path, message)
    branch = result.branch or ""
    if entry.is_url and base:
        git_work.push_template_base(path, base, auth)
    seen = git_work.remote_sha(path, branch) if entry.is_url else None
    tip = tip or git("rev-parse", "HEAD", cwd=path)
    if entry.is_url and onto and git_work.same_content(path, tip, seen, onto):
        # the same update is already pushed: keep that branch (and its PR's CI run) as is
        git("reset", "-q", "--hard", seen or tip, cwd=path)
    else:
        lease = seen if entry.is_url else _remote_tip(path, branch)
        git_work.push(path, branch, lease, auth)
        out.pushed = True
    if forge and address and target:
        _open_pr(forge, address, result, target, out, path)


def _head(path: Path) -> tuple[str | None, str | None]:
    """HEAD's commit and branch name (None, None where `path` is no directory: the update
    reports that)."""
    if not path.is_dir():
        return None, None
    out = git("rev-parse", "HEAD", "--abbrev-ref", "HEAD", cwd=path, check=False).splitlines()
    if len(out) != 2:
        return None, None
    return out[0], (None if out[1] == "HEAD" else out[1])


def _origin_url(path: Path | None) -> str:
    """A local checkout's `origin` (its PRs go there), or "" without one."""
    if path is None or not path.is_dir():
        return ""
    return git("remote", "get-url", "origin", cwd=path, check=False)


def _remote_tip(path: Path, branch: str) -> str | None:
    git("fetch", "-q", "origin", cwd=path, check=False)
    return git_work.remote_sha(path, branch)


def _open_pr(
    forge: Forge,
    address: RepoAddress,
    result: R.UpdateResult,
    target: str,
    out: RepoOutcome,
    path: Path,
) -> None:
    branch = result.branch or ""
    conflicted = result.status == R.CONFLICTED
    title = pr_body.title(result.version_from, result.version_to or "", conflicted)
    body = pr_body.body(
        result, pr_body.read_changelog(_template_dir(path), result.version_to or "")
    )
    owner, name = forge.owner_of(address), address.name
    open_prs = forge.open_prs(owner, name, BRANCH_PREFIX)
    mine = next((p for p in open_prs if p.head == branch), None)
    if mine is None:
        mine = forge.create_pr(owner, name, branch, target, title, body, draft=conflicted)
        out.pr_action = "created"
    elif (mine.title, mine.draft) != (title, conflicted) or out.pushed:
        forge.update_pr(owner, name, mine, title, body)
        out.pr_action = "updated"
    else:
        out.pr_action = "unchanged"
    out.pr_url = mine.url
    for older in open_prs:
        if older.head != branch:
            forge.close_pr(owner, name, older, pr_body.superseded_comment(mine.url, branch))
            out.superseded.append(older.url)


def _template_dir(path: Path) -> Path | None:
    """The template folder a changelog can be read from (bundled or local templates)."""
    from mlt.provenance import Provenance
    from mlt.resources import template_dir

    try:
        prov = Provenance.read(path)
    except MltError:
        return None
    if prov.bundled_type:
        return template_dir(prov.bundled_type)
    local = Path(prov.source).expanduser()
    return local if local.is_dir() else None
