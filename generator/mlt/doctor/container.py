"""`mlt doctor --image IMAGE`: run the doctor inside a container and judge its CUDA against
this host's driver.

The image runs `mlt doctor --gpu --json` when it has mlt; otherwise the stdlib-only probe is
mounted read-only and run with the image's python3; failing that, the image's CUDA_VERSION
environment variable (set by every nvidia/cuda image) is the evidence.
"""

from __future__ import annotations

import json
from typing import Any

from mlt import compat
from mlt.doctor import rules
from mlt.doctor.runner import PROBE
from mlt.errors import MltError

MOUNT = "/mlt-doctor"


def _client(timeout: float) -> Any:
    import docker

    try:
        client = docker.from_env(timeout=int(max(timeout, 10)))
        client.ping()
    except Exception as exc:  # noqa: BLE001 - DockerException, requests errors, bad DOCKER_HOST
        raise MltError(
            f"cannot reach a Docker engine for --image: {str(exc).splitlines()[0][:200]}",
            hint="start dockerd, or point DOCKER_HOST at a reachable engine",
        ) from None
    return client


def _run(client: Any, image: str, command: list[str], gpu: bool, timeout: float) -> tuple[int, str]:
    import docker

    kwargs: dict[str, Any] = {"volumes": {str(PROBE.parent): {"bind": MOUNT, "mode": "ro"}}}
    if gpu:
        kwargs["device_requests"] = [docker.types.DeviceRequest(count=-1, capabilities=[["gpu"]])]
    container = client.containers.create(image, command, **kwargs)
    try:
        try:
            container.start()
        except docker.errors.APIError as exc:  # e.g. executable file not found in $PATH
            return 127, str(exc)
        status = container.wait(timeout=timeout).get("StatusCode", 1)
        return status, container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
    finally:
        container.remove(force=True)


def _json(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text.strip().splitlines()[-1] if text.strip() else "")
    except (ValueError, IndexError):
        try:
            data = json.loads(text)
        except ValueError:
            return None
    return data if isinstance(data, dict) else None


def inspect_image(image: str, timeout: float) -> dict[str, Any]:
    """What the image says about itself: the inner doctor report, or probe facts, or its env."""
    import docker

    client = _client(timeout)
    try:
        attrs = client.images.get(image).attrs
    except docker.errors.ImageNotFound:
        try:
            attrs = client.images.pull(image).attrs
        except docker.errors.APIError as exc:
            raise MltError(f"cannot pull image {image}: {exc.explanation or exc}") from None
    env = dict(e.split("=", 1) for e in (attrs.get("Config") or {}).get("Env") or [] if "=" in e)
    gpu = "nvidia" in (client.info().get("Runtimes") or {})
    out: dict[str, Any] = {
        "image": image,
        "gpu_requested": gpu,
        "cuda_env": env.get("CUDA_VERSION"),
    }
    rc, text = _run(client, image, ["mlt", "doctor", "--gpu", "--json"], gpu, timeout)
    inner = _json(text)
    if inner and inner.get("schema", "").startswith("mlt.doctor/"):
        out.update(source="mlt doctor", exit_code=rc, report=inner)
        return out
    rc, text = _run(client, image, ["python3", f"{MOUNT}/{PROBE.name}", "-"], gpu, timeout)
    probe = _json(text)
    out.update(source="probe" if probe else "image env", exit_code=rc, probe=probe)
    return out


def image_cuda(info: dict[str, Any]) -> tuple[compat.Version, str] | None:
    """The CUDA runtime the image uses, and where that came from."""
    facts = (info.get("report") or {}).get("facts") or info.get("probe")
    if facts and (found := rules.runtime_in_use(facts)):
        return found
    if info.get("cuda_env"):
        return compat.parse_version(info["cuda_env"])[
            :2
        ], f"image env CUDA_VERSION={info['cuda_env']}"
    return None


def image_findings(info: dict[str, Any], host: dict[str, Any]) -> list[rules.Finding]:
    """Can the image's CUDA run on this host's driver? Plus the inner doctor's own findings."""
    found = image_cuda(info)
    driver = rules.kernel_driver(host)
    image = info["image"]
    out = []
    for inner in (info.get("report") or {}).get("findings") or []:
        out.append(
            rules.Finding(
                inner["code"],
                inner["severity"],
                f"in {image}: {inner['title']}",
                inner.get("evidence") or [],
                inner.get("fix") or "",
            )
        )
    if not found:
        out.append(
            rules.Finding(
                "image-cuda-unknown", "info", f"{image}: no CUDA runtime found in the image"
            )
        )
        return out
    cuda, source = found
    evidence = [f"{image}: {source}", f"host driver: {driver or 'none'}"]
    if not driver:
        out.append(
            rules.Finding(
                "image-cuda-unchecked",
                "info",
                f"{image} uses CUDA {compat.format_version(cuda)}; "
                "this host has no NVIDIA driver to check it against",
                evidence,
            )
        )
        return out
    try:
        ok = compat.driver_supports(driver, compat.format_version(cuda[:2]))
    except MltError:
        newest = compat.max_cuda_for_driver(driver)
        ok = bool(newest) and cuda[0] <= newest[0]
    if ok:
        out.append(
            rules.Finding(
                "image-cuda-compatible",
                "info",
                f"{image} (CUDA {compat.format_version(cuda)}) runs on this host's driver {driver}",
                evidence,
            )
        )
    else:
        need = compat.format_driver(compat.min_driver(compat.format_version(cuda[:2])))
        out.append(
            rules.Finding(
                "driver-too-old",
                "error",
                f"{image} needs CUDA {compat.format_version(cuda)}, which this host's driver "
                f"{driver} cannot run",
                evidence,
                f"Upgrade the host driver to >= {need}, or pick an image with an older CUDA "
                "(`mlt images list`).",
            )
        )
    return out


def check_image(
    image: str, host_facts: dict[str, Any], timeout: float
) -> tuple[dict[str, Any], list[rules.Finding]]:
    """Facts about the image and the findings to add to the host report."""
    info = inspect_image(image, timeout)
    return info, image_findings(info, host_facts)
