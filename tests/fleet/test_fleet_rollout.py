"""Fleet rollout against real remotes: bare repos over file:// and over smart HTTP
(git http-backend behind lighttpd, basic auth), with PRs on a local forge that checks
every call against the forge's documented API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlt.cli import app
from tests.support.forge import TOKEN, FakeForge, rate_limited
from tests.support.git import commit_all, git
from tests.support.git_server import GitHttpServer
from tests.support.trees import write_tree
from tests.support.update_kit import make_child, v2_changes


@pytest.fixture
def server(tmp_path):
    users = {"alice": "wonderland", "x-access-token": TOKEN, "oauth2": TOKEN}
    srv = GitHttpServer(tmp_path / "http", users)
    yield srv
    srv.stop()


def store_credentials(server: GitHttpServer, user: str, password: str) -> None:
    """The user's own git credentials, as `git credential-store` keeps them."""
    home = Path(
        git(Path.cwd(), "config", "--global", "--list", "--show-origin")
        .split()[0]
        .removeprefix("file:")
    ).parent
    (home / ".git-credentials").write_text(f"http://{user}:{password}@127.0.0.1:{server.port}\n")
    git(home, "config", "--global", "credential.helper", "store")


def kids_with_outcomes(tmp_path, template):
    """Three children at v1: one clean, one whose edit collides with v2, one already at v2."""
    clean = make_child(tmp_path / "kids", "clean", str(template.root), "v1")
    clash = make_child(tmp_path / "kids", "clash", str(template.root), "v1")
    current = make_child(tmp_path / "kids", "current", str(template.root), "v1")
    app_py = (clash / "src/app.py").read_text().replace("return 7", "return 7777")
    write_tree(clash, {"src/app.py": app_py})
    commit_all(clash, "team edit")
    template.release(v2_changes(template.root), "v2")
    return clean, clash, current


def fleet_run(runner, *args: str, env: dict[str, str] | None = None):
    result = runner.invoke(app, ["fleet", "update", *args, "--json"], env=env)
    assert result.stdout, result.stderr
    return result, json.loads(result.stdout)


def bare_sh(server_root: Path, slug: str, *args: str) -> str:
    return git(server_root / f"{slug}.git", *args)


def test_push_over_file_urls_is_idempotent(tmp_path, template, runner):
    clean, clash, _ = kids_with_outcomes(tmp_path, template)
    remotes = tmp_path / "remotes"
    urls = []
    for kid in (clean, clash):
        bare = remotes / f"acme/{kid.name}.git"
        git(tmp_path, "clone", "-q", "--bare", str(kid), str(bare))
        urls.append(f"file://{bare}")
    fleet = tmp_path / "fleet.txt"
    fleet.write_text("\n".join(urls) + "\n")
    main_before = [git(Path(u[7:]), "rev-parse", "main") for u in urls]

    result, report = fleet_run(runner, str(fleet), "--push")

    assert result.exit_code == 3, result.output
    clean_row, clash_row = report["repos"]
    assert (clean_row["status"], clash_row["status"]) == ("updated", "conflict")
    assert clean_row["pushed"] and clash_row["pushed"]
    for url, before in zip(urls, main_before, strict=True):
        bare = Path(url[7:])
        assert git(bare, "rev-parse", "main") == before  # never a half-merged default branch
        assert git(bare, "rev-parse", "mlt/update-v2^1") == before
    clash_bare = Path(urls[1][7:])
    app_py = git(clash_bare, "show", "mlt/update-v2:src/app.py")
    assert "<<<<<<<" in app_py and "return 7777" in app_py and "return 70" in app_py
    pushed = [git(Path(u[7:]), "rev-parse", "mlt/update-v2") for u in urls]

    again, report = fleet_run(runner, str(fleet), "--push")

    assert again.exit_code == 3
    assert [r["pushed"] for r in report["repos"]] == [False, False]  # same content: no churn
    assert [git(Path(u[7:]), "rev-parse", "mlt/update-v2") for u in urls] == pushed

    no_forge, report = fleet_run(runner, str(fleet), "--open-prs")
    assert no_forge.exit_code == 1
    assert all("not on a forge" in r["error"] for r in report["repos"])


