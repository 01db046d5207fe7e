"""The root Typer app: the commands each capability module registers.

Each capability registers its commands from its own module (new, update, images, doctor);
heavy libraries (copier, docker, pynvml) are imported inside the commands, not here.
"""

from __future__ import annotations

from typing import Annotated

import typer

import mlt
from mlt.cli import adopt, config, doctor, fleet, images, new, template, update
from mlt.cli.help_text import unwrap_all

HELP = """\
The paved road for ML projects.

[bold]Examples[/]

  mlt new service fraud-scorer     [dim]# a FastAPI inference service[/]
  mlt new batch-job embed -d framework=pytorch -d gpu=true --defaults
  mlt update                       [dim]# pull template improvements in[/]
  mlt check                        [dim]# exit 2: the template moved on[/]
  mlt adopt                        [dim]# link a cruft/copier/hand-made repo[/]
  mlt fleet update repos.txt --open-prs   [dim]# one PR per child repo[/]
  mlt images list                  [dim]# curated CUDA/PyTorch/TF bases[/]
  mlt doctor --gpu                 [dim]# why can't I use CUDA here?[/]
  mlt template init ml-template -d image_registry=reg.acme/ml   [dim]# your org's template[/]
  mlt config show                  [dim]# which template and defaults mlt new uses[/]
"""

app = typer.Typer(
    name="mlt",
    help=HELP,
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlt {mlt.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """The paved road for ML projects."""


for _module in (new, update, adopt, fleet, images, doctor, config, template):
    _module.register(app)
unwrap_all(app)
