"""CLI commands `mlt update`, `mlt check` and `mlt diff` (thin: parse, call, render, exit)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlt.cli._common import console, handle_errors, print_json, say, styled

PathArg = Annotated[Path, typer.Argument(help="The child project (default: current directory).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
_STYLE = {"conflict": "red", "kept-deleted": "yellow", "deleted": "magenta", "merged": "cyan"}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("update")(update)
    app.command("check")(check)
    app.command("diff")(diff)


@handle_errors
def update(
    path: PathArg = Path(),
    ref: Annotated[str | None, typer.Option(help="Template git ref/tag (git templates).")] = None,
    data: Annotated[
        list[str] | None, typer.Option("-d", "--data", help="Change an answer: KEY=VALUE.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show outcomes, change nothing.")
    ] = False,
    json_out: JsonOpt = False,
    trust: Annotated[bool, typer.Option("--trust", help="Run the template's tasks.")] = False,
    cont: Annotated[
        bool, typer.Option("--continue", help="Commit a resolved, conflicted update.")
    ] = False,
    fleet: Annotated[
        Path | None, typer.Option(help="File listing many repos (paths or URLs) to update.")
    ] = None,
    jobs: Annotated[int, typer.Option(help="Parallel fleet updates.")] = 8,
    rebase_template: Annotated[
        bool,
        typer.Option(
            "--rebase-template",
            help="Rebuild a damaged mlt/template from the version .mlt.yaml records.",
        ),
    ] = False,
) -> None:
    """Merge template changes into a project: 0 updated, 3 conflicts, 1 error.

    Local edits survive and files you deleted stay deleted. Conflicts get
    standard git markers; nothing is committed until you resolve them and run
    `mlt update --continue`.

    [bold]Examples[/]

      mlt update                         [dim]# newest template version, into this repo[/]
      mlt update --dry-run --json        [dim]# per-file outcomes, nothing changes[/]
      mlt update -d framework=pytorch    [dim]# change an answer through the same merge[/]
      mlt update --continue              [dim]# after resolving conflicts[/]
      mlt update --fleet repos.txt       [dim]# many repos, a branch each[/]
      mlt update --rebase-template       [dim]# after mlt/template was forced or merged[/]
    """
    from mlt.update import UpdateOptions, continue_update, update_project
    from mlt.update.target import parse_overrides

    if fleet is not None:
        _fleet(
            fleet, UpdateOptions(ref, parse_overrides(data or []), dry_run, trust), jobs, json_out
        )
        return
    if rebase_template:
        from mlt.update.rebase import rebase_template as rebuild

        result = rebuild(path)
    elif cont:
        result = continue_update(path, trust)
    else:
        opts = UpdateOptions(ref, parse_overrides(data or []), dry_run, trust)
        result = update_project(path, opts)
    if json_out:
        print_json(result.to_dict())
    else:
        _show(result)
    raise typer.Exit(result.exit_code)


def _show(result) -> None:  # noqa: ANN001 - UpdateResult, imported lazily
    for line in result.migrations:
        say("  ", styled("migration", "dim"), f" {line}")
    for f in result.files:
        style = _STYLE.get(f.outcome, "green")
        extra = f" (from {f.renamed_from})" if f.renamed_from else ""
        say("  ", styled(f"{f.outcome:<12}", style), f" {f.path}{extra}")
    for message in result.messages:
        say(styled("warning:", "yellow"), f" {message}", err=True)
    if result.status == "up-to-date":
        say(f"already up to date (template {result.version_to})")
    elif result.status == "dry-run":
        say(f"dry run: {result.version_from} → {result.version_to}; nothing changed")
    elif result.status == "conflict":
        say(
            styled(f"{len(result.conflicts)} conflict(s)", "red"),
            f" updating to {result.version_to}; nothing committed. "
            "Resolve, `git add`, then `mlt update --continue`.",
        )
    elif result.status == "template-rebuilt":
        say(
            f"mlt/template rebuilt at template {result.version_to} (",
            styled((result.commit or "")[:10], "bold"),
            f" on {result.branch})",
        )
    else:
        say(
            f"updated {result.version_from or ''} → {result.version_to} (",
            styled((result.commit or "")[:10], "bold"),
            f" on {result.branch})",
        )


def _fleet(file: Path, opts, jobs: int, json_out: bool) -> None:  # noqa: ANN001
    from rich.table import Table

    from mlt.update.fleet import fleet_exit_code, read_fleet_file, update_fleet

    results = update_fleet(read_fleet_file(file), opts, jobs)
    code = fleet_exit_code(results)
    if json_out:
        print_json({"status": code, "repos": [r.to_dict() for r in results]})
        raise typer.Exit(code)
    table = Table("repo", "status", "version", "branch", "detail")
    for r in results:
        detail = r.error or ", ".join(r.conflicts) or ""
        versions = f"{r.version_from or ''} → {r.version_to or ''}" if r.version_to else ""
        table.add_row(r.path, r.status, versions, r.branch or "", detail)
    console.print(table)
    counts = {
        s: sum(r.status == s for r in results)
        for s in ("updated", "conflict", "up-to-date", "error")
    }
    console.print(", ".join(f"{n} {s}" for s, n in counts.items()), highlight=False)
    raise typer.Exit(code)


@handle_errors
def check(path: PathArg = Path(), json_out: JsonOpt = False) -> None:
    """Is the project behind its template? 0 up to date, 2 behind, 1 leftover conflicts/error.

    [bold]Examples[/]

      mlt check                  [dim]# in CI: fail (or warn) when the template moved on[/]
      mlt check ../svc --json
    """
    from mlt.update.check import check_project

    result = check_project(path)
    if json_out:
        print_json(result.to_dict())
    elif result.problems:
        for problem in result.problems:
            say(styled("conflict:", "red"), f" {problem}", err=True)
    elif result.status == "behind":
        say(f"behind: {result.current} → {result.latest} (run `mlt update`)")
    else:
        say(f"up to date (template {result.current})")
    raise typer.Exit(result.exit_code)


@handle_errors
def diff(
    path: PathArg = Path(),
    ref: Annotated[str | None, typer.Option(help="Template git ref/tag (git templates).")] = None,
    data: Annotated[
        list[str] | None, typer.Option("-d", "--data", help="Change an answer: KEY=VALUE.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Print the unified diff `mlt update` would apply; changes nothing.

    [bold]Examples[/]

      mlt diff | less
      mlt diff -d gpu=true       [dim]# what switching an answer would change[/]
      mlt diff --json            [dim]# {"diff": ...}; failures: {"error", "exit_code"}[/]
    """
    from mlt.update import UpdateOptions, diff_project
    from mlt.update.target import parse_overrides

    text = diff_project(path, UpdateOptions(ref, parse_overrides(data or [])))
    if json_out:
        print_json({"path": str(path), "diff": text, "exit_code": 0})
    else:
        typer.echo(text, nl=False)