def test_open_prs_over_http_with_github_api(tmp_path, template, runner, server):
    clean, clash, current = kids_with_outcomes(tmp_path, template)
    from mlt.update import update_project

    assert update_project(current).status == "updated"
    urls = [server.publish(kid, f"acme/{kid.name}") for kid in (clean, clash, current)]
    forge = FakeForge("github", server.root)
    fleet = tmp_path / "fleet.txt"
    fleet.write_text("\n".join(urls) + "\n")
    env = {"GITHUB_TOKEN": TOKEN}
    args = [str(fleet), "--open-prs", "--forge", "github", "--api-url", forge.url]
    try:
        result, report = fleet_run(runner, *args, env=env)

        assert result.exit_code == 3, result.output
        rows = {Path(r["repo"]).name: r for r in report["repos"]}
        assert [rows[n]["status"] for n in ("clean.git", "clash.git", "current.git")] == [
            "updated",
            "conflict",
            "up-to-date",
        ]
        (clean_pr,) = forge.open_prs("acme/clean")
        (clash_pr,) = forge.open_prs("acme/clash")
        assert forge.open_prs("acme/current") == []
        assert not clean_pr["draft"] and clash_pr["draft"]
        assert (clean_pr["head"], clean_pr["base"]) == ("mlt/update-v2", "main")
        assert "`v1` to `v2`" in clean_pr["body"] and "`CHANGELOG.md`: written" in clean_pr["body"]
        assert "- [ ] `src/app.py`" in clash_pr["body"]
        assert rows["clean.git"]["pr_url"] == clean_pr["url"]
        # the token went over the wire as the forge wants it, and nowhere else
        assert TOKEN not in result.stdout + result.stderr
        clone = Path(rows["clash.git"]["path"])
        assert TOKEN not in (clone / ".git/config").read_text()
        assert "@" not in git(clone, "remote", "get-url", "origin")

        # again: the same PRs, no second one
        again, report = fleet_run(runner, *args, env=env)
        assert again.exit_code == 3
        assert len(forge.prs["acme/clean"]) == 1 and len(forge.prs["acme/clash"]) == 1
        assert {r["pr_action"] for r in report["repos"] if r["pr_url"]} == {"unchanged"}

        # a newer release supersedes the open PR
        template.release({"project/NEWS.md": "v3 news\n"}, "v3")
        third, report = fleet_run(runner, *args, env=env)
        assert third.exit_code == 3, third.output
        old, new = forge.prs["acme/clean"]
        assert old["state"] == "closed" and new["state"] == "open"
        assert new["head"] == "mlt/update-v3"
        assert new["url"] in forge.comments[("acme/clean", old["number"])][0]
        assert forge.violations == []
    finally:
        forge.close()


def test_merged_pr_becomes_the_next_base(tmp_path, template, runner, server):
    clean = make_child(tmp_path / "kids", "svc", str(template.root), "v1")
    (clean / "NOTES.md").write_text("team notes\n")
    git(clean, "rm", "-q", "config.yaml")  # a file the team deleted stays deleted
    commit_all(clean, "team work")
    template.release(v2_changes(template.root), "v2")
    url = server.publish(clean, "acme/svc")
    store_credentials(server, "alice", "wonderland")  # the user's own git credentials
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(url + "\n")
    assert fleet_run(runner, str(fleet), "--push")[0].exit_code == 0
    # the team merges the PR with a merge commit on the forge
    work = tmp_path / "merge"
    git(tmp_path, "clone", "-q", url, str(work))
    git(work, "merge", "-q", "--no-ff", "-m", "Merge PR", "origin/mlt/update-v2")
    git(work, "push", "-q", "origin", "main")
    template.release(
        {"project/config.yaml": "name: demo\nlevel: 2\nretries: 3\n", "project/NEWS.md": "3\n"},
        "v3",
    )

    result, report = fleet_run(runner, str(fleet), "--push")

    assert result.exit_code == 0, result.output
    [row] = report["repos"]
    assert row["version_from"] == "v2" and row["status"] == "updated"
    bare = server.root / "acme/svc.git"
    files = git(bare, "ls-tree", "-r", "--name-only", "mlt/update-v3").split()
    assert "NEWS.md" in files and "NOTES.md" in files and "CHANGELOG.md" in files
    assert "config.yaml" not in files  # deleted by the team, stays deleted
    # only v2 → v3 arrived: the merged v2 render was the base, not the stale mlt/template
    outcomes = {f["path"]: f["outcome"] for f in row["files"]}
    assert outcomes == {
        "NEWS.md": "written",
        "config.yaml": "kept-deleted",
        ".mlt.yaml": "written",
        ".copier-answers.yml": "written",
    }
    # and origin's template branch caught up with the base the team merged
    assert git(bare, "log", "-1", "--format=%s", "mlt/template") == "Template v2"


