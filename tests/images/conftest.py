"""Fixtures for the docker-marked image tests: one engine, images built once per session.

Without a reachable engine (or without the local parent image) these tests skip, unless
MLT_REQUIRE_DOCKER=1, which makes them fail: CI sets it after scripts/ci-docker-setup.sh.
Env: MLT_PARENT_IMAGE (default mlt-local/bookworm:minbase, the debootstrap'd stand-in for
the Docker Hub parent), MLT_TEST_EXTRA_CA (default: the host CA bundle, when present),
MLT_TEST_NETWORK (build network, default the engine's bridge).
"""

from __future__ import annotations

from typing import Any

import pytest
from images_docker_support import build_session_images, connect_or_skip

from mlt.images.build import BuildResult


@pytest.fixture(scope="session")
def docker_api() -> Any:
    """A connected docker.APIClient, with the local parent image present."""
    return connect_or_skip()


@pytest.fixture(scope="session")
def built(docker_api) -> dict[str, BuildResult]:
    """cpu and cuda-runtime, built once per session (later sessions reuse the layer cache)."""
    return build_session_images(docker_api)
