"""CLI command `mlt adopt` (thin: parse, call, render, exit)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mlt.cli._common import console, handle_errors, print_json, say, styled

HELP = """\
Link a repository mlt did not make to a template version, without changing
its files: the render of that version becomes the merge base on branch
mlt/template, your files stay as they are ("ours"), and the next
`mlt update` brings only what the template changed after that version.

Reads .cruft.json (cruft) and .copier-answers.yml (copier) when present,
so a plain `mlt adopt` migrates a cruft or copier child. A repository
copied by hand needs --template and --ref, or --guess-ref to pick the
closest tag. On a terminal it asks for answers the records lack (Enter
keeps the template's default). Cookiecutter hooks run only with --trust.

[bold]Examples[/]

  mlt adopt                                   [dim]# a cruft or copier child[/]
  mlt adopt --dry-run                         [dim]# what the next update would do[/]
  mlt adopt --template ../tpl --ref v1.2.0 -d project_name=scorer
  mlt adopt --template ../tpl --guess-ref     [dim]# closest tag, with scores[/]
  mlt adopt --fleet repos.txt --json
"""


def register(app: typer.Typer) -> None:
    """Add `mlt adopt` to the root app."""
    app.command("adopt", help=HELP)(adopt)


@handle_errors
def adopt(
    path: Annotated[Path, typer.Argument(help="The repository (default: here).")] = Path(),
    template: Annotated[
        str | None,
        typer.Option("--template", metavar="SRC", help="Template path or git URL."),
    ] = None,
    ref: Annotated[
        str | None, typer.Option("--ref", metavar="REF", help="The version it was made from.")
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Answer a question."),
    ] = None,
    directory: Annotated[
        str | None,
        typer.Option("--directory", metavar="DIR", help="Cookiecutter template's subfolder."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what the next update would change.")
    ] = False,
    guess_ref: Annotated[
        bool, typer.Option("--guess-ref", help="Pick the tag closest to the repository.")
    ] = False,
    fleet: Annotated[
        Path | None, typer.Option("--fleet", metavar="FILE", help="Adopt every repo listed.")
    ] = None,
    trust: Annotated[
        bool, typer.Option("--trust", help="Run cookiecutter hooks/extensions.")
    ] = False,
    skip_hooks: Annotated[
        bool, typer.Option("--skip-hooks", help="Render cookiecutter templates without hooks.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Link an existing repository to a template version."""
    from mlt.adopt import AdoptOptions, adopt_project

    opts = AdoptOptions(
        template, ref, list(data or []), directory, dry_run, guess_ref, trust, skip_hooks
    )
    if fleet is None and not json_out and sys.stdin.isatty() and sys.stdout.isatty():
        opts.ask = _ask
    if fleet is not None:
        _fleet(fleet, opts, json_out)
        return
    result = adopt_project(path, opts)
    if json_out:
        print_json(result.to_dict())
        return
    _show(result)


def _ask(key: str, help_text: str) -> str | None:
    """One question the repository's records do not answer; Enter keeps the default."""
    hint = f" ({help_text})" if help_text else ""
    value = typer.prompt(f"{key}{hint} [Enter: template default]", default="", show_default=False)
    return value or None


def _show(result) -> None:  # noqa: ANN001 - AdoptResult, imported lazily
    for guess in result.guesses:
        score = "no render" if guess.score is None else f"{guess.score} lines differ"
        mark = "→" if guess.ref == result.version else " "
        say(f" {mark} ", styled(f"{guess.ref:<12}", "cyan"), f" {score}")
    say(
        f"template {result.source} {result.version} ({result.format}",
        f", answers from {result.read_from})" if result.read_from else ")",
    )
    say(
        f"  {len(result.edited)} template file(s) edited here, {len(result.deleted)} deleted, "
        f"{result.own_files} of your own"
    )
    if result.status == "dry-run":
        if not result.next_files:
            say(f"dry run: the next update ({result.next_version}) would change nothing")
        for f in result.next_files:
            say("  ", styled(f"{f.outcome:<12}", "dim"), f" {f.path}")
        if result.next_files:
            say(f"dry run: the next update would go to {result.next_version}; nothing changed")
        return
    say(
        "adopted: ",
        styled((result.commit or "")[:10], "bold"),
        " adds .mlt.yaml; `mlt update` brings later template changes",
    )


def _fleet(file: Path, opts, json_out: bool) -> None:  # noqa: ANN001 - AdoptOptions
    from mlt.adopt.link import adopt_fleet
    from mlt.cli.tables import print_table
    from mlt.fleet.repos import read_fleet_file

    results = adopt_fleet(read_fleet_file(file), opts)
    code = 1 if any(r.error for r in results) else 0
    if json_out:
        print_json({"status": code, "repos": [r.to_dict() for r in results]})
        raise typer.Exit(code)
    rows = [
        (
            r.path,
            r.status,
            r.source or "",
            r.version or "",
            r.error or f"{len(r.edited)} edited, {len(r.deleted)} deleted",
        )
        for r in results
    ]
    columns = ("repo", "status", "template", "version", "detail")
    print_table(console, columns, rows, keys=("repo", "template"))
    raise typer.Exit(code)
