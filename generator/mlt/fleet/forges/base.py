"""What mlt asks of a forge, whatever its API: pull requests by branch, repo listings, status."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from mlt.fleet.forges.http import Api


@dataclass
class PullRequest:
    """An open (or just closed) pull/merge request."""

    number: int
    url: str
    head: str
    state: str = "open"
    draft: bool = False
    title: str = ""


@dataclass
class RemoteRepo:
    """A repository found by a forge listing."""

    owner: str
    name: str
    clone_url: str
    default_branch: str | None = None


class Forge:
    """A forge's pull-request API; subclasses map these calls onto their REST endpoints."""

    kind = ""
    git_username = "x-access-token"
    token_vars: tuple[str, ...] = ()
    default_api = ""

    def __init__(self, api_url: str | None = None, token: str | None = None, **api: Any) -> None:
        self.token = token if token is not None else token_from_env(self.token_vars)
        self.api = Api(api_url or self.default_api, self.auth_headers(), **api)

    def git_auth(self) -> Any:
        """Credentials for git over HTTPS to this forge: the token, with the forge's username
        (MLT_GIT_USERNAME overrides it)."""
        from mlt.fleet.git_work import GitAuth

        return GitAuth(self.token, os.environ.get("MLT_GIT_USERNAME") or self.git_username)

    def auth_headers(self) -> dict[str, str]:
        """The headers that carry the token (none without one: public reads still work)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the HTTP client."""
        self.api.close()

    def owner_of(self, address: Any) -> str:
        """The owner part of the API's repository path for a remote (a RepoAddress)."""
        return address.owner

    # Pull requests -----------------------------------------------------------------------
    def open_prs(self, owner: str, name: str, head_prefix: str) -> list[PullRequest]:
        """Open pull requests whose head branch (in this repository) starts with the prefix."""
        raise NotImplementedError

    def create_pr(
        self, owner: str, name: str, head: str, base: str, title: str, body: str, draft: bool
    ) -> PullRequest:
        """Open a pull request from `head` into `base`; None when one exists for `head`."""
        raise NotImplementedError

    def update_pr(self, owner: str, name: str, pr: PullRequest, title: str, body: str) -> None:
        """Replace the title and body of an open pull request."""
        raise NotImplementedError

    def close_pr(self, owner: str, name: str, pr: PullRequest, comment: str) -> None:
        """Comment on a pull request, then close it."""
        raise NotImplementedError

    def existing_pr(self, owner: str, name: str, head: str, path: str, answer: Any) -> PullRequest:
        """After a create call answered "already exists" (another run or a person opened it
        between our listing and our call): that open PR, or the forge's error."""
        for pr in self.open_prs(owner, name, head):
            if pr.head == head:
                return pr
        raise self.api.error_for("POST", path, answer)

    def ci_state(self, owner: str, name: str, pr: PullRequest) -> str | None:
        """The head commit's combined CI state (success, failure, pending, ...), if known."""
        return None

    # Listings ----------------------------------------------------------------------------
    def list_repos(self, org: str) -> list[RemoteRepo]:
        """Every repository of an organisation / group (all pages)."""
        raise NotImplementedError

    def has_file(self, repo: RemoteRepo, path: str) -> bool:
        """True when the repository's default branch holds `path`."""
        raise NotImplementedError


def token_from_env(names: tuple[str, ...]) -> str | None:
    """The first non-empty token among MLT_FORGE_TOKEN and the forge's own variables."""
    for name in ("MLT_FORGE_TOKEN", *names):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None
