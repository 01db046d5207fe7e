"""Gitea and Forgejo (REST API at https://HOST/api/v1): GitHub's shape, with its own
auth scheme, paging parameter, draft marker and 409 for an existing pull request."""

from __future__ import annotations

from typing import Any

from mlt.fleet.forges.base import PullRequest, RemoteRepo
from mlt.fleet.forges.github import GitHub

DRAFT = "WIP: "  # Gitea's draft marker is a title prefix


class Gitea(GitHub):
    kind = "gitea"
    git_username = "oauth2"  # what HTTPS git pushes pair with the token
    token_vars = ("GITEA_TOKEN", "FORGEJO_TOKEN")
    default_api = "https://gitea.com/api/v1"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"} if self.token else {}

    def open_prs(self, owner: str, name: str, head_prefix: str) -> list[PullRequest]:
        pulls = self.api.pages(f"/repos/{owner}/{name}/pulls", {"state": "open", "limit": 50})
        return [_pr(p) for p in pulls if p["head"]["ref"].startswith(head_prefix)]

    def create_pr(
        self, owner: str, name: str, head: str, base: str, title: str, body: str, draft: bool
    ) -> PullRequest:
        data = {"head": head, "base": base, "title": f"{DRAFT}{title}" if draft else title}
        data["body"] = body
        path = f"/repos/{owner}/{name}/pulls"
        answer = self.api.request("POST", path, json=data, ok=(201, 409, 422))
        return (
            _pr(answer)
            if isinstance(answer, dict)
            else self.existing_pr(owner, name, head, path, answer)
        )

    def update_pr(self, owner: str, name: str, pr: PullRequest, title: str, body: str) -> None:
        super().update_pr(owner, name, pr, f"{DRAFT}{title}" if pr.draft else title, body)

    def ci_state(self, owner: str, name: str, pr: PullRequest) -> str | None:
        data = self.api.request("GET", f"/repos/{owner}/{name}/commits/{pr.head}/status")
        return (data or {}).get("state") or None

    def list_repos(self, org: str) -> list[RemoteRepo]:
        return self._repos(self.api.pages(f"/orgs/{org}/repos", {"limit": 50}))


def _pr(data: dict[str, Any]) -> PullRequest:
    title = data.get("title", "")
    return PullRequest(
        data["number"],
        data["html_url"],
        data["head"]["ref"],
        data.get("state", "open"),
        title.startswith(DRAFT) or bool(data.get("draft")),
        title.removeprefix(DRAFT),
    )
