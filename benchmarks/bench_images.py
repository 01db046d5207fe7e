"""Benchmark the curated base images: sizes, and a child image's rebuild after a code-only change.

Builds `cpu` and `cuda-runtime` FROM a local parent (Docker Hub is unreachable in CI), renders
the bundled `service` template FROM the cpu image, builds it cold (no cache), changes one source
file and rebuilds. Target: the code-only rebuild takes <= 10% of the cold build.

    python benchmarks/bench_images.py [--parent IMAGE] [--extra-ca FILE] [--json]

Needs a Docker engine (scripts/ci-docker-setup.sh prepares one) and network for PyPI.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mlt.images import _docker
from mlt.images.build import BuildOptions, build_image
from mlt.images.catalog import load_catalog
from mlt.scaffold.render import TemplateSource, render_template

TARGET_SHARE = 0.10


def build_child(
    client: Any, context: Path, tag: str, base: str, no_cache: bool
) -> tuple[float, list[tuple[str, float]]]:
    """Build a directory with the classic builder; return wall seconds and seconds per step."""
    started = time.monotonic()
    steps: list[tuple[str, float]] = []
    step_start = started
    events = client.build(
        path=str(context),
        tag=tag,
        buildargs={"BASE_IMAGE": base},
        decode=True,
        rm=True,
        forcerm=True,
        nocache=no_cache,
    )
    for event in events:
        if "error" in event:
            raise SystemExit(f"child build failed: {event['error']}")
        line = str(event.get("stream", ""))
        if line.startswith("Step "):
            now = time.monotonic()
            if steps:
                steps[-1] = (steps[-1][0], round(now - step_start, 2))
            steps.append((" ".join(line.split())[:70], 0.0))
            step_start = now
    end = time.monotonic()
    if steps:
        steps[-1] = (steps[-1][0], round(end - step_start, 2))
    return end - started, steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parent", default="mlt-local/bookworm:minbase")
    default_ca = Path("/etc/ssl/certs/ca-certificates.crt")
    parser.add_argument(
        "--extra-ca", type=Path, default=default_ca if default_ca.is_file() else None
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    catalog = load_catalog()
    client = _docker.connect()
    results: dict[str, Any] = {"schema": "mlt.bench.images/1", "images": {}}
    parent_info = _docker.image_info(client, args.parent) or {}
    results["parent"] = {"name": args.parent, "size_bytes": parent_info.get("Size")}
    for image_id in ("cpu", "cuda-runtime"):
        options = BuildOptions(
            tag=f"mlt-bench/{image_id}:{catalog.release}",
            parent=args.parent,
            extra_ca=args.extra_ca,
        )
        built = build_image(catalog, catalog.get(image_id), options)
        size = _docker.image_info(client, built.tag)["Size"]
        results["images"][image_id] = {
            "tag": built.tag,
            "size_bytes": size,
            "build_seconds": round(built.seconds, 1),
            "cached_steps": f"{built.cached_steps}/{built.steps}",
        }

    base = results["images"]["cpu"]["tag"]
    with tempfile.TemporaryDirectory(prefix="mlt-bench-") as tmp:
        project = Path(tmp) / "svc"
        answers = {"project_name": "bench-svc", "package_name": "bench_svc", "ci": "none"}
        render_template(TemplateSource.bundled("service"), project, answers)
        cold, _ = build_child(client, project, "mlt-bench/child:dev", base, no_cache=True)
        source = next((project / "src" / "bench_svc").glob("app.py"))
        source.write_text(source.read_text(encoding="utf-8") + "\n# code-only change\n", "utf-8")
        warm, warm_steps = build_child(client, project, "mlt-bench/child:dev", base, no_cache=False)
    share = warm / cold
    results["child"] = {
        "base": base,
        "cold_seconds": round(cold, 1),
        "code_change_rebuild_seconds": round(warm, 1),
        "rebuild_share": round(share, 3),
        "target_share": TARGET_SHARE,
        "meets_target": share <= TARGET_SHARE,
        "size_bytes": _docker.image_info(client, "mlt-bench/child:dev")["Size"],
        "rebuild_steps": [{"step": name, "seconds": sec} for name, sec in warm_steps],
    }
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for image_id, data in results["images"].items():
            size_mb = data["size_bytes"] / 1e6
            print(f"{image_id:13} {size_mb:7.1f} MB  built in {data['build_seconds']}s")
        child = results["child"]
        print(
            f"child (service FROM cpu): cold {child['cold_seconds']}s, code-only rebuild "
            f"{child['code_change_rebuild_seconds']}s = {child['rebuild_share']:.0%} "
            f"(target <= {TARGET_SHARE:.0%})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
