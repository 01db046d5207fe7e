"""Build (and optionally push) a curated base image with the Docker engine's classic builder.

The core never prints: progress goes to a `BuildReporter` the caller supplies (the CLI shows it
live with rich; tests and benchmarks can record it).
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mlt.errors import MltError, UsageError
from mlt.images import _docker
from mlt.images.catalog import Catalog, ImageSpec
from mlt.images.context import render_context
from mlt.images.wheel import is_source_checkout
from mlt.kv_pairs import parse_pairs

STEP_RE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
# Colour and cursor codes that tools in a RUN step print (pip's red errors: ESC[91m): the
# build log is shown as text, on a terminal or not, so they are dropped rather than leak out
# as a literal "[91m".
ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
NETWORKS = ("bridge", "host", "none")
STEP_OUTPUT_MAX = 20_000


class BuildReporter(Protocol):
    """Receives build progress as it streams; the CLI renders it (live, JSON lines or nothing)."""

    def step(self, number: int, total: int, instruction: str) -> None:
        """Step `number` of `total` starts."""

    def log(self, line: str) -> None:
        """One line of output of the current step."""

    def finished(self, number: int, seconds: float, cached: bool) -> None:
        """Step `number` ended after `seconds` (`cached`: taken from the layer cache)."""

    def failed(self, lines: list[str]) -> None:
        """The build failed; `lines` is the whole output of the failing step."""


class NullReporter:
    """Discards progress."""

    def step(self, number: int, total: int, instruction: str) -> None:  # noqa: D102
        pass

    def log(self, line: str) -> None:  # noqa: D102
        pass

    def finished(self, number: int, seconds: float, cached: bool) -> None:  # noqa: D102
        pass

    def failed(self, lines: list[str]) -> None:  # noqa: D102
        pass


@dataclass
class BuildOptions:
    """What `mlt images build` was asked to do."""

    tag: str | None = None
    parent: str | None = None
    registry_mirror: str | None = None
    extra_ca: Path | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    network: str | None = None
    push: bool = False
    no_cache: bool = False
    wheel: Path | None = None
    index_url: str | None = None  # package index of the framework layer (PACKAGE_INDEX)


@dataclass(frozen=True)
class BuildResult:
    """A finished build."""

    image: str
    tag: str
    image_id: str
    steps: int
    cached_steps: int
    seconds: float
    pushed: bool


def parse_build_args(pairs: list[str]) -> dict[str, str]:
    """['K=V', ...] -> {'K': 'V'}; a pair without '=' is a UsageError."""
    return parse_pairs(pairs, "--build-arg")


def _git(*args: str) -> str | None:
    # Only a checkout's own history: an installed mlt may sit in a venv inside another repo.
    if not is_source_checkout():
        return None
    repo = Path(__file__).resolve().parents[3]
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def created_timestamp() -> str:
    """SOURCE_DATE_EPOCH, else the HEAD commit time (checkout) or the install time (installed
    mlt): stable per commit or install, so rebuilds hit the layer cache all the way down,
    children keep their cache, and no rebuild leaves the previous image untagged."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or _git("log", "-1", "--format=%ct")
    if not epoch:
        epoch = str(int(Path(__file__).stat().st_mtime))
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_build_args(client: Any, image: ImageSpec, parent: str | None) -> dict[str, str]:
    """OCI-label build args: created, revision, and the parent's name and digest."""
    args = {
        "BUILD_CREATED": created_timestamp(),
        "SOURCE_REVISION": _git("rev-parse", "HEAD") or "unknown",
    }
    if parent:
        name, _, digest = parent.partition("@")
        if not digest:
            info = _docker.image_info(client, parent)
            if info is None:
                raise MltError(f"parent image {parent} is not in the local engine")
            repo_digests = [d.partition("@")[2] for d in info.get("RepoDigests") or []]
            digest = repo_digests[0] if repo_digests else str(info.get("Id", ""))
        args |= {"PARENT_IMAGE": parent, "BASE_NAME": name, "BASE_DIGEST": digest}
    return args


