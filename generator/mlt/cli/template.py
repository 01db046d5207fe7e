"""`mlt template init`: the organisation's own template, derived from the bundled one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlt.cli._common import handle_errors, print_json, say, styled

HELP = """\
Make [bold]DIR[/] a git repository holding your organisation's copier template:
mlt's bundled template with your answers as its question defaults (registries,
author, licence, CI system, mlt_spec, GPU node selector, ...). Answers are
checked as [bold]mlt new[/] checks them. DIR/.mlt.yaml records the bundled
template and version it came from: run [bold]mlt update[/] inside DIR after
upgrading mlt to merge the new bundled template into yours (3-way, like a child).

[bold]Examples[/]

  mlt template init ml-template -d image_registry=registry.acme.internal/ml \\
      -d author_email=ml-platform@acme.internal
  mlt template init ml-template --data-file org-answers.yml
  mlt new service scorer --template ml-template
"""

template_app = typer.Typer(
    help="The organisation's own template (derived from the bundled one).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add `mlt template` to the root app."""
    template_app.command("init", help=HELP, no_args_is_help=True)(init)
    app.add_typer(template_app, name="template")


@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A new or empty folder.")],
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="A default answer (repeatable)."),
    ] = None,
    data_file: Annotated[
        Path | None,
        typer.Option("--data-file", metavar="FILE", help="YAML mapping of default answers."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Derive the organisation's template into DIR."""
    from mlt.orgtemplate.init import init_template, read_data_file
    from mlt.scaffold.answers import parse_data

    raw = read_data_file(data_file) if data_file is not None else {}
    raw.update(parse_data(data or []))
    result = init_template(directory, raw)
    if as_json:
        print_json(result.to_dict())
        return
    say(styled("Created", "green"), f" organisation template in {result.path}")
    say(f"  from      bundled template {result.version}")
    say(f"  defaults  {', '.join(sorted(result.answers)) or 'none'}")
    say(f"  git       main + mlt/template at {result.commit[:8]}")
    say("\nNext steps:")
    say(f"  mlt new service my-service --template {result.path}")
    say(f"  cd {result.path} && git tag v1.0.0   # children update to your tags")
