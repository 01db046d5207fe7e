"""The library child's test image: built FROM the session's cpu base image, it holds exactly
uv.lock (dev tools included: the image runs the tests) and its default command passes.

The service and batch-job images are compared with their locks where they are built already
(test_docker_build.py, test_batch_job_container.py). Marked docker + slow.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.images.child_lock import assert_image_is_the_lock, build_child_image
from tests.images.images_docker_support import run_in

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_library_image_is_its_lock_and_runs_its_tests(docker_api, built, tmp_path):
    project, tag = build_child_image("library", built["cpu"].tag, tmp_path)
    try:
        packages = assert_image_is_the_lock(docker_api, tag, project)
        assert "pytest" in packages and "mlt" not in packages
        info = docker_api.inspect_image(tag)
        code, out = run_in(docker_api, tag, *info["Config"]["Cmd"])
        assert code == 0 and " passed" in out, out[-2000:]
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