def build_image(
    catalog: Catalog, image: ImageSpec, options: BuildOptions, reporter: BuildReporter | None = None
) -> BuildResult:
    """Render the context for `image` into a temp dir, build it, tag it, push it if asked."""
    reporter = reporter or NullReporter()
    if options.network and options.network not in NETWORKS:
        raise UsageError(f"--network '{options.network}' is not one of {', '.join(NETWORKS)}")
    if options.index_url and not image.pip:
        raise UsageError(f"--index-url: image '{image.id}' installs no packages from an index")
    if options.index_url and not options.index_url.startswith(("https://", "http://")):
        raise UsageError(f"--index-url '{options.index_url}' is not an http(s) URL")
    tag = options.tag or catalog.default_tag(image.id)
    client = _docker.connect()
    parent = options.parent
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"mlt-image-{image.id}-") as tmp:
        default_parent = None
        if options.registry_mirror and not parent:
            from mlt.images.context import mirror_ref

            default_parent = mirror_ref(image.parent.ref, options.registry_mirror)
        ctx = render_context(
            catalog,
            image,
            Path(tmp),
            parent=default_parent,
            extra_ca=options.extra_ca,
            wheel=options.wheel,
        )
        buildargs = default_build_args(client, image, parent or default_parent)
        if options.index_url:
            buildargs["PACKAGE_INDEX"] = options.index_url
        buildargs |= options.build_args
        events = _docker.build(
            client,
            str(ctx.directory),
            tag=tag,
            buildargs=buildargs,
            network_mode=options.network,
            nocache=options.no_cache,
            pull=False,
        )
        image_id, steps, cached = _follow(events, image.id, reporter)
    pushed = False
    if options.push:
        _push(client, tag, reporter)
        pushed = True
    return BuildResult(image.id, tag, image_id, steps, cached, time.monotonic() - started, pushed)


class _StepClock:
    """Times the steps of one build and tells the reporter when each ends."""

    def __init__(self, reporter: BuildReporter) -> None:
        self.reporter = reporter
        self.number = 0
        self.started = time.monotonic()
        self.cached = False

    def next(self, number: int) -> None:
        self.close()
        self.number, self.started, self.cached = number, time.monotonic(), False

    def close(self) -> None:
        if self.number:
            self.reporter.finished(self.number, time.monotonic() - self.started, self.cached)
            self.number = 0


def _follow(events: Any, image_id: str, reporter: BuildReporter) -> tuple[str, int, int]:
    """Consume build events; return (image id, steps, cached steps) or raise on an error event."""
    # The failing step's whole output is shown; the bound only guards memory on a runaway log.
    output: collections.deque[str] = collections.deque(maxlen=STEP_OUTPUT_MAX)
    step, total, instruction, cached, built_id = 0, 0, "", 0, ""
    clock = _StepClock(reporter)
    for event in events:
        if "error" in event or "errorDetail" in event:
            message = ANSI_RE.sub(
                "",
                (event.get("errorDetail") or {}).get("message")
                or event.get("error")
                or "unknown error",
            )
            reporter.failed(list(output))
            where = f" at step {step}/{total} ({instruction[:80]})" if step else ""
            raise MltError(
                f"build of '{image_id}' failed{where}: {message.strip().splitlines()[-1]}"
            )
        aux = event.get("aux") or {}
        if isinstance(aux, dict) and aux.get("ID"):
            built_id = str(aux["ID"])
        for line in ANSI_RE.sub("", str(event.get("stream") or "")).splitlines():
            match = STEP_RE.match(line.strip())
            if match:
                step, total, instruction = int(match.group(1)), int(match.group(2)), match.group(3)
                output.clear()
                clock.next(step)
                reporter.step(step, total, instruction)
            elif line.strip():
                if line.strip() == "---> Using cache":
                    cached += 1
                    clock.cached = True
                output.append(line.rstrip())
                reporter.log(line.rstrip())
    clock.close()
    if not built_id:
        ids = [line for line in output if line.startswith("Successfully built ")]
        built_id = ids[-1].split()[-1] if ids else ""
    if not built_id:
        raise MltError(f"build of '{image_id}' ended without an image id")
    return built_id, total, cached


def split_tag(tag: str) -> tuple[str, str]:
    """'reg/x/cpu:2026.11' -> ('reg/x/cpu', '2026.11'); no tag means 'latest'."""
    head, sep, last = tag.rpartition(":")
    if sep and "/" not in last:
        return head, last
    return tag, "latest"


def _push(client: Any, tag: str, reporter: BuildReporter) -> None:
    repository, version = split_tag(tag)
    for event in _docker.push(client, repository, version):
        if "error" in event or "errorDetail" in event:
            message = (event.get("errorDetail") or {}).get("message") or event.get("error")
            raise MltError(f"push of {tag} failed: {str(message).strip()}")
        if event.get("status") and not event.get("progressDetail"):
            reporter.log(f"push: {event.get('id', '')} {event['status']}".strip())
