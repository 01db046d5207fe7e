"""CLI commands `mlt fleet update` and `mlt fleet status` (thin: parse, call, render, exit)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mlt.cli._common import console, handle_errors, print_json, say, styled
from mlt.cli.tables import print_table

fleet_app = typer.Typer(
    name="fleet",
    help="Roll template updates out to many repositories, as one PR each.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

FileArg = Annotated[
    Path | None,
    typer.Argument(help="Fleet file: one local path or git URL per line.", show_default=False),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from", help="List repositories on a forge: github:ORG, gitlab:GROUP, gitea:ORG."
    ),
]
ForgeOpt = Annotated[
    str | None, typer.Option(help="github | gitlab | gitea (default: from the remote's host).")
]
ApiOpt = Annotated[
    str | None, typer.Option("--api-url", help="API root of GitHub Enterprise / GitLab / Gitea.")
]
JobsOpt = Annotated[
    int, typer.Option("--jobs", "-j", min=1, max=64, help="Repositories in parallel.")
]
OnlyOpt = Annotated[
    list[str] | None, typer.Option("--only", help="Only repositories matching this glob.")
]
ExcludeOpt = Annotated[
    list[str] | None, typer.Option("--exclude", help="Skip repositories matching this glob.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
_STYLE = {"updated": "green", "conflict": "red", "error": "red", "up-to-date": "dim"}


def register(app: typer.Typer) -> None:
    """Add `mlt fleet ...` to the root app."""
    app.add_typer(fleet_app)


def _entries(file: Path | None, source: str | None, only: Any, exclude: Any, pool: Any) -> Any:
    from mlt.errors import UsageError
    from mlt.fleet import repos

    if (file is None) == (source is None):
        raise UsageError("give a fleet FILE or --from FORGE:ORG (one of them)")
    if file is not None:
        entries = repos.read_fleet_file(file)
    else:
        kind, org = repos.parse_from(source or "")
        pool.default_kind(kind)
        entries = repos.entries_from_forge(pool.for_kind(kind), org)
        if not entries:
            raise UsageError(f"no repository of {source} holds .mlt.yaml")
    return repos.select(entries, only, exclude)


@fleet_app.command("update")
@handle_errors
def update(
    file: FileArg = None,
    source: FromOpt = None,
    ref: Annotated[str | None, typer.Option(help="Template git ref/tag (git templates).")] = None,
    data: Annotated[
        list[str] | None, typer.Option("-d", "--data", help="Change an answer: KEY=VALUE.")
    ] = None,
    push: Annotated[bool, typer.Option("--push", help="Push each update branch.")] = False,
    open_prs: Annotated[
        bool, typer.Option("--open-prs", help="Open or refresh one PR per repo (implies --push).")
    ] = False,
    forge: ForgeOpt = None,
    api_url: ApiOpt = None,
    jobs: JobsOpt = 8,
    only: OnlyOpt = None,
    exclude: ExcludeOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show outcomes, change nothing.")
    ] = False,
    trust: Annotated[bool, typer.Option("--trust", help="Run the template's tasks.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Update every repository on branch mlt/update-VERSION: 0 ok, 3 conflicts, 1 errors.

    Git URLs are cloned afresh. --push pushes each branch (force-with-lease);
    --open-prs opens or refreshes one pull/merge request per repository (a
    draft with the markers committed when there are conflicts) and closes
    older mlt update PRs. Tokens: GITHUB_TOKEN, GITLAB_TOKEN, GITEA_TOKEN.

    [bold]Examples[/]

      mlt fleet update repos.txt                  [dim]# local checkouts or clones[/]
      mlt fleet update repos.txt --open-prs -j 16 [dim]# push, one PR each[/]
      mlt fleet update --from github:acme --only 'acme/svc-*' --open-prs
      mlt fleet update repos.txt --forge gitlab --api-url https://git.corp/api/v4
    """
    from mlt.fleet.rollout import FleetOptions, ForgePool, run_fleet
    from mlt.fleet.status import record
    from mlt.update import UpdateOptions
    from mlt.update.target import parse_overrides

    opts = FleetOptions(
        UpdateOptions(ref, parse_overrides(data or []), dry_run, trust),
        push=push,
        open_prs=open_prs,
        forge=forge,
        api_url=api_url,
        jobs=jobs,
    )
    pool = ForgePool(opts)
    try:
        entries = _entries(file, source, only, exclude, pool)

        def progress(outcome: Any, done: int, total: int) -> None:
            if not json_out:
                detail = outcome.error or outcome.pr_url or ""
                say(
                    styled(f"[{done}/{total}]", "dim"),
                    f" {outcome.repo}: ",
                    styled(outcome.status, _STYLE.get(outcome.status, "cyan")),
                    f" {detail}" if detail else "",
                    err=True,
                )

        outcomes = run_fleet(entries, opts, progress, pool)
    finally:
        pool.close()
    if not dry_run:
        record(outcomes)
    show_outcomes(outcomes, json_out)


