"""The batch-job child's README container commands, run as written against a real engine.

A host folder owned by an ordinary user (uid 1000): `docker run --user "$(id -u):$(id -g)"`
writes a batch there with files the user owns; without `--user` the image's uid 10001 cannot
write it and the job says so in one line. Marked docker + slow (builds the child image FROM
the session's cpu base image).
"""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from tests.images.child_lock import assert_image_is_the_lock, build_child_image

pytestmark = [pytest.mark.docker, pytest.mark.slow]
USER = (1000, 1000)  # what `$(id -u):$(id -g)` prints for a typical workstation user


@pytest.fixture
def child_image(docker_api, built, tmp_path):
    project, tag = build_child_image("batch-job", built["cpu"].tag, tmp_path)
    # The image is the lock: exactly uv.lock's packages, with the s3 extra the Job writes with.
    packages = assert_image_is_the_lock(docker_api, tag, project)
    assert "s3fs" in packages and "pytest" not in packages
    yield project, tag
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def docker_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "run", "--rm", *args], capture_output=True, text=True, timeout=300
    )


def test_readme_run_writes_a_batch_the_user_owns(child_image):
    project, tag = child_image
    outputs = project / "outputs"
    outputs.mkdir()
    os.chown(outputs, *USER)
    user = f"{USER[0]}:{USER[1]}"
    done = docker_run("--user", user, "-v", f"{outputs}:/app/outputs", tag)
    assert done.returncode == 0, done.stderr
    assert "published as _LATEST" in done.stdout
    files = [p for p in outputs.rglob("*") if p.is_file()]
    assert any(p.name.startswith("part-") for p in files)
    for path in files:
        info = path.stat()
        assert (info.st_uid, info.st_gid) == USER, path
        assert stat.S_IMODE(info.st_mode) == 0o644, path

    # Without --user: uid 10001 may not write the user's folder; one line, no traceback.
    denied = docker_run("-v", f"{outputs}:/app/outputs", tag)
    assert denied.returncode == 1
    assert denied.stderr.startswith("error: cannot write to /app/outputs/customer_features")
    assert "Traceback" not in denied.stderr and denied.stderr.count("\n") == 1
