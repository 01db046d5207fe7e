"""CLI commands `mlt update`, `mlt check` and `mlt diff` (thin: parse, call, render, exit)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlt.cli._common import handle_errors, print_json, say, styled

PathArg = Annotated[Path, typer.Argument(help="The child project (default: current directory).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
TemplateOpt = Annotated[
    str | None,
    typer.Option(
        "--template",
        metavar="SRC",
        help="Re-point the project to this template (path or git URL), e.g. after it moved.",
    ),
]
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
    trust: Annotated[
        bool,
        typer.Option(
            "--trust",
            help="Load the template's Jinja extensions, run its tasks, migrations and hooks.",
        ),
    ] = False,
    skip_hooks: Annotated[
        bool, typer.Option("--skip-hooks", help="Render a cookiecutter template without hooks.")
    ] = False,
    cont: Annotated[
        bool, typer.Option("--continue", help="Commit a resolved, conflicted update.")
    ] = False,
    fleet: Annotated[
        Path | None, typer.Option(help="Alias of `mlt fleet update FILE`.", hidden=True)
    ] = None,
    jobs: Annotated[int, typer.Option(help="Parallel fleet updates.")] = 8,
    template: TemplateOpt = None,
    rebase_template: Annotated[
        bool,
        typer.Option(
            "--rebase-template",
            help="Rebuild a damaged mlt/template from the version .mlt.yaml records.",
        ),
    ] = False,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="If another update of this repo runs, wait for it to end."),
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
      mlt update --template ../new/tpl   [dim]# the template moved: re-point and update[/]
      mlt update --rebase-template       [dim]# after mlt/template was forced or merged[/]
    """
    from mlt.errors import UsageError
    from mlt.update import UpdateOptions, continue_update, update_project
    from mlt.update.target import parse_overrides

    opts = UpdateOptions(
        ref, parse_overrides(data or []), dry_run, trust, template=template, skip_hooks=skip_hooks
    )
    path = _root(path)
    if fleet is not None:
        if template is not None:
            raise UsageError("--template re-points one project; it does not go with --fleet")
        _fleet(fleet, opts, jobs, json_out)
        return
    if rebase_template:
        from mlt.update.rebase import rebase_template as rebuild

        result = rebuild(path, wait=wait)
    elif cont:
        result = continue_update(path, trust, wait=wait)
    else:
        result = update_project(path, opts, wait=wait)
    if json_out:
        print_json(result.to_dict())
    else:
        _show(result)
    raise typer.Exit(result.exit_code)


def _root(path: Path) -> Path:
    """The project `path` is in, found upwards like git finds its root (absolute)."""
    from mlt.update.project_root import find_project_root

    return find_project_root(path)


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
    elif result.status == "dry-run" and result.conflicts:
        say(
            f"dry run: {result.version_from} → {result.version_to} would leave ",
            styled(f"{len(result.conflicts)} conflict(s)", "red"),
            " to resolve; nothing changed",
        )
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
    from mlt.cli.fleet import show_outcomes
    from mlt.fleet.repos import read_fleet_file
    from mlt.fleet.rollout import FleetOptions, run_fleet

    say(
        styled("note:", "yellow"),
        " `mlt update --fleet FILE` is `mlt fleet update FILE` now",
        err=True,
    )
    outcomes = run_fleet(read_fleet_file(file), FleetOptions(opts, jobs=jobs))
    show_outcomes(outcomes, json_out)


@handle_errors
def check(path: PathArg = Path(), json_out: JsonOpt = False) -> None:
    """Is the project behind its template? 0 up to date, 2 behind, 1 leftover conflicts/error.

    [bold]Examples[/]

      mlt check                  [dim]# in CI: fail (or warn) when the template moved on[/]
      mlt check ../svc --json
    """
    from mlt.update.check import check_project

    result = check_project(_root(path))
    if result.note and not json_out:
        say(styled("note:", "yellow"), f" {result.note}", err=True)
    if json_out:
        print_json(result.to_dict())
    elif result.problems:
        for problem in result.problems:
            say(styled("conflict:", "red"), f" {problem}", err=True)
    elif result.status == "behind" and result.needs_answers:
        keys = result.needs_answers
        noun = f"answer {keys[0]} needs" if len(keys) == 1 else f"answers {', '.join(keys)} need"
        fix = " ".join(f"-d {k}=VALUE" for k in keys)
        say(
            f"behind: {result.current} → {result.latest}, and {noun} a new value "
            f"(run `mlt update {fix}`)"
        )
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
    template: TemplateOpt = None,
    trust: Annotated[
        bool, typer.Option("--trust", help="Run a cookiecutter template's hooks in the render.")
    ] = False,
    skip_hooks: Annotated[
        bool, typer.Option("--skip-hooks", help="Render a cookiecutter template without hooks.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Print the unified diff `mlt update` would apply; changes nothing.

    [bold]Examples[/]

      mlt diff | less
      mlt diff -d gpu=true       [dim]# what switching an answer would change[/]
      mlt diff --template ../moved/tpl
      mlt diff --json            [dim]# {"diff": ...}; failures: {"error", "exit_code"}[/]
    """
    from mlt.update import UpdateOptions, diff_project
    from mlt.update.target import parse_overrides

    opts = UpdateOptions(
        ref, parse_overrides(data or []), trust=trust, template=template, skip_hooks=skip_hooks
    )
    path = _root(path)
    notes: list[str] = []
    text = diff_project(path, opts, notes)
    for note in notes:
        say(styled("note:", "yellow"), f" {note}", err=True)
    if json_out:
        print_json({"path": str(path), "diff": text, "exit_code": 0})
    else:
        typer.echo(text, nl=False)
