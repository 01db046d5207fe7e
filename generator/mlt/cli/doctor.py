"""`mlt doctor`: diagnose why this process can (not) use CUDA. Exit 0 ok, 1 with errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlt.cli._common import console, handle_errors, print_json
from mlt.errors import UsageError

HELP = """\
Diagnose the GPU stack: driver, NVML, the CUDA libraries actually loaded,
and the frameworks.

Facts come from a probe run in your interpreter (--python; default
$VIRTUAL_ENV/bin/python, else python3), traced with LD_DEBUG; it imports
every CUDA framework installed there (torch, tensorflow, jax, cupy,
onnxruntime). After [bold]--[/], your own command
runs under the same trace (plus strace when allowed) and what [italic]it[/]
loads is judged. Exit 1 when any
finding is an error. [bold]--gpu[/] says you expect a GPU here, so a missing
driver is an error. One line per root cause comes first; what a cause
explains is listed under it.

[bold]Examples[/]

  mlt doctor --gpu
  mlt doctor --gpu --json | jq '.findings[] | select(.severity == "error")'
  mlt doctor --gpu --python .venv/bin/python
  mlt doctor --gpu -- python train.py --epochs 1
  mlt doctor --gpu --image nvcr.io/nvidia/pytorch:25.01-py3
  mlt doctor --gpu --k8s-job . --node gpu-node-7 | kubectl apply -f -

[bold]--k8s-job[/] [CHILD] prints a Kubernetes Job (and a ConfigMap carrying the
doctor) that runs `mlt doctor --gpu --json` in the child's own image, with the
GPU request, node selector and tolerations of its deploy/k8s/ manifests;
[bold]--node[/] pins it to one node, [bold]--image[/] replaces the image (the tag
the failing pod ran). Read the report with `kubectl logs job/NAME-mlt-doctor`.
"""


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("doctor", help=HELP)(doctor)


@handle_errors
def doctor(
    gpu: Annotated[
        bool, typer.Option("--gpu", help="Expect a usable GPU (missing one is an error).")
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Machine-readable report (schema mlt.doctor/1).")
    ] = False,
    trace: Annotated[
        bool, typer.Option("--trace/--no-trace", help="Trace library loading.")
    ] = True,
    root: Annotated[
        Path, typer.Option("--root", help="Read filesystem facts under DIR.", metavar="DIR")
    ] = Path("/"),
    python: Annotated[
        str | None, typer.Option("--python", help="Interpreter to probe.", metavar="PATH")
    ] = None,
    image: Annotated[
        str | None, typer.Option("--image", help="Also check this container image.")
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            help="Time limit for everything started (probe, CMD): killed after it.",
            metavar="SECONDS",
            min=1,
        ),
    ] = 60.0,
    k8s_job: Annotated[
        bool,
        typer.Option(
            "--k8s-job",
            help="Print a Kubernetes Job that runs this doctor in the image of the child "
            "project given as argument (default: the current directory).",
        ),
    ] = False,
    node: Annotated[
        str | None,
        typer.Option("--node", help="With --k8s-job: run on this node.", metavar="NAME"),
    ] = None,
    command: Annotated[
        list[str] | None,
        typer.Argument(
            help="After --: your command, run under the trace (what it loads is judged). "
            "With --k8s-job: the CHILD project directory.",
            metavar="[-- CMD [ARGS]...]",
            show_default=False,
        ),
    ] = None,
) -> None:
    if k8s_job:
        from mlt.doctor import k8s_job as jobs

        if len(command or []) > 1:
            raise UsageError("--k8s-job takes one CHILD directory (no command)")
        child = Path(command[0]) if command else Path()
        docs = jobs.job_documents(child, node=node, image=image, timeout=timeout)
        if not gpu:
            raise UsageError("--k8s-job runs `mlt doctor --gpu` in the pod: add --gpu")
        typer.echo(jobs.render(docs, node), nl=False)
        return
    if node:
        raise UsageError("--node only applies with --k8s-job")
    from mlt.doctor import Options, diagnose

    opts = Options(
        gpu=gpu, trace=trace, root=root, python=python, timeout=timeout, command=command or []
    )
    report = diagnose(opts, image)
    if json_out:
        print_json(report)
    else:
        from mlt.doctor.report import render

        render(report, console)
    raise typer.Exit(0 if report["ok"] else 1)
