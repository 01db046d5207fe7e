"""Forges mlt opens pull requests on: GitHub, GitLab, Gitea/Forgejo (plain httpx, REST)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mlt.errors import UsageError
from mlt.fleet.forges.base import Forge, PullRequest, RemoteRepo
from mlt.fleet.forges.gitea import Gitea
from mlt.fleet.forges.github import GitHub
from mlt.fleet.forges.gitlab import GitLab
from mlt.fleet.forges.http import ForgeError

KINDS: dict[str, type[Forge]] = {"github": GitHub, "gitlab": GitLab, "gitea": Gitea}
__all__ = ["KINDS", "Forge", "ForgeError", "PullRequest", "RemoteRepo", "RepoAddress"]


@dataclass(frozen=True)
class RepoAddress:
    """Where a remote lives: host, and owner/name (the last two parts of the URL's path)."""

    host: str
    owner: str  # the second-to-last part of the path
    name: str
    scheme: str = "https"
    namespace: str = ""  # every part before the name (GitLab subgroups: group/sub)

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"


_SCP = re.compile(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)$")


def parse_remote(url: str) -> RepoAddress | None:
    """owner/name and host of a git remote URL (https, ssh://, scp-like); None for a path.

    Credentials in the URL are dropped, never kept or printed.
    """
    match = re.match(r"^(\w[\w+.-]*)://(?:[^@/]*@)?([^/:]+)(?::\d+)?/(.+)$", url)
    if match:
        scheme, host, path = match.groups()
    else:
        scp = _SCP.match(url)
        if not scp or url.startswith("/"):
            return None
        scheme, (host, path) = "ssh", scp.groups()
    parts = [p for p in path.removesuffix("/").removesuffix(".git").split("/") if p]
    if len(parts) < 2 or scheme == "file":
        return None
    return RepoAddress(host, parts[-2], parts[-1], scheme, "/".join(parts[:-1]))


def detect_kind(host: str) -> str | None:
    """The forge a host name says (github.com, gitlab.*, gitea/codeberg/forgejo hosts)."""
    host = host.lower()
    if host == "github.com" or host.startswith("github."):
        return "github"
    if "gitlab" in host:
        return "gitlab"
    if any(word in host for word in ("gitea", "forgejo", "codeberg")):
        return "gitea"
    return None


def default_api_url(kind: str, address: RepoAddress) -> str:
    """The API root of a forge on the remote's host (Enterprise / self-managed included)."""
    if kind == "github":
        return (
            "https://api.github.com"
            if address.host == "github.com"
            else f"https://{address.host}/api/v3"
        )
    if kind == "gitlab":
        return f"https://{address.host}/api/v4"
    return f"https://{address.host}/api/v1"


def make_forge(kind: str, api_url: str | None = None, **options: Any) -> Forge:
    """A client for `kind`; the token comes from the environment."""
    try:
        cls = KINDS[kind]
    except KeyError:
        raise UsageError(f"unknown forge {kind!r} (github, gitlab or gitea)") from None
    return cls(api_url, **options)
