"""Lineage from a real image: the batch-job child built with --build-arg GIT_COMMIT (as CI
builds it) carries the commit as an OCI label and in its environment, and the run manifest it
writes records the commit and the IMAGE_DIGEST the deployment gives the pod.

The image is never pushed here, so the digest handed in is its content id (what CI reads from
buildx's metadata after the push is the registry digest; the manifest records whichever the
pod is given). Marked docker + slow (builds the child FROM the session's cpu base image).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.images.child_lock import build_child_image

pytestmark = [pytest.mark.docker, pytest.mark.slow]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
USER = (1000, 1000)


def docker(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def lineage_image(docker_api, built, tmp_path):
    project, tag = build_child_image(
        "batch-job", built["cpu"].tag, tmp_path, f"GIT_COMMIT={COMMIT}"
    )
    yield project, tag
    docker("rmi", "-f", tag)


def test_built_image_carries_its_commit_into_the_run_manifest(lineage_image):
    project, tag = lineage_image
    label = docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag)
    assert json.loads(label.stdout)["org.opencontainers.image.revision"] == COMMIT
    digest = docker("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()
    assert digest.startswith("sha256:")
    outputs = project / "outputs"
    outputs.mkdir()
    os.chown(outputs, *USER)
    user = f"{USER[0]}:{USER[1]}"
    run = docker("run", "--rm", "--user", user, "-e", f"IMAGE_DIGEST={digest}",
                 "-v", f"{outputs}:/app/outputs", tag)  # fmt: skip
    assert run.returncode == 0, run.stderr
    (manifest,) = list(outputs.rglob("_manifest.*.json"))
    data = json.loads(manifest.read_text())
    assert data["status"] == "succeeded"
    assert (data["git_commit"], data["image_digest"]) == (COMMIT, digest)
