"""Gitea and Forgejo (REST API at https://HOST/api/v1)."""

from __future__ import annotations

from typing import Any

from mlt.fleet.forges.base import Forge, PullRequest, RemoteRepo

DRAFT = "WIP: "  # Gitea's draft marker is a title prefix


class Gitea(Forge):
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
        if isinstance(answer, dict):
            return _pr(answer)
        existing = [p for p in self.open_prs(owner, name, head) if p.head == head]
        if existing:
            return existing[0]
        raise self.api.error_for("POST", path, answer)

    def update_pr(self, owner: str, name: str, pr: PullRequest, title: str, body: str) -> None:
        title = f"{DRAFT}{title}" if pr.draft else title
        self.api.request(
            "PATCH", f"/repos/{owner}/{name}/pulls/{pr.number}", json={"title": title, "body": body}
        )

    def close_pr(self, owner: str, name: str, pr: PullRequest, comment: str) -> None:
        self.api.request(
            "POST", f"/repos/{owner}/{name}/issues/{pr.number}/comments", json={"body": comment}
        )
        self.api.request(
            "PATCH", f"/repos/{owner}/{name}/pulls/{pr.number}", json={"state": "closed"}
        )

    def ci_state(self, owner: str, name: str, pr: PullRequest) -> str | None:
        data = self.api.request("GET", f"/repos/{owner}/{name}/commits/{pr.head}/status")
        return (data or {}).get("state") or None

    def list_repos(self, org: str) -> list[RemoteRepo]:
        repos = self.api.pages(f"/orgs/{org}/repos", {"limit": 50})
        return [
            RemoteRepo(r["owner"]["login"], r["name"], r["clone_url"], r.get("default_branch"))
            for r in repos
            if not r.get("archived")
        ]

    def has_file(self, repo: RemoteRepo, path: str) -> bool:
        answer = self.api.request(
            "GET", f"/repos/{repo.owner}/{repo.name}/contents/{path}", ok=(200, 404)
        )
        return isinstance(answer, dict)


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
