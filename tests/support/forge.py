"""A local forge for fleet tests: GitHub, GitLab or Gitea REST, checked against their docs.

Every request is checked for what the forge's documentation requires — method and path of a
documented endpoint, the auth header in the forge's own scheme, the required JSON fields —
and anything else is answered 404 and recorded in `violations` (a test asserts it is empty).
It answers like the forge: 201 with the PR, 401 on a bad token, 404 for unknown repos, 422
(GitHub) / 409 (GitLab, Gitea) when a PR for the branch exists, paged lists with Link
headers, and scripted faults (e.g. one 403 with rate-limit headers) from `fail_next`.
A pull request can only be opened for a branch that really exists in the bare repository.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN = "s3cr3t-forge-token"

AUTH = {
    "github": lambda h: h.get("Authorization") in (f"Bearer {TOKEN}", f"token {TOKEN}"),
    "gitlab": lambda h: (
        h.get("PRIVATE-TOKEN") == TOKEN or h.get("Authorization") == f"Bearer {TOKEN}"
    ),
    "gitea": lambda h: h.get("Authorization") in (f"token {TOKEN}", f"Bearer {TOKEN}"),
}
PREFIX = {"github": "", "gitlab": "/api/v4", "gitea": "/api/v1"}


class FakeForge:
    """One forge of `kind` over the bare repositories under `git_root` (owner/name.git)."""

    def __init__(self, kind: str, git_root: Path, page_size: int = 2) -> None:
        self.kind = kind
        self.git_root = git_root
        self.page_size = page_size
        self.prs: dict[str, list[dict[str, Any]]] = {}  # "owner/name" -> PRs
        self.comments: dict[tuple[str, int], list[str]] = {}
        self.statuses: dict[str, str] = {}  # head branch -> CI state
        self.requests: list[tuple[str, str]] = []
        self.violations: list[str] = []
        self.fail_next: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        self.lock = threading.Lock()
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                forge.dispatch(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PREFIX[kind]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------------------------
    def repos(self) -> list[str]:
        return sorted(
            str(p.relative_to(self.git_root)).removesuffix(".git")
            for p in self.git_root.glob("*/*.git")
        )

    def branch_exists(self, repo: str, branch: str) -> bool:
        bare = self.git_root / f"{repo}.git"
        return (
            subprocess.run(
                ["git", "rev-parse", "-q", "--verify", f"refs/heads/{branch}"],
                cwd=bare,
                capture_output=True,
                check=False,
            ).returncode
            == 0
        )

    def has_file(self, repo: str, path: str) -> bool:
        bare = self.git_root / f"{repo}.git"
        run = subprocess.run(
            ["git", "cat-file", "-e", f"HEAD:{path}"], cwd=bare, capture_output=True, check=False
        )
        return run.returncode == 0

    def open_prs(self, repo: str) -> list[dict[str, Any]]:
        return [p for p in self.prs.get(repo, []) if p["state"] == "open"]

    def race_pr(self, repo: str, head: str, base: str = "main") -> None:
        """A PR someone else opens for `head` just after mlt listed the open ones: the next
        list does not show it, the create call then meets it (422/409)."""
        pr = self._new_pr(repo, head, base, "opened by a colleague", "", False)
        pr["hide_once"] = True

    def _listed(self, repo: str, state: str) -> list[dict[str, Any]]:
        shown = []
        for pr in self.prs.get(repo, []):
            if pr.pop("hide_once", False):
                continue
            if state == "all" or pr["state"] == state:
                shown.append(pr)
        return shown

    # ------------------------------------------------------------------------------------
    def dispatch(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        path, query = unquote(parts.path), {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append((req.command, parts.path))
            if self.fail_next:
                status, headers, body = self.fail_next.pop(0)
                return _send(req, status, body, headers)
            if not AUTH[self.kind](req.headers):
                msg = "Bad credentials" if self.kind == "github" else "401 Unauthorized"
                return _send(req, 401, {"message": msg})
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                return self._bad(req, f"{req.command} {path}: body is not JSON")
            if self.kind == "github" and req.headers.get("X-GitHub-Api-Version") not in (
                None,
                "2022-11-28",
            ):
                return self._bad(req, "unknown X-GitHub-Api-Version")
            handler = getattr(self, f"_{self.kind}")
            result = handler(req.command, path.removeprefix(PREFIX[self.kind]), query, body)
            if result is None:
                self.violations.append(f"undocumented: {req.command} {parts.path}")
                return _send(req, 404, {"message": "Not Found"})
            status, payload, *rest = result
            if isinstance(payload, list):
                return self._paged(req, parts.path, query, payload)
            return _send(req, status, payload, rest[0] if rest else {})

    def _bad(self, req: BaseHTTPRequestHandler, why: str) -> None:
        self.violations.append(why)
        _send(req, 400, {"message": why})

    def _paged(self, req: Any, path: str, query: dict[str, str], items: list[Any]) -> None:
        size_key = "limit" if self.kind == "gitea" else "per_page"
        size = min(int(query.get(size_key, 30)), self.page_size)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * size : page * size]
        headers: dict[str, str] = {}
        if page * size < len(items):
            nxt = {**query, "page": str(page + 1)}
            link = "&".join(f"{k}={v}" for k, v in nxt.items())
            host = req.headers.get("Host")
            headers["Link"] = f'<http://{host}{path}?{link}>; rel="next"'
            if self.kind == "gitlab":
                headers["X-Next-Page"] = str(page + 1)
        _send(req, 200, chunk, headers)

    def _require(self, body: dict[str, Any], *fields: str) -> tuple[int, dict[str, Any]] | None:
        missing = [f for f in fields if not body.get(f)]
        if missing:
            self.violations.append(f"missing required field(s): {missing}")
            return 422, {"message": "Validation Failed", "errors": missing}
        return None

    def _new_pr(self, repo: str, head: str, base: str, title: str, body: str, draft: bool) -> Any:
        prs = self.prs.setdefault(repo, [])
        number = len(prs) + 1
        pr = {
            "number": number,
            "head": head,
            "base": base,
            "title": title,
            "body": body,
            "draft": draft,
            "state": "open",
            "url": f"http://forge.test/{repo}/pull/{number}",
        }
        prs.append(pr)
        return pr

    def _pr_for(self, repo: str, number: str) -> dict[str, Any] | None:
        for pr in self.prs.get(repo, []):
            if str(pr["number"]) == number:
                return pr
        return None

    # GitHub and Gitea: one REST shape, each dialect's words are data (GITHUB, GITEA) ----------
    def _github(self, method: str, path: str, q: dict[str, str], body: dict[str, Any]) -> Any:
        return self._github_like(GITHUB, method, path, q, body)

    def _gitea(self, method: str, path: str, q: dict[str, str], body: dict[str, Any]) -> Any:
        return self._github_like(GITEA, method, path, q, body)

    def _github_like(
        self, d: Dialect, method: str, path: str, q: dict[str, str], body: dict[str, Any]
    ) -> Any:
        m = re.fullmatch(r"/orgs/([^/]+)/repos", path)
        if m and method == "GET":
            repos = [r for r in self.repos() if r.split("/")[0] == m.group(1)]
            return 200, [self._gh_repo(r) for r in repos]
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/(.+)", path)
        if not m:
            return None
        repo, rest = m.groups()
        if repo not in self.repos():
            return 404, {"message": d.not_found}
        if rest.startswith("contents/") and method == "GET":
            found = self.has_file(repo, rest.removeprefix("contents/"))
            return (200, {"type": "file"}) if found else (404, {"message": d.file_not_found})
        if rest == "pulls" and method == "GET":
            return 200, [d.pr(self, repo, p) for p in self._listed(repo, q.get("state", "open"))]
        if rest == "pulls" and method == "POST":
            return getattr(self, d.open_pr)(repo, body)
        m = re.fullmatch(r"pulls/(\d+)", rest)
        if m and method == "PATCH":
            pr = self._pr_for(repo, m.group(1))
            if pr is None:
                return 404, {"message": d.not_found}
            return getattr(self, d.edit_pr)(repo, pr, body)
        m = re.fullmatch(r"issues/(\d+)/comments", rest)
        if m and method == "POST":
            if err := self._require(body, "body"):
                return err
            self.comments.setdefault((repo, int(m.group(1))), []).append(body["body"])
            return 201, d.comment(body["body"])
        m = re.fullmatch(r"commits/(.+)/status", rest)
        if m and method == "GET":
            return 200, d.status(self.statuses.get(m.group(1)))
        return None

    def _gh_open(self, repo: str, body: dict[str, Any]) -> Any:
        if err := self._require(body, "title", "head", "base"):
            return err
        head = body["head"].split(":")[-1]
        if not self.branch_exists(repo, head):
            errors = [{"resource": "PullRequest", "field": "head", "code": "invalid"}]
            return 422, {"message": "Validation Failed", "errors": errors}
        if any(p["head"] == head for p in self.open_prs(repo)):
            owner = repo.split("/")[0]
            msg = f"A pull request already exists for {owner}:{head}."
            errors = [{"resource": "PullRequest", "code": "custom", "message": msg}]
            return 422, {"message": "Validation Failed", "errors": errors}
        draft = bool(body.get("draft"))
        pr = self._new_pr(repo, head, body["base"], body["title"], body.get("body", ""), draft)
        return 201, self._gh_pr(repo, pr)

    def _gh_edit(self, repo: str, pr: dict[str, Any], body: dict[str, Any]) -> Any:
        unknown = set(body) - {"title", "body", "state", "base", "maintainer_can_modify"}
        if unknown:
            return self._unknown(unknown)
        pr.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
        return 200, self._gh_pr(repo, pr)

    def _unknown(self, fields: set[str]) -> Any:
        self.violations.append(f"undocumented field(s): {sorted(fields)}")
        return 422, {"message": "Validation Failed"}

    def _gh_repo(self, repo: str) -> dict[str, Any]:
        owner, name = repo.split("/")
        return {
            "name": name,
            "full_name": repo,
            "owner": {"login": owner},
            "clone_url": f"{self.clone_base}/{repo}.git",
            "default_branch": "main",
            "archived": False,
        }

    def _gh_pr(self, repo: str, pr: dict[str, Any]) -> dict[str, Any]:
        """Gitea's PR shape, plus what GitHub adds: `draft` and the branches' repositories."""
        full = {"full_name": repo}
        shown = self._gt_pr(pr)
        shown.update(
            draft=pr["draft"],
            head={"ref": pr["head"], "repo": full},
            base={"ref": pr["base"], "repo": full},
        )
        return shown

    # GitLab -----------------------------------------------------------------------------
    def _gitlab(self, method: str, path: str, q: dict[str, str], body: dict[str, Any]) -> Any:
        m = re.fullmatch(r"/groups/([^/]+)/projects", path)
        if m and method == "GET":
            repos = [r for r in self.repos() if r.split("/")[0] == m.group(1)]
            return 200, [
                {
                    "path": r.split("/")[1],
                    "path_with_namespace": r,
                    "http_url_to_repo": f"{self.clone_base}/{r}.git",
                    "default_branch": "main",
                }
                for r in repos
            ]
        m = re.fullmatch(r"/projects/([^/]+/[^/]+)/(.+)", path)
        if not m:
            return None
        repo, rest = m.groups()
        if repo not in self.repos():
            return 404, {"message": "404 Project Not Found"}
        if rest.startswith("repository/files/") and method == "GET":
            if "ref" not in q:  # documented as required
                self.violations.append("files API without ref")
                return 400, {"error": "ref is missing"}
            found = self.has_file(repo, rest.removeprefix("repository/files/"))
            return (200, {"file_name": "x"}) if found else (404, {"message": "404 File Not Found"})
        if rest == "merge_requests" and method == "GET":
            state = {"opened": "open", "closed": "closed"}.get(q.get("state", "all"), "all")
            return 200, [self._gl_mr(p) for p in self._listed(repo, state)]
        if rest == "merge_requests" and method == "POST":
            if err := self._require(body, "source_branch", "target_branch", "title"):
                return err
            head = body["source_branch"]
            if not self.branch_exists(repo, head):
                return 422, {"message": ["Source branch does not exist"]}
            if any(p["head"] == head for p in self.open_prs(repo)):
                msg = "Another open merge request already exists for this source branch: !1"
                return 409, {"message": [msg]}
            title = body["title"]
            pr = self._new_pr(
                repo,
                head,
                body["target_branch"],
                title,
                body.get("description", ""),
                title.startswith("Draft:"),
            )
            return 201, self._gl_mr(pr)
        m = re.fullmatch(r"merge_requests/(\d+)", rest)
        if m and method in ("PUT", "GET"):
            pr = self._pr_for(repo, m.group(1))
            if pr is None:
                return 404, {"message": "404 Not found"}
            if method == "PUT":
                if body.get("state_event") == "close":
                    pr["state"] = "closed"
                if "title" in body:
                    pr["title"] = body["title"]
                    pr["draft"] = body["title"].startswith("Draft:")
                if "description" in body:
                    pr["body"] = body["description"]
            return 200, self._gl_mr(pr)
        m = re.fullmatch(r"merge_requests/(\d+)/notes", rest)
        if m and method == "POST":
            if err := self._require(body, "body"):
                return err
            self.comments.setdefault((repo, int(m.group(1))), []).append(body["body"])
            return 201, {"id": 1}
        return None

    def _gl_mr(self, pr: dict[str, Any]) -> dict[str, Any]:
        state = {"open": "opened"}.get(pr["state"], pr["state"])
        pipeline = {"status": self.statuses[pr["head"]]} if pr["head"] in self.statuses else None
        return {
            "iid": pr["number"],
            "web_url": pr["url"],
            "source_branch": pr["head"],
            "target_branch": pr["base"],
            "title": pr["title"],
            "description": pr["body"],
            "draft": pr["draft"],
            "state": state,
            "head_pipeline": pipeline,
        }

    def _gt_open(self, repo: str, body: dict[str, Any]) -> Any:
        if err := self._require(body, "head", "base", "title"):
            return err
        if not self.branch_exists(repo, body["head"]):
            return 404, {"message": "The target couldn't be found."}
        if any(p["head"] == body["head"] for p in self.open_prs(repo)):
            return 409, {"message": "pull request already exists for these targets"}
        pr = self._new_pr(
            repo,
            body["head"],
            body["base"],
            body["title"],
            body.get("body", ""),
            body["title"].startswith("WIP:"),
        )
        return 201, self._gt_pr(pr)

    def _gt_edit(self, repo: str, pr: dict[str, Any], body: dict[str, Any]) -> Any:
        pr.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
        pr["draft"] = pr["title"].startswith("WIP:")
        return 201, self._gt_pr(pr)

    def _gt_pr(self, pr: dict[str, Any]) -> dict[str, Any]:
        return {
            "number": pr["number"],
            "html_url": pr["url"],
            "state": pr["state"],
            "title": pr["title"],
            "body": pr["body"],
            "head": {"ref": pr["head"]},
            "base": {"ref": pr["base"]},
        }

    clone_base = "http://git.invalid"


@dataclass(frozen=True)
class Dialect:
    """What differs between GitHub's REST API and Gitea's copy of it, on the routes they share."""

    not_found: str  # the message of a 404 for a repository or pull request
    file_not_found: str  # the message of a 404 from contents/
    pr: Callable[[FakeForge, str, dict[str, Any]], dict[str, Any]]  # a PR as the API shows it
    comment: Callable[[str], dict[str, Any]]  # the answer to a new comment
    status: Callable[[str | None], dict[str, Any]]  # a commit's combined status
    open_pr: str  # the FakeForge method that opens a PR (their rules differ)
    edit_pr: str  # and the one that edits it


GITHUB = Dialect(
    not_found="Not Found",
    file_not_found="Not Found",
    pr=lambda forge, repo, pr: forge._gh_pr(repo, pr),
    comment=lambda body: {"id": 1, "body": body},
    status=lambda state: {"state": state or "pending", "total_count": int(bool(state))},
    open_pr="_gh_open",
    edit_pr="_gh_edit",
)
GITEA = Dialect(
    not_found="The target couldn't be found.",
    file_not_found="not found",
    pr=lambda forge, repo, pr: forge._gt_pr(pr),
    comment=lambda body: {"id": 1},
    status=lambda state: {"state": state or "", "statuses": []},
    open_pr="_gt_open",
    edit_pr="_gt_edit",
)


def _send(req: Any, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode()
    req.send_response(status)
    req.send_header("Content-Type", "application/json")
    req.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        req.send_header(key, value)
    req.end_headers()
    req.wfile.write(data)


def rate_limited(kind: str, wait: int = 1) -> tuple[int, dict[str, str], dict[str, Any]]:
    """One 403/429 answer with the forge's rate-limit headers, resetting in `wait` seconds."""
    if kind == "github":
        reset = str(int(time.time()) + wait)
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
        return 403, headers, {"message": "API rate limit exceeded"}
    return 429, {"Retry-After": str(wait)}, {"message": "rate limit"}
