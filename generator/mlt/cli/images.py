"""CLI commands for 'images': list, show, check, render and build the curated base images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mlt.cli._common import console, handle_errors, print_json

images_app = typer.Typer(
    name="images",
    help="Curated base images: CPU, CUDA runtime/devel, PyTorch, TensorFlow.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
IdArg = Annotated[str, typer.Argument(help="Image id (see `mlt images list`).", show_default=False)]


def _catalog(path: Path | None = None) -> Any:
    from mlt.images.catalog import load_catalog

    return load_catalog(path)


def _min_driver(cuda: str | None) -> dict[str, str] | None:
    from mlt import compat

    if not cuda or not compat.cuda_exists(cuda):
        return None
    req = compat.driver_requirement(cuda)
    return {
        "minimum": compat.format_driver(compat.min_driver(cuda)),
        "toolkit_driver": compat.format_driver(req.toolkit_driver),
    }


@images_app.command("list")
@handle_errors
def list_images(as_json: JsonOpt = False) -> None:
    """List the curated base images of this catalog release."""
    from mlt.images.catalog import SCHEMA

    catalog = _catalog()
    if as_json:
        images = [
            image.to_dict()
            | {"tag": catalog.default_tag(image.id), "min_driver": _min_driver(image.cuda)}
            for image in catalog.images
        ]
        print_json({"schema": SCHEMA, "release": catalog.release, "images": images})
        return
    from mlt.cli.tables import print_table

    rows = []
    for image in catalog.images:
        framework = f"{image.framework} {image.framework_version or ''}".strip()
        driver = (_min_driver(image.cuda) or {}).get("minimum", "-")
        rows.append(
            (
                image.id,
                framework,
                image.cuda or "-",
                str(image.cuda_source),
                image.python,
                image.os,
                driver,
            )
        )
    print_table(
        console,
        ("id", "framework", "cuda", "cuda source", "python", "os", "min driver"),
        rows,
        keys=("id", "framework"),
        title=f"mlt base images, release {catalog.release}",
    )


@images_app.command("show")
@handle_errors
def show(image_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show one image: parent pin, versions, minimum NVIDIA driver, published tag."""
    from mlt.images.catalog import SCHEMA

    catalog = _catalog()
    image = catalog.get(image_id)
    data = image.to_dict() | {
        "tag": catalog.default_tag(image.id),
        "release": catalog.release,
        "min_driver": _min_driver(image.cuda),
    }
    if as_json:
        print_json({"schema": SCHEMA} | data)
        return
    driver = data["min_driver"]
    rows = [
        ("tag", data["tag"]),
        ("description", image.description),
        ("parent", image.parent.ref),
        ("os / python", f"{image.os} / {image.python}"),
        ("flavour", image.flavour),
        ("framework", f"{image.framework} {image.framework_version or ''}".strip()),
        ("cuda", f"{image.cuda or 'none'} (source: {image.cuda_source})"),
        ("cudnn / nccl", f"{image.cudnn or 'none'} / {image.nccl or 'none'}"),
        (
            "min driver",
            f"{driver['minimum']} (minor-version compat; {driver['toolkit_driver']} without it)"
            if driver
            else "none (no CUDA)",
        ),
        ("pip", ", ".join(image.pip) or "-"),
    ]
    for key, value in rows:
        console.print(f"[bold]{key:<13}[/] {value}", highlight=False, soft_wrap=True)


@images_app.command("check")
@handle_errors
def check(
    as_json: JsonOpt = False,
    catalog_file: Annotated[
        Path | None,
        typer.Option("--catalog", help="Check this catalog file instead of the bundled one."),
    ] = None,
) -> None:
    """Validate the catalog against compat.yaml (CUDA, torch, TF, digests); exit 1 on errors."""
    from mlt.images.checks import check_catalog, errors

    catalog = _catalog(catalog_file)
    findings = check_catalog(catalog)
    bad = errors(findings)
    if as_json:
        print_json(
            {
                "schema": "mlt.images.check/1",
                "ok": not bad,
                "catalog": str(catalog.path),
                "findings": [f.to_dict() for f in findings],
            }
        )
    else:
        for finding in findings:
            style = "red" if finding.level == "error" else "yellow"
            console.print(f"[{style}]{finding}[/]", highlight=False, soft_wrap=True)
        if not bad:
            console.print(
                f"ok: {len(catalog.images)} images consistent with compat.yaml", highlight=False
            )
    if bad:
        raise typer.Exit(1)