def test_gitlab_listing_paginates_and_retries_rate_limits(tmp_path, template, runner, server):
    kids = [make_child(tmp_path / "kids", f"svc{i}", str(template.root), "v1") for i in range(3)]
    template.release(v2_changes(template.root), "v2")
    for kid in kids:
        server.publish(kid, f"ml/{kid.name}")
    plain = tmp_path / "plain"
    git(tmp_path, "init", "-q", str(plain))
    (plain / "README.md").write_text("not an mlt child\n")
    commit_all(plain)
    server.publish(plain, "ml/plain")
    forge = FakeForge("gitlab", server.root, page_size=2)
    forge.clone_base = server.url
    forge.fail_next.append(rate_limited("gitlab", wait=1))
    env = {"GITLAB_TOKEN": TOKEN}
    try:
        result, report = fleet_run(
            runner,
            "--from",
            "gitlab:ml",
            "--api-url",
            forge.url,
            "--open-prs",
            "--exclude",
            "ml/svc2",
            env=env,
        )
        assert result.exit_code == 0, result.output
        names = [Path(r["repo"]).name for r in report["repos"]]
        assert names == ["svc0.git", "svc1.git"]  # plain has no .mlt.yaml; svc2 excluded
        assert [len(forge.open_prs(f"ml/svc{i}")) for i in range(3)] == [1, 1, 0]
        listed = [p for m, p in forge.requests if p.endswith("/groups/ml/projects")]
        assert len(listed) >= 3  # the retried call and the second page
        assert forge.violations == []

        forge.statuses["mlt/update-v2"] = "success"
        status = runner.invoke(
            app,
            ["fleet", "status", "--from", "gitlab:ml", "--api-url", forge.url, "--json"],
            env=env,
        )
        rows = {Path(r["repo"]).name: r for r in json.loads(status.stdout)["repos"]}
        assert status.exit_code == 0, status.output
        assert rows["svc0.git"]["state"] == "behind" and rows["svc0.git"]["ci"] == "success"
        assert rows["svc0.git"]["pr_url"] and rows["svc2.git"]["pr_url"] is None
        assert rows["svc0.git"]["last_run"] == "updated"
    finally:
        forge.close()


def test_gitea_bad_token_is_an_error_per_repo_without_leaking(tmp_path, template, runner, server):
    kid = make_child(tmp_path / "kids", "svc", str(template.root), "v1")
    template.release(v2_changes(template.root), "v2")
    url = server.publish(kid, "org/svc")
    store_credentials(server, "alice", "wonderland")  # git works; the API token is wrong
    forge = FakeForge("gitea", server.root)
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(url + "\n")
    try:
        result, report = fleet_run(
            runner,
            str(fleet),
            "--open-prs",
            "--forge",
            "gitea",
            "--api-url",
            forge.url,
            env={"GITEA_TOKEN": "wrong-token"},
        )
        [row] = report["repos"]
        assert result.exit_code == 1
        assert row["status"] == "error" and "answered 401" in row["error"]
        assert "wrong-token" not in result.stdout + result.stderr
        assert forge.prs == {} and forge.violations == []
        # with the right token the next run opens the PR for the branch already pushed
        again, report = fleet_run(
            runner,
            str(fleet),
            "--open-prs",
            "--forge",
            "gitea",
            "--api-url",
            forge.url,
            env={"GITEA_TOKEN": TOKEN},
        )
        assert again.exit_code == 0, again.output
        assert report["repos"][0]["pr_action"] == "created" and not report["repos"][0]["pushed"]
    finally:
        forge.close()


def test_github_rate_limit_and_a_pr_opened_meanwhile(tmp_path, template, runner, server):
    kid = make_child(tmp_path / "kids", "svc", str(template.root), "v1")
    template.release(v2_changes(template.root), "v2")
    url = server.publish(kid, "acme/svc")
    forge = FakeForge("github", server.root)
    forge.fail_next.append(rate_limited("github", wait=1))  # the first API call: 403, reset 1 s
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(url + "\n")
    forge.race_pr("acme/svc", "mlt/update-v2")  # a colleague's PR for the same branch
    try:
        result, report = fleet_run(
            runner,
            str(fleet),
            "--open-prs",
            "--forge",
            "github",
            "--api-url",
            forge.url,
            env={"GITHUB_TOKEN": TOKEN},
        )
        assert result.exit_code == 0, result.output
        [row] = report["repos"]
        assert len(forge.prs["acme/svc"]) == 1  # the 422 led to the existing PR, not a second
        assert row["pr_url"] == forge.prs["acme/svc"][0]["url"]
        assert forge.requests[0] == forge.requests[1]  # the rate-limited call was retried
        assert forge.violations == []
    finally:
        forge.close()
