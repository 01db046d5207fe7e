"""Fixtures for the docker-marked image tests: one engine, images built once per session.

Without a reachable engine (or without the local parent image) these tests skip, unless
MLT_REQUIRE_DOCKER=1, which makes them fail: CI sets it after scripts/ci-docker-setup.sh.
With Docker installed but the engine not answering, the run ends with a loud banner: a green
`make test` that skipped every image test must not pass for a tested one.
Every image a session tags is removed when the session ends.
Env: MLT_PARENT_IMAGE (default mlt-local/bookworm:minbase, the debootstrap'd stand-in for
the Docker Hub parent), MLT_TEST_EXTRA_CA (default: the host CA bundle, when present),
MLT_TEST_NETWORK (build network, default the engine's bridge).
"""

from __future__ import annotations

from typing import Any

import pytest

from mlt.images.build import BuildResult
from tests.images.images_docker_support import (
    build_session_images,
    connect_or_skip,
    docker_installed,
    remove_session_images,
)

_ENGINE_DOWN: list[str] = []


@pytest.fixture(scope="session")
def docker_api() -> Any:
    """A connected docker.APIClient, with the local parent image present."""
    try:
        client = connect_or_skip()
    except pytest.skip.Exception as exc:
        if docker_installed():
            _ENGINE_DOWN.append(str(exc.msg))
        raise
    yield client
    left = remove_session_images(client)
    assert not left, f"test images left behind: {left}"


@pytest.fixture(scope="session")
def built(docker_api) -> dict[str, BuildResult]:
    """cpu and cuda-runtime, built once per session (later sessions reuse the layer cache)."""
    return build_session_images(docker_api)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _ENGINE_DOWN:
        return
    skipped = len(terminalreporter.stats.get("skipped", []))
    terminalreporter.write_sep("!", "DOCKER IS INSTALLED BUT ITS ENGINE DID NOT ANSWER", red=True)
    terminalreporter.write_line(
        f"{_ENGINE_DOWN[0]}\nThe image tests were skipped ({skipped} skips in this run): this run "
        "did not test the images. Start the engine (bash scripts/ci-docker-setup.sh) or set "
        "MLT_REQUIRE_DOCKER=1 to make this a failure.",
        red=True,
        bold=True,
    )
