"""Helpers for the docker-marked image tests (build once, run a command in a container)."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest

from mlt.errors import MltError
from mlt.images import _docker
from mlt.images.build import BuildOptions, BuildResult, build_image, created_timestamp
from mlt.images.catalog import load_catalog
from mlt.images.wheel import mlt_wheel

PARENT = os.environ.get("MLT_PARENT_IMAGE", "mlt-local/bookworm:minbase")
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# One tag suffix per session: parallel sessions on a shared engine never untag each other's
# images, and the cleanup removes exactly what this session tagged (the layer cache is by content).
SESSION = uuid.uuid4().hex[:8]
TEST_TAG = "mlt-test/{id}:{release}-" + SESSION
_CREATED: list[str] = []  # tags this session created, removed newest first at the end


def session_tag(name: str) -> str:
    """A `mlt-test/NAME:SESSION` tag that the session cleanup removes."""
    tag = f"mlt-test/{name}:{SESSION}"
    _CREATED.append(tag)
    return tag


def remove_session_images(client: Any) -> list[str]:
    """Remove every tag this session created (children first); return what could not go."""
    left = []
    for tag in reversed(dict.fromkeys(_CREATED)):
        try:
            if _docker.image_info(client, tag) is not None:
                client.remove_image(tag, force=True)
        except Exception as exc:  # noqa: BLE001 (report, keep cleaning)
            left.append(f"{tag}: {exc}")
    _CREATED.clear()
    return left


def docker_installed() -> bool:
    """The Docker client or engine is on this machine (whether or not it answers)."""
    return bool(shutil.which("docker") or shutil.which("dockerd"))


def _unavailable(reason: str) -> None:
    if os.environ.get("MLT_REQUIRE_DOCKER") == "1":
        pytest.fail(f"MLT_REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def connect_or_skip() -> Any:
    """A connected docker.APIClient, with the local parent image present."""
    try:
        client = _docker.connect()
    except MltError as exc:
        _unavailable(exc.message)
    if _docker.image_info(client, PARENT) is None:
        _unavailable(f"parent image {PARENT} is missing (run scripts/ci-docker-setup.sh)")
    return client


def extra_ca() -> Path | None:
    configured = os.environ.get("MLT_TEST_EXTRA_CA")
    if configured is not None:
        return Path(configured) if configured else None
    return HOST_CA if HOST_CA.is_file() else None


@functools.lru_cache(maxsize=1)
def session_inputs() -> tuple[Path, dict[str, str]]:
    """One mlt wheel and one set of label args per session: other work in the checkout (new
    commits, edited files) must not change the inputs between the builds of one session."""
    wheel_dir = Path(tempfile.mkdtemp(prefix="mlt-test-wheel-"))
    atexit.register(shutil.rmtree, wheel_dir, True)  # the suite leaves nothing in /tmp
    wheel = mlt_wheel(wheel_dir)
    return wheel, {"BUILD_CREATED": created_timestamp(), "SOURCE_REVISION": "test"}


def build_test_image(image_id: str, **overrides: Any) -> BuildResult:
    catalog = load_catalog()
    wheel, label_args = session_inputs()
    tag = TEST_TAG.format(id=image_id, release=catalog.release)
    _CREATED.append(tag)
    options = BuildOptions(
        tag=tag,
        parent=PARENT,
        extra_ca=extra_ca(),
        network=os.environ.get("MLT_TEST_NETWORK") or None,
        wheel=wheel,
        build_args=dict(label_args),
    )
    for key, value in overrides.items():
        setattr(options, key, value)
    return build_image(catalog, catalog.get(image_id), options)


def build_session_images(docker_api: Any) -> dict[str, BuildResult]:
    """cpu and cuda-runtime, built once (later sessions reuse the layer cache)."""
    return {image_id: build_test_image(image_id) for image_id in ("cpu", "cuda-runtime")}


def run_in(client: Any, image: str, *cmd: str) -> tuple[int, str]:
    """`docker run --rm image cmd...` -> (exit code, stdout+stderr)."""
    container = client.create_container(image, command=list(cmd))
    try:
        client.start(container)
        status = client.wait(container, timeout=300)
        logs = client.logs(container, stdout=True, stderr=True).decode("utf-8", "replace")
    finally:
        client.remove_container(container, force=True)
    return int(status["StatusCode"]), logs