@images_app.command("render")
@handle_errors
def render(
    image_id: IdArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Directory for the build context.")
    ] = Path(),
    parent: Annotated[
        str | None, typer.Option(help="Parent image to write as PARENT_IMAGE default.")
    ] = None,
    extra_ca: Annotated[
        Path | None, typer.Option("--extra-ca", help="PEM CA file to trust.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a different Dockerfile already there.")
    ] = False,
) -> None:
    """Write the Dockerfile and build context (mlt wheel, certs/, .dockerignore) for an image."""
    from mlt.images.context import render_context

    catalog = _catalog()
    image = catalog.get(image_id)
    ctx = render_context(catalog, image, output, parent=parent, extra_ca=extra_ca, force=force)
    console.print(
        f"rendered {image_id} into {ctx.directory} ({ctx.wheel.name})",
        highlight=False,
        soft_wrap=True,
    )


@images_app.command("build")
@handle_errors
def build(
    image_id: IdArg,
    tag: Annotated[
        str | None, typer.Option(help="Image tag (default: <registry>/<id>:<release>).")
    ] = None,
    parent: Annotated[
        str | None, typer.Option(help="Build FROM this image instead of the pinned parent.")
    ] = None,
    registry_mirror: Annotated[
        str | None,
        typer.Option("--registry-mirror", help="Pull the pinned parent via this registry prefix."),
    ] = None,
    extra_ca: Annotated[
        Path | None, typer.Option("--extra-ca", help="PEM CA file to trust.")
    ] = None,
    build_arg: Annotated[
        list[str] | None, typer.Option("--build-arg", help="KEY=VALUE, repeatable.")
    ] = None,
    network: Annotated[
        str | None, typer.Option(help="Build network: bridge, host or none.")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore the layer cache.")] = False,
    push: Annotated[bool, typer.Option("--push", help="Push the tag after building.")] = False,
    index_url: Annotated[
        str | None,
        typer.Option(
            "--index-url",
            help="Package index for the framework/CUDA wheels (a mirror; default: the catalog's,"
            " else PyPI).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress; a failing step's output only.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON event per line on stdout (for CI).")
    ] = False,
) -> None:
    """Build a base image with the local Docker engine (and push it with --push).

    [bold]Examples[/]

      mlt images build cpu
      mlt images build cuda-runtime --extra-ca /etc/ssl/certs/corp-ca.pem
      mlt images build pytorch --registry-mirror mirror.corp.example --push
      mlt images build cpu --parent local/bookworm:minbase --tag test/cpu:dev
      mlt images build pytorch --index-url https://download.pytorch.org/whl/cu128
      mlt images build cpu --json > build-events.jsonl

    Progress: each step's time and last output lines; a failing step's whole output.

    --json events, one per line: step, log, step_done, failed, then built or error.
    """
    from mlt.cli.build_progress import LiveReporter, QuietReporter
    from mlt.images.build import BuildOptions, build_image, parse_build_args

    catalog = _catalog()
    image = catalog.get(image_id)
    options = BuildOptions(
        tag=tag,
        parent=parent,
        registry_mirror=registry_mirror,
        extra_ca=extra_ca,
        build_args=parse_build_args(build_arg or []),
        network=network,
        push=push,
        no_cache=no_cache,
        index_url=index_url,
    )
    if as_json:
        _build_json(catalog, image, options, quiet)
        return
    if quiet:
        result = build_image(catalog, image, options, QuietReporter())
    else:
        with LiveReporter(image_id) as live:
            result = build_image(catalog, image, options, live)
    console.print(
        f"built {result.tag} ({result.image_id[:19]}) in {result.seconds:.0f}s, "
        f"{result.cached_steps}/{result.steps} steps cached"
        + (", pushed" if result.pushed else ""),
        highlight=False,
        soft_wrap=True,
    )


def _build_json(catalog: Any, image: Any, options: Any, quiet: bool) -> None:
    from mlt.cli._common import report_error
    from mlt.cli.build_progress import JsonLinesReporter
    from mlt.errors import MltError
    from mlt.images.build import build_image

    events = JsonLinesReporter(with_logs=not quiet)
    try:
        result = build_image(catalog, image, options, events)
    except MltError as exc:
        # The event stream stays one JSON document per line: the failure is its last event
        # (with the `error` / `exit_code` every --json failure carries), not a second document.
        code = exc.exit_code
        events.emit("error", message=exc.message, hint=exc.hint, error=exc.message, exit_code=code)
        report_error(exc.message, exc.hint, code, as_json=False)
        raise typer.Exit(code) from None
    events.emit("built", schema="mlt.images.build/1", **result.__dict__)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(images_app)