def show_outcomes(outcomes: list[Any], json_out: bool) -> None:
    """The summary table (or JSON) and the fleet exit code."""
    from mlt.fleet.rollout import fleet_exit_code

    code = fleet_exit_code(outcomes)
    counts = {
        s: sum(o.status == s for o in outcomes)
        for s in ("updated", "conflict", "up-to-date", "error")
    }
    if json_out:
        print_json({"exit_code": code, "counts": counts, "repos": [o.to_dict() for o in outcomes]})
        raise typer.Exit(code)
    rows = []
    for o in outcomes:
        versions = o.version_to or ""
        if o.version_from and o.version_from != o.version_to:
            versions = f"{o.version_from} → {versions}"
        detail = o.error or o.pr_url or ", ".join(o.conflicts) or ""
        if o.pr_url and o.conflicts:
            detail += f" ({len(o.conflicts)} conflict(s))"
        rows.append((o.repo, o.status, versions, o.branch or "", detail))
    columns = ("repo", "status", "version", "branch", "PR / detail")
    print_table(console, columns, rows, keys=("repo", "branch", "PR / detail"))
    console.print(", ".join(f"{n} {s}" for s, n in counts.items()), highlight=False)
    raise typer.Exit(code)


@fleet_app.command("status")
@handle_errors
def status(
    file: FileArg = None,
    source: FromOpt = None,
    forge: ForgeOpt = None,
    api_url: ApiOpt = None,
    jobs: JobsOpt = 8,
    only: OnlyOpt = None,
    exclude: ExcludeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Per repository: template and version, behind or current, open PR and CI, last error.

    [bold]Examples[/]

      mlt fleet status repos.txt
      mlt fleet status --from gitlab:platform/ml --json
    """
    from mlt.fleet.rollout import FleetOptions, ForgePool
    from mlt.fleet.status import fleet_status

    pool = ForgePool(FleetOptions(forge=forge, api_url=api_url, jobs=jobs))
    try:
        rows = fleet_status(_entries(file, source, only, exclude, pool), pool, jobs)
    finally:
        pool.close()
    failed = any(r.error for r in rows)
    if json_out:
        print_json({"exit_code": int(failed), "repos": [r.to_dict() for r in rows]})
        raise typer.Exit(int(failed))
    lines = []
    for r in rows:
        version = f"{r.current} → {r.latest}" if r.state == "behind" else (r.current or "")
        last = r.last_run or ""
        if r.last_error:
            last += f": {r.last_error}"
        pr = f"{r.pr_url} ({r.pr_state})" if r.pr_url else ""
        state = r.error or r.state or ""
        lines.append((r.repo, r.template or "", version, state, pr, r.ci or "", last))
    columns = ("repo", "template", "version", "state", "PR", "CI", "last run")
    print_table(console, columns, lines, keys=("repo", "template", "PR"))
    raise typer.Exit(int(failed))
