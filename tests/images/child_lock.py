"""The image is the lock: what a child's image has installed, compared with its uv.lock.

A child is locked with the code `mlt new` runs (mlt.scaffold.lock); its image is built FROM the
session's cpu base image; the distributions the image's Python sees (names and versions) must be
exactly the packages `uv export` selects from uv.lock for the Dockerfile's `uv sync` flags, on
the image's platform, the project itself aside.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import tomllib
from packaging.markers import Marker

from mlt.scaffold.lock import find_uv, lock_and_commit
from tests.images.images_docker_support import run_in

# Printed by the image's own python: every distribution it can import, and its marker values.
PROBE = """
import json, os, platform, sys
from importlib import metadata
dists = sorted({(d.metadata["Name"], d.version) for d in metadata.distributions()})
env = {
    "implementation_name": sys.implementation.name,
    "implementation_version": platform.python_version(),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
print(json.dumps({"dists": dists, "env": env}))
"""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(project: Path) -> Path:
    """uv.lock for a freshly rendered child, made as `mlt new` makes it."""
    warning = lock_and_commit(project, git=False)
    assert warning is None, warning
    return project / "uv.lock"


def dockerfile_sync_flags(project: Path) -> list[str]:
    """The flags of the Dockerfile's dependency layer (its `uv sync --no-install-project`)."""
    line = next(
        line
        for line in (project / "Dockerfile").read_text().splitlines()
        if "--no-install-project" in line
    )
    flags = line.split("uv sync ", 1)[1].split()
    return [f for f in flags if f not in ("--locked", "--no-cache", "--no-install-project")]


def locked(project: Path, flags: list[str], env: dict[str, str]) -> dict[str, str]:
    """{name: version} that uv.lock selects for these `uv sync` flags on a platform `env`."""
    uv = find_uv()
    assert uv, "uv comes with mlt"
    export = [uv, "export", "--locked", "--format", "requirements-txt", "--no-hashes"]
    export += ["--no-header", "--no-annotate", "--no-emit-project", *flags]
    out = subprocess.run(export, cwd=project, capture_output=True, text=True, check=True).stdout
    packages = {}
    for line in filter(None, (raw.strip() for raw in out.splitlines())):
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate(env):
            continue
        name, _, version = requirement.strip().partition("==")
        packages[canonical(name)] = version
    return packages


def installed(client: Any, tag: str) -> tuple[dict[str, str], dict[str, str]]:
    """({name: version} of the image's python, its marker environment)."""
    code, out = run_in(client, tag, "python", "-c", PROBE)
    assert code == 0, out
    data = json.loads(out.strip().splitlines()[-1])
    return {canonical(n): v for n, v in data["dists"]}, data["env"]


def assert_image_is_the_lock(client: Any, tag: str, project: Path) -> dict[str, str]:
    """The image's distributions, the project aside, equal the lock's for the Dockerfile's flags."""
    image, env = installed(client, tag)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    project_name = canonical(pyproject["project"]["name"])
    assert project_name in image, sorted(image)  # the project is installed (editable)
    image.pop(project_name)
    expected = locked(project, dockerfile_sync_flags(project), env)
    missing = {n: v for n, v in expected.items() if image.get(n) != v}
    extra = {n: v for n, v in image.items() if expected.get(n) != v}
    assert image == expected, f"not as locked: {missing}; not locked: {extra}"
    return image


def build_child_image(
    kind: str, base_tag: str, workdir: Path, *build_args: str
) -> tuple[Path, str]:
    """A fresh `kind` child rendered and locked as `mlt new` makes it, built FROM base_tag with
    `--build-arg`s (NAME=VALUE); returns (project, tag). The caller removes the image."""
    import uuid

    from mlt.scaffold.render import render_template
    from mlt.template.source import TemplateSource

    project = workdir / f"{kind}-image"
    render_template(TemplateSource.bundled(kind), project, {"project_name": project.name})
    lock(project)  # the Dockerfile installs uv.lock
    tag = f"mlt-test/{project.name}:{uuid.uuid4().hex[:8]}"
    args = [f"--build-arg=BASE_IMAGE={base_tag}", *(f"--build-arg={a}" for a in build_args)]
    build = subprocess.run(
        ["docker", "build", *args, "-t", tag, "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    return project, tag
