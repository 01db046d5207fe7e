"""`mlt config show`: the effective settings of `mlt new` and where each came from."""

from __future__ import annotations

from typing import Annotated

import typer

from mlt.cli._common import handle_errors, print_json, say, styled

HELP = """\
Show the settings [bold]mlt new[/] uses and where each came from.

The template is --template, else MLT_TEMPLATE, else `template` in the config
file, else the bundled one. The config file is $XDG_CONFIG_HOME/mlt/config.toml
(~/.config/mlt/config.toml), or the file MLT_CONFIG names:

  template = "https://git.acme.internal/platform/ml-template.git"
  ref = "v1.4.0"
  [defaults]
  image_registry = "registry.acme.internal/ml"
"""

config_app = typer.Typer(help="Show mlt's user settings.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `mlt config` to the root app."""
    config_app.command("show", help=HELP)(show)
    app.add_typer(config_app, name="config")


@handle_errors
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print the settings as JSON.")] = False,
) -> None:
    """Show the effective settings."""
    from mlt.config.settings import effective
    from mlt.install_spec import running_spec

    settings = effective()
    if as_json:
        print_json({**settings.to_dict(), "mlt_spec": running_spec()})
        return
    state = "" if settings.config_found else styled("  (not found)", "dim")
    say("config file  ", str(settings.config_file), state)
    say("template     ", str(settings.template.value), _origin(settings.template.origin))
    ref = settings.ref.value if settings.ref.value is not None else "-"
    say("ref          ", str(ref), _origin(settings.ref.origin))
    say("mlt_spec     ", running_spec(), _origin("how this mlt was installed (bundled default)"))
    for key, setting in settings.defaults.items():
        say(f"defaults.{key} = ", repr(setting.value), _origin(setting.origin))


def _origin(origin: str) -> str:
    return styled(f"  (from {origin})", "dim")
