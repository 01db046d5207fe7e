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
import uuid

import pytest

from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource
from tests.images.child_lock import lock

pytestmark = [pytest.mark.docker, pytest.mark.slow]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
USER = (1000, 1000)


def docker(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def lineage_image(docker_api, built, tmp_path):
    project = tmp_path / "bj-lineage"
    render_template(TemplateSource.bundled("batch-job"), project, {"project_name": project.name})
    lock(project)  # as `mlt new` does: the Dockerfile installs uv.lock
    tag = f"mlt-test/bj-lineage:{uuid.uuid4().hex[:8]}"
    args = ["--build-arg", f"BASE_IMAGE={built['cpu'].tag}", "--build-arg", f"GIT_COMMIT={COMMIT}"]
    build = subprocess.run(
        ["docker", "build", *args, "-t", tag, "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
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
