"""How the running mlt was installed, as the requirement CI installs it by (`mlt_spec`).

PEP 610: an installer that installed from a URL leaves `direct_url.json` in the dist-info:
a VCS URL and the commit it checked out, an archive (wheel) URL with its hash, or a local
directory. Without it, mlt came from a package index: `mlt==VERSION`. A spec the bundled
template's validator would refuse (an sdist URL, an ssh URL with a user) falls back to the
version, which is at least what is running.
"""

from __future__ import annotations

import json
import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

# The bundled template's mlt_spec validator (templates/_shared/questions.yml).
SPEC = re.compile(
    r"^mlt ?(== ?[0-9][A-Za-z0-9.+!-]*|@ ?(git\+[^\s@]+@[A-Za-z0-9._/-]+"
    r"|[^\s]+\.whl(#sha256=[0-9a-f]{64})?))$"
)


def running_spec(dist_name: str = "mlt") -> str:
    """`mlt==X`, `mlt @ git+URL@COMMIT` or `mlt @ URL.whl#sha256=...` for the running mlt."""
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        import mlt

        return f"mlt=={mlt.__version__}"
    return spec_from(dist.version, dist.read_text("direct_url.json"))


def spec_from(version: str, direct_url: str | None) -> str:
    """The spec for a dist of `version` with this `direct_url.json` text (None: an index)."""
    fallback = f"mlt=={version}"
    if not direct_url:
        return fallback
    try:
        data = json.loads(direct_url)
    except ValueError:
        return fallback
    spec = _spec(data) if isinstance(data, dict) else None
    return spec if spec and SPEC.match(spec) else fallback


def _spec(data: dict[str, Any]) -> str | None:
    url = data.get("url")
    if not isinstance(url, str):
        return None
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("commit_id"):
        return f"mlt @ {vcs.get('vcs', 'git')}+{url}@{vcs['commit_id']}"
    archive = data.get("archive_info")
    if isinstance(archive, dict):
        digest = (archive.get("hashes") or {}).get("sha256")
        legacy = archive.get("hash", "")
        if not digest and isinstance(legacy, str) and legacy.startswith("sha256="):
            digest = legacy.removeprefix("sha256=")
        return f"mlt @ {url}#sha256={digest}" if digest else f"mlt @ {url}"
    if isinstance(data.get("dir_info"), dict) and url.startswith("file://"):
        return _checkout_spec(Path(unquote(urlparse(url).path)))
    return None


def _checkout_spec(path: Path) -> str | None:
    """A local checkout (`pip install -e .`): its origin at HEAD, when it has both."""
    try:
        origin = _git(path, "remote", "get-url", "origin")
        head = _git(path, "rev-parse", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return None
    if not origin or not head or not re.match(r"^[a-z][a-z0-9+.-]*://", origin):
        return None  # a path or scp-style remote is not a URL CI can install from
    return f"mlt @ git+{origin}@{head}"


def _git(path: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(path), *args], capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()


def source_repository(dist_name: str = "mlt") -> str:
    """The repository the running mlt was installed from (a VCS install's URL, PEP 610), or ""
    when it came from an index, a wheel or a folder: images label their source with it, and an
    empty label says less than a made-up one."""
    try:
        text = metadata.distribution(dist_name).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return ""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return ""
    url = data.get("url") if isinstance(data, dict) else None
    return url if isinstance(url, str) and isinstance(data.get("vcs_info"), dict) else ""
