"""Benchmark the curated base images: sizes, cold/warm build times, a child's code-only rebuild.

Builds each image FROM a local parent (Docker Hub is unreachable in CI) cold (--no-cache: every
wheel downloaded again) and warm (layer cache), records its size and, for framework images,
the payload (torch + nvidia-* + triton, or tensorflow + nvidia-*) and the size above it.
Then renders the bundled `service` template FROM the cpu image, builds it cold, changes one
source file and rebuilds. Target: the code-only rebuild takes <= 10% of the cold build.
The images are removed at the end unless --keep.

    python benchmarks/bench_images.py [--images cpu,cuda-runtime] [--parent IMAGE]
                                      [--extra-ca FILE] [--keep] [--json]

cuda-devel is not built: its parent (nvidia/cuda devel) comes from Docker Hub, and building it
FROM the Debian stand-in would measure a different image.
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
from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource

TARGET_SHARE = 0.10
# The image's site-packages, as its own interpreter reports it (the catalog decides the Python).
SITE = "$(python -c 'import sysconfig; print(sysconfig.get_path(\"purelib\"))')"
# What a framework image must carry, as installed: the floor its size is judged against.
PAYLOAD = {"pytorch": "torch nvidia triton", "tensorflow": "tensorflow nvidia"}
ABOVE_PAYLOAD_MAX = 600_000_000


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
    parser.add_argument("--images", default="cpu,cuda-runtime", help="comma-separated ids")
    parser.add_argument("--keep", action="store_true", help="keep the built images")
    args = parser.parse_args(argv)

    catalog = load_catalog()
    client = _docker.connect()
    results: dict[str, Any] = {"schema": "mlt.bench.images/2", "images": {}}
    parent_info = _docker.image_info(client, args.parent) or {}
    results["parent"] = {"name": args.parent, "size_bytes": parent_info.get("Size")}
    tags = []
    try:
        for image_id in ["cpu", *(i for i in args.images.split(",") if i and i != "cpu")]:
            results["images"][image_id] = bench_image(client, catalog, image_id, args)
            tags.append(results["images"][image_id]["tag"])
        results["child"] = bench_child(client, results["images"]["cpu"]["tag"])
        tags.append("mlt-bench/child:dev")
    finally:
        if not args.keep:
            for tag in reversed(tags):
                client.remove_image(tag, force=True)
    report(results, args.json)
    return 0


def bench_image(client: Any, catalog: Any, image_id: str, args: Any) -> dict[str, Any]:
    """Build one image cold then warm; its size, and the payload it carries."""
    times, ids = {}, []
    tag = f"mlt-bench/{image_id}:{catalog.release}"
    if _docker.image_info(client, tag) is not None:
        client.remove_image(tag, force=True)  # an earlier run's image would be left dangling
    for label, no_cache in (("cold", True), ("warm", False)):
        options = BuildOptions(
            tag=tag,
            parent=args.parent,
            extra_ca=args.extra_ca,
            no_cache=no_cache,
        )
        built = build_image(catalog, catalog.get(image_id), options)
        times[label] = (round(built.seconds, 1), f"{built.cached_steps}/{built.steps}")
        ids.append(built.image_id)
    _drop_untagged(client, ids[:-1], ids[-1])
    data: dict[str, Any] = {
        "tag": built.tag,
        "size_bytes": _docker.image_info(client, built.tag)["Size"],
        "cold_seconds": times["cold"][0],
        "warm_seconds": times["warm"][0],
        "warm_cached_steps": times["warm"][1],
    }
    if image_id in PAYLOAD:
        out = _run(client, built.tag, f'cd "{SITE}" && du -sbc {PAYLOAD[image_id]} | tail -n1')
        data["payload"] = PAYLOAD[image_id]
        data["payload_bytes"] = int(out.split()[0])
        data["above_payload_bytes"] = data["size_bytes"] - data["payload_bytes"]
        data["above_payload_max"] = ABOVE_PAYLOAD_MAX
        data["pycache_bytes"] = int(
            _run(
                client,
                built.tag,
                "find /opt/venv -name __pycache__ -prune -exec du -sbc {} + "
                "| awk '$2 == \"total\" {s += $1} END {print s + 0}'",
            ).split()[0]
        )
    return data


def _drop_untagged(client: Any, earlier: list[str], current: str) -> None:
    """A rebuild that did not hit the cache leaves the earlier image untagged: remove it."""
    for image_id in earlier:
        if image_id != current and not (_docker.image_info(client, image_id) or {}).get("RepoTags"):
            client.remove_image(image_id, force=True)


def _run(client: Any, image: str, script: str) -> str:
    container = client.create_container(image, command=["sh", "-c", script])
    try:
        client.start(container)
        client.wait(container, timeout=300)
        return client.logs(container, stdout=True, stderr=False).decode()
    finally:
        client.remove_container(container, force=True)


def bench_child(client: Any, base: str) -> dict[str, Any]:
    """The service template FROM the cpu image: cold build, then a code-only rebuild."""
    if _docker.image_info(client, "mlt-bench/child:dev") is not None:
        client.remove_image("mlt-bench/child:dev", force=True)  # an earlier --keep run's
    with tempfile.TemporaryDirectory(prefix="mlt-bench-") as tmp:
        project = Path(tmp) / "svc"
        answers = {"project_name": "bench-svc", "package_name": "bench_svc", "ci": "none"}
        render_template(TemplateSource.bundled("service"), project, answers)
        cold, _ = build_child(client, project, "mlt-bench/child:dev", base, no_cache=True)
        cold_id = _docker.image_info(client, "mlt-bench/child:dev")["Id"]
        source = next((project / "src" / "bench_svc").glob("app.py"))
        source.write_text(source.read_text(encoding="utf-8") + "\n# code-only change\n", "utf-8")
        warm, warm_steps = build_child(client, project, "mlt-bench/child:dev", base, no_cache=False)
        _drop_untagged(client, [cold_id], _docker.image_info(client, "mlt-bench/child:dev")["Id"])
    share = warm / cold
    return {
        "base": base,
        "cold_seconds": round(cold, 1),
        "code_change_rebuild_seconds": round(warm, 1),
        "rebuild_share": round(share, 3),
        "target_share": TARGET_SHARE,
        "meets_target": share <= TARGET_SHARE,
        "size_bytes": _docker.image_info(client, "mlt-bench/child:dev")["Size"],
        "rebuild_steps": [{"step": name, "seconds": sec} for name, sec in warm_steps],
    }


def report(results: dict[str, Any], as_json: bool) -> None:
    """Print the results as JSON or as the lines the README quotes."""
    if as_json:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    print(f"parent {results['parent']['name']}: {results['parent']['size_bytes'] / 1e6:.0f} MB")
    for image_id, data in results["images"].items():
        line = (
            f"{image_id:13} {data['size_bytes'] / 1e6:8.1f} MB  cold {data['cold_seconds']:6.1f}s"
            f"  warm {data['warm_seconds']:5.1f}s ({data['warm_cached_steps']} cached)"
        )
        if "payload_bytes" in data:
            line += (
                f"  payload ({data['payload']}) {data['payload_bytes'] / 1e6:.0f} MB,"
                f" above it {data['above_payload_bytes'] / 1e6:.0f} MB"
                f" (max {data['above_payload_max'] / 1e6:.0f}),"
                f" __pycache__ {data['pycache_bytes'] / 1e6:.0f} MB"
            )
        print(line)
    child = results["child"]
    print(
        f"child (service FROM cpu): cold {child['cold_seconds']}s, code-only rebuild "
        f"{child['code_change_rebuild_seconds']}s = {child['rebuild_share']:.0%} "
        f"(target <= {TARGET_SHARE:.0%})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
