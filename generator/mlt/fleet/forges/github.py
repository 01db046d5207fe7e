"""GitHub and GitHub Enterprise (REST API v3; Enterprise at https://HOST/api/v3)."""

from __future__ import annotations

from typing import Any

from mlt.fleet.forges.base import Forge, PullRequest, RemoteRepo
from mlt.fleet.forges.http import ForgeError


class GitHub(Forge):
    kind = "github"
    git_username = "x-access-token"  # what HTTPS git pushes pair with the token
    token_vars = ("GITHUB_TOKEN", "GH_TOKEN")
    default_api = "https://api.github.com"

    def auth_headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def open_prs(self, owner: str, name: str, head_prefix: str) -> list[PullRequest]:
        pulls = self.api.pages(f"/repos/{owner}/{name}/pulls", {"state": "open", "per_page": 100})
        return [_pr(p) for p in pulls if p["head"]["ref"].startswith(head_prefix) and _same_repo(p)]

    def create_pr(
        self, owner: str, name: str, head: str, base: str, title: str, body: str, draft: bool
    ) -> PullRequest:
        data = {"title": title, "head": head, "base": base, "body": body, "draft": draft}
        path = f"/repos/{owner}/{name}/pulls"
        answer = self.api.request("POST", path, json=data, ok=(201, 422))
        # 422 "A pull request already exists for owner:head"
        return (
            _pr(answer)
            if isinstance(answer, dict)
            else self.existing_pr(owner, name, head, path, answer)
        )

    def update_pr(self, owner: str, name: str, pr: PullRequest, title: str, body: str) -> None:
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
        return data.get("state") if data and data.get("total_count") else None

    def list_repos(self, org: str) -> list[RemoteRepo]:
        return self._repos(self.api.pages(f"/orgs/{org}/repos", {"per_page": 100, "type": "all"}))

    @staticmethod
    def _repos(repos: Any) -> list[RemoteRepo]:
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


def _same_repo(pull: dict[str, Any]) -> bool:
    head_repo = pull["head"].get("repo") or {}
    base_repo = pull["base"].get("repo") or {}
    return head_repo.get("full_name") == base_repo.get("full_name")


def _pr(data: dict[str, Any]) -> PullRequest:
    if "number" not in data:
        raise ForgeError("GitHub answered a pull request without a number")
    return PullRequest(
        data["number"],
        data["html_url"],
        data["head"]["ref"],
        data.get("state", "open"),
        bool(data.get("draft")),
        data.get("title", ""),
    )
