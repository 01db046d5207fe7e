"""`mlt new`: create a project from a bundled template or any copier template."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlt.cli._common import console, handle_errors, print_json, say, styled

if TYPE_CHECKING:
    from mlt.scaffold.new import NewProject

HELP = """\
Create a project: render a template into [bold]DIR/NAME[/], record where it
came from in .mlt.yaml and commit it to a fresh git repository (branches
main and mlt/template).

TYPE is batch-job, service or library. With [bold]--template[/] any copier or
cookiecutter template (local path or git URL) is rendered instead: TYPE is
only a label shown in the summary, NAME only names the directory, and the
template's own questions (its project_name too) are answered with -d or their
defaults. Jinja extensions, tasks and cookiecutter hooks are code: they load
or run only with [bold]--trust[/] (--skip-hooks renders without hooks).

Asks the template's questions on a terminal; --defaults (or no terminal)
takes the defaults for everything not given with -d.

[bold]Examples[/]

  mlt new service fraud-scorer
  mlt new batch-job nightly-embed -d framework=pytorch -d gpu=true --defaults
  mlt new library feature-utils -o ~/src --no-git
  mlt new service scorer --template https://git.example.com/ml/tpl.git --ref v2.1.0
  mlt new pkg demo --template ../tpl -d "project_name=Demo Proj" --defaults --trust
  mlt new service scorer --defaults --json | jq .files
  mlt new library pkg --template ../cookiecutter-pypackage --ref v0.5.0 --trust

Without --template, the template is MLT_TEMPLATE, else `template` in the
config file ($XDG_CONFIG_HOME/mlt/config.toml or MLT_CONFIG), else the
bundled one; the file's [defaults] answer questions -d leaves unanswered
(see `mlt config show`).
"""

_TYPE_HELP = "batch-job, service or library (with --template: any label)."


def register(app: typer.Typer) -> None:
    """Add `mlt new` to the root app."""
    app.command("new", help=HELP, no_args_is_help=True)(new)


@handle_errors
def new(
    project_type: Annotated[
        str, typer.Argument(metavar="TYPE", help=_TYPE_HELP, show_default=False)
    ],
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="Project name: lowercase words joined by dashes (with --template: the "
            "directory name).",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Parent directory.")
    ] = Path(),
    defaults: Annotated[bool, typer.Option("--defaults", help="Never prompt.")] = False,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Answer a question (repeatable)."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="SRC",
            help="Local path or git URL of a copier or cookiecutter template.",
        ),
    ] = None,
    ref: Annotated[
        str | None, typer.Option("--ref", metavar="REF", help="Git tag or commit of --template.")
    ] = None,
    directory: Annotated[
        str | None,
        typer.Option("--directory", metavar="DIR", help="Cookiecutter template's subfolder."),
    ] = None,
    skip_hooks: Annotated[
        bool, typer.Option("--skip-hooks", help="Render a cookiecutter template without hooks.")
    ] = False,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Do not create a git repository.")
    ] = False,
    no_lock: Annotated[
        bool,
        typer.Option("--no-lock", help="Do not pin dependencies in uv.lock (offline; lock later)."),
    ] = False,
    trust: Annotated[
        bool,
        typer.Option(
            "--trust",
            help="Load the template's Jinja extensions, run its tasks (cookiecutter: hooks).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create a project from a template."""
    from mlt.config.settings import effective
    from mlt.scaffold.answers import parse_data
    from mlt.scaffold.new import NewRequest, create_project

    # --template, else MLT_TEMPLATE, else the config file's template, else the bundled one.
    settings = effective(template, ref)
    request = NewRequest(
        project_type=project_type,
        name=name,
        output_dir=output,
        data=parse_data(data or []),
        template=settings.template_source,
        ref=settings.ref.value,
        defaults=settings.default_answers(),
        git=not no_git,
        no_lock=no_lock,
        # Prompts would corrupt --json output.
        interactive=not (defaults or as_json) and _can_prompt(),
        directory=directory,
        trust=trust,
        skip_hooks=skip_hooks,
    )
    from mlt.gitops import fell_back

    fell_back()  # forget earlier commands of this process (tests run many)
    project = create_project(request)
    if project.source.startswith("bundled:"):
        from mlt.config.placeholders import placeholder_warning

        warning = placeholder_warning(project.answers, str(settings.config_file))
        project.messages += [warning] if warning else []
    if as_json:
        print_json(project.to_dict())
    else:
        _summary(project)


def _can_prompt() -> bool:
    """copier's prompts need a terminal on both ends."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _summary(project: NewProject) -> None:
    where = _shown(project.path)
    console.print(
        f"[bold green]Created[/] {project.project_type} project "
        f"[bold]{project.path.name}[/] in {where}",
        highlight=False,
    )
    console.print(f"  template  {project.source} {project.version}", highlight=False)
    git = "not created (--no-git)"
    if project.commit:
        git = f"main + mlt/template at {project.commit[:8]}"
    console.print(f"  files     {len(project.files)}", highlight=False)
    console.print(f"  git       {git}", highlight=False)
    if project.commit:
        from mlt.gitops import FALLBACK_NOTICE, fell_back

        if fell_back():
            say(styled("note:", "yellow"), f" {FALLBACK_NOTICE}", err=True)
    for message in project.messages:
        if message.startswith("ran task"):
            console.print(f"  {message}", highlight=False)
        else:
            say(styled("warning:", "yellow"), f" {message}", err=True)
    console.print("\nNext steps:", highlight=False)
    # Bundled templates all have `make install test`; a foreign one may not.
    steps = " && make install test" if project.source.startswith("bundled:") else ""
    console.print(f"  cd {where}{steps}", highlight=False)


def _shown(path: Path) -> str:
    """The path as the user would type it: relative when below the current directory."""
    try:
        relative = path.relative_to(Path.cwd())
    except ValueError:
        return str(path)
    return str(relative) if str(relative) != "." else os.curdir
