"""The only module that imports the docker SDK: connect, build (streaming), inspect, push.

Returns plain dicts and strings, never SDK objects. Every SDK failure becomes an MltError.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from mlt.errors import MltError

DEFAULT_HOST = "unix:///var/run/docker.sock"


def engine_address() -> str:
    """Where the Docker engine is expected (DOCKER_HOST or the default socket)."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_HOST


class EngineUnavailable(MltError):
    """No Docker engine answered."""


def connect(timeout: int = 600) -> Any:
    """A low-level `docker.APIClient` that has answered a ping."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.APIClient(version="auto", timeout=timeout, **docker.utils.kwargs_from_env())
        client.ping()
    except (DockerException, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineUnavailable(
            f"no Docker engine reachable at {engine_address()}",
            hint=f"start dockerd (scripts/ci-docker-setup.sh) or set DOCKER_HOST ({reason[:160]})",
        ) from None
    return client


def build(client: Any, context_dir: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Stream the decoded JSON events of a classic-builder build of `context_dir`."""
    from docker.errors import DockerException

    try:
        yield from client.build(path=context_dir, decode=True, rm=True, forcerm=True, **kwargs)
    except DockerException as exc:
        raise MltError(f"docker build failed: {_short(exc)}") from None


def image_info(client: Any, name: str) -> dict[str, Any] | None:
    """`docker image inspect` as a dict, or None when the engine has no such image."""
    from docker.errors import DockerException, ImageNotFound

    try:
        return dict(client.inspect_image(name))
    except ImageNotFound:
        return None
    except DockerException as exc:
        raise MltError(f"cannot inspect image {name}: {_short(exc)}") from None


def push(client: Any, repository: str, tag: str) -> Iterator[dict[str, Any]]:
    """Stream the decoded JSON events of `docker push repository:tag`."""
    from docker.errors import DockerException

    try:
        yield from client.push(repository, tag=tag, stream=True, decode=True)
    except DockerException as exc:
        raise MltError(f"push of {repository}:{tag} failed: {_short(exc)}") from None


def _short(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
