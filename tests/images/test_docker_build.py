"""Real builds against the local engine: cpu and cuda-runtime images, a service built FROM them.

Marked docker + slow. The parent is the local debootstrap image (`--parent`), since Docker Hub
is unreachable in CI; the pinned Docker Hub parents are exercised by render/hadolint tests.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest
from typer.testing import CliRunner

from mlt.cli import app
from mlt.images import _docker
from mlt.images.catalog import load_catalog
from tests.images.child_lock import assert_image_is_the_lock, lock
from tests.images.images_docker_support import PARENT, build_test_image, run_in, session_tag

pytestmark = [pytest.mark.docker, pytest.mark.slow]
RELEASE = load_catalog().release
CUDART_DIR = "/opt/venv/lib/python3.11/site-packages/nvidia/cuda_runtime/lib"


def test_runs_as_non_root_with_the_contract(docker_api, built):
    script = (
        "id -u; python3 --version; /usr/bin/python3 --version; echo $VIRTUAL_ENV; "
        "command -v uv; command -v mlt; stat -c '%u %n' /app /opt/venv; pwd; "
        "tr '\\0' ' ' </proc/1/cmdline; echo; "
        "update-ca-certificates --help >/dev/null && echo ca-ok"
    )
    code, out = run_in(docker_api, built["cpu"].tag, "sh", "-c", script)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[1].startswith("Python 3.11.") and lines[2] == lines[1]  # venv = /usr/bin/python3
    assert lines[:1] + lines[3:] == [
        "10001",
        "/opt/venv",
        "/opt/venv/bin/uv",
        "/opt/venv/bin/mlt",
        "10001 /app",
        "10001 /opt/venv",
        "/app",
        f"tini -- sh -c {script} ",
        "ca-ok",
    ]


def test_labels(docker_api, built):
    parent_id = _docker.image_info(docker_api, PARENT)["Id"]
    for image_id, cuda in (("cpu", "none"), ("cuda-runtime", "12.8")):
        info = _docker.image_info(docker_api, built[image_id].tag)
        labels = info["Config"]["Labels"]
        assert labels["org.opencontainers.image.title"] == f"mlt-{image_id}"
        assert labels["org.opencontainers.image.version"] == RELEASE
        assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
        assert labels["org.opencontainers.image.base.name"] == PARENT
        assert labels["org.opencontainers.image.base.digest"] == parent_id
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", labels["org.opencontainers.image.created"]
        )
        assert labels["io.mlt.cuda"] == cuda
        assert labels["io.mlt.min-driver"] == ("none" if cuda == "none" else "525.60.13")
        assert info["Config"]["User"] == "10001"
        assert info["Config"]["Entrypoint"] == ["tini", "--"]
        env = dict(item.split("=", 1) for item in info["Config"]["Env"])
        assert env["VIRTUAL_ENV"] == "/opt/venv" and env["PATH"].startswith("/opt/venv/bin:")
        if cuda != "none":
            assert env["NVIDIA_VISIBLE_DEVICES"] == "all"
            assert env["NVIDIA_DRIVER_CAPABILITIES"] == "compute,utility"
            assert env["NVIDIA_REQUIRE_CUDA"] == "cuda>=12.8"


def test_no_package_caches_left(docker_api, built):
    script = (
        "ls -A /var/lib/apt/lists | grep -v '^lock$\\|^partial$' | wc -l; "
        "ls -A /var/cache/apt/archives | grep -c '\\.deb$'; "
        "ls -d /root/.cache /home/app/.cache 2>/dev/null | wc -l"
    )
    code, out = run_in(docker_api, built["cuda-runtime"].tag, "sh", "-c", script)
    assert out.split() == ["0", "0", "0"], out


def test_cuda_runtime_is_small_and_has_only_cudart(docker_api, built):
    code, out = run_in(
        docker_api,
        built["cuda-runtime"].tag,
        "sh",
        "-c",
        "ldconfig -p | grep -o '/opt/venv/.*' ; ls /opt/venv/lib/python3.11/site-packages/nvidia",
    )
    assert code == 0
    libs, *entries = out.split()
    assert libs == f"{CUDART_DIR}/libcudart.so.12"  # the only pip CUDA library in the ld cache
    assert sorted(set(entries) - {"__init__.py", "__pycache__"}) == ["cuda_runtime"]
    cpu_size = _docker.image_info(docker_api, built["cpu"].tag)["Size"]
    cuda_size = _docker.image_info(docker_api, built["cuda-runtime"].tag)["Size"]
    assert cuda_size - cpu_size < 20_000_000  # cudart is ~3 MB, not the ~3 GB of all of CUDA


def test_doctor_runs_inside_and_finds_the_wheel_cudart(docker_api, built):
    code, out = run_in(docker_api, built["cuda-runtime"].tag, "mlt", "doctor", "--gpu", "--json")
    report = json.loads(out[out.index("{") :])
    assert report["schema"] == "mlt.doctor/1"
    assert set(report) >= {"ok", "facts", "findings"}
    # No GPU is passed to the container, so --gpu must report an error and exit 1.
    assert report["ok"] is False and code == 1
    loaded = {lib["key"]: lib["path"] for lib in report["facts"]["loaded_libs"]}
    assert loaded["libcudart"] == f"{CUDART_DIR}/libcudart.so.12"
    assert report["facts"]["cuda_runtime"]["cudart_version"] == 12080


def test_rebuild_hits_the_layer_cache(docker_api, built):
    again = build_test_image("cpu")
    assert again.image_id == built["cpu"].image_id
    assert again.cached_steps >= again.steps - 2  # every step but FROM (and a leading ARG)


def _dangling(client):
    return {image["Id"] for image in client.images(filters={"dangling": True})}


def test_failed_build_names_the_step(docker_api, built, tmp_path):
    before = _dangling(docker_api)
    result = CliRunner().invoke(
        app,
        [
            "images",
            "build",
            "cpu",
            "--parent",
            PARENT,
            "--network",
            "none",
            "--no-cache",
            "--tag",
            session_tag("broken"),
        ],
        catch_exceptions=False,
    )
    # --no-cache made fresh layers for the steps before the failing one: not ours to keep.
    for image_id in _dangling(docker_api) - before:
        docker_api.remove_image(image_id, force=True)
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"error: build of 'cpu' failed at step 7/\d+ \(RUN mkdir -p /etc/ssl/certs .*\): "
        r"The command .* returned a non-zero code: 100",
        last,
    ), result.stderr
    assert "  | " in result.stderr  # the failing step's last log lines come first
    assert "Traceback" not in result.output


def _render_service(dest, base_image_id):
    from mlt.scaffold.render import render_template
    from mlt.template.source import TemplateSource

    answers = {
        "project_name": "img-smoke",
        "package_name": "img_smoke",
        "base_image": base_image_id,
        "gpu": base_image_id != "cpu",
        "ci": "none",
        "port": 8000,
    }
    render_template(TemplateSource.bundled("service"), dest, answers)
    lock(dest)  # as `mlt new` does: the Dockerfile installs uv.lock
    return dest


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (localhost only)
            return response.status
    except (urllib.error.URLError, OSError):
        return None


def test_service_project_builds_from_the_base_and_serves_healthz(docker_api, built, tmp_path):
    # A GPU child on the cuda-runtime base (the batch-job and library images use the cpu one).
    project = _render_service(tmp_path / "svc", "cuda-runtime")
    tag = session_tag("img-smoke")
    events = docker_api.build(
        path=str(project),
        tag=tag,
        buildargs={"BASE_IMAGE": built["cuda-runtime"].tag},
        decode=True,
        rm=True,
        forcerm=True,
    )
    log = []
    for event in events:
        assert "error" not in event, "".join(log[-20:]) + str(event)
        log.append(str(event.get("stream", "")))
    # The image is the lock: its packages are exactly uv.lock's (no dev tools, no mlt, no pip).
    packages = assert_image_is_the_lock(docker_api, tag, project)
    # The base's CUDA runtime is locked too, so it stays, still in the loader's cache.
    assert packages["nvidia-cuda-runtime-cu12"] == "12.8.90"
    code, out = run_in(docker_api, tag, "sh", "-c", "ldconfig -p | grep -o '/opt/venv/.*'")
    assert out.split() == [f"{CUDART_DIR}/libcudart.so.12"], out
    host_config = docker_api.create_host_config(port_bindings={8000: ("127.0.0.1", None)})
    container = docker_api.create_container(tag, ports=[8000], host_config=host_config)
    try:
        docker_api.start(container)
        port = docker_api.port(container, 8000)[0]["HostPort"]
        status = None
        for _ in range(60):  # bounded: about 30 s for uvicorn to come up
            status = _get(f"http://127.0.0.1:{port}/healthz")
            if status == 200:
                break
            time.sleep(0.5)
        logs = docker_api.logs(container).decode("utf-8", "replace")
        assert status == 200, logs[-2000:]
        top = docker_api.top(container)["Processes"]
        assert "tini" in " ".join(top[0]) if top else True
        assert docker_api.inspect_container(container)["Config"]["User"] == "10001"
        # What Kubernetes does to the pod: the preStop hook runs `sleep`, then SIGTERM goes to
        # PID 1 (tini). The server drains and exits 0, not 143.
        hook = docker_api.exec_create(container, ["sleep", "1"])
        docker_api.exec_start(hook)
        assert docker_api.exec_inspect(hook)["ExitCode"] == 0
        docker_api.stop(container, timeout=25)
        state = docker_api.inspect_container(container)["State"]
        logs = docker_api.logs(container).decode("utf-8", "replace")
        assert state["ExitCode"] == 0, logs[-2000:]
        assert "draining" in logs and "Application shutdown complete" in logs
    finally:
        docker_api.remove_container(container, force=True)
