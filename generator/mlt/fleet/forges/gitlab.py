"""GitLab.com and self-managed GitLab (REST API v4 at https://HOST/api/v4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from mlt.fleet.forges.base import Forge, PullRequest, RemoteRepo

DRAFT = "Draft: "


class GitLab(Forge):
    kind = "gitlab"
    git_username = "oauth2"  # what HTTPS git pushes pair with the token
    token_vars = ("GITLAB_TOKEN", "CI_JOB_TOKEN")
    default_api = "https://gitlab.com/api/v4"

    def auth_headers(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self.token} if self.token else {}

    def owner_of(self, address: Any) -> str:
        # GitLab projects live in nested groups: the whole namespace names them.
        return address.namespace or address.owner

    @staticmethod
    def _project(owner: str, name: str) -> str:
        # GitLab takes "group/subgroup/name" URL-encoded as the project id.
        return quote(f"{owner}/{name}", safe="")

    def open_prs(self, owner: str, name: str, head_prefix: str) -> list[PullRequest]:
        mrs = self.api.pages(
            f"/projects/{self._project(owner, name)}/merge_requests",
            {"state": "opened", "per_page": 100},
        )
        return [_mr(m) for m in mrs if m["source_branch"].startswith(head_prefix)]

    def create_pr(
        self, owner: str, name: str, head: str, base: str, title: str, body: str, draft: bool
    ) -> PullRequest:
        data = {
            "source_branch": head,
            "target_branch": base,
            "title": f"{DRAFT}{title}" if draft else title,
            "description": body,
            "remove_source_branch": True,
        }
        path = f"/projects/{self._project(owner, name)}/merge_requests"
        answer = self.api.request("POST", path, json=data, ok=(201, 409))
        # 409 "Another open merge request already exists for this source branch"
        return (
            _mr(answer)
            if isinstance(answer, dict)
            else self.existing_pr(owner, name, head, path, answer)
        )

    def update_pr(self, owner: str, name: str, pr: PullRequest, title: str, body: str) -> None:
        title = f"{DRAFT}{title}" if pr.draft else title
        self.api.request(
            "PUT",
            f"/projects/{self._project(owner, name)}/merge_requests/{pr.number}",
            json={"title": title, "description": body},
        )

    def close_pr(self, owner: str, name: str, pr: PullRequest, comment: str) -> None:
        path = f"/projects/{self._project(owner, name)}/merge_requests/{pr.number}"
        self.api.request("POST", f"{path}/notes", json={"body": comment})
        self.api.request("PUT", path, json={"state_event": "close"})

    def ci_state(self, owner: str, name: str, pr: PullRequest) -> str | None:
        data = self.api.request(
            "GET", f"/projects/{self._project(owner, name)}/merge_requests/{pr.number}"
        )
        pipeline = (data or {}).get("head_pipeline") or {}
        return pipeline.get("status")

    def list_repos(self, org: str) -> list[RemoteRepo]:
        projects = self.api.pages(
            f"/groups/{quote(org, safe='')}/projects",
            {"include_subgroups": "true", "per_page": 100, "archived": "false"},
        )
        return [
            RemoteRepo(
                p["path_with_namespace"].rsplit("/", 1)[0],
                p["path"],
                p["http_url_to_repo"],
                p.get("default_branch"),
            )
            for p in projects
        ]

    def has_file(self, repo: RemoteRepo, path: str) -> bool:
        answer = self.api.request(
            "GET",
            f"/projects/{self._project(repo.owner, repo.name)}/repository/files/"
            f"{quote(path, safe='')}",
            params={"ref": repo.default_branch or "HEAD"},
            ok=(200, 404),
        )
        return isinstance(answer, dict)


def _mr(data: dict[str, Any]) -> PullRequest:
    title = data.get("title", "")
    draft = bool(data.get("draft") or data.get("work_in_progress"))
    return PullRequest(
        data["iid"],
        data["web_url"],
        data["source_branch"],
        data.get("state", "opened"),
        draft,
        title.removeprefix(DRAFT),
    )
