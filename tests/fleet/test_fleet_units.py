"""Fleet building blocks: remote URLs, redaction, filters, rate-limit waits, forge errors."""

from __future__ import annotations

import httpx
import pytest

from mlt.errors import UsageError
from mlt.fleet.forges import detect_kind, parse_remote
from mlt.fleet.forges.http import Api, ForgeError, _retry_delay
from mlt.fleet.pr_body import changelog_entry
from mlt.fleet.repos import FleetEntry, redact, select


@pytest.mark.parametrize(
    ("url", "host", "owner", "name", "namespace"),
    [
        ("https://github.com/acme/svc.git", "github.com", "acme", "svc", "acme"),
        ("https://tok:x@github.com/acme/svc", "github.com", "acme", "svc", "acme"),
        ("git@github.com:acme/svc.git", "github.com", "acme", "svc", "acme"),
        (
            "ssh://git@gitlab.corp:2222/ml/vision/svc.git",
            "gitlab.corp",
            "vision",
            "svc",
            "ml/vision",
        ),
        ("https://gitea.example/org/repo/", "gitea.example", "org", "repo", "org"),
    ],
)
def test_parse_remote(url, host, owner, name, namespace):
    address = parse_remote(url)
    assert address is not None
    assert (address.host, address.owner, address.name, address.namespace) == (
        host,
        owner,
        name,
        namespace,
    )


def test_parse_remote_of_paths_and_file_urls_is_none():
    assert parse_remote("/srv/git/acme/svc.git") is None
    assert parse_remote("file:///srv/git/acme/svc.git") is None


def test_detect_kind():
    assert detect_kind("github.com") == "github"
    assert detect_kind("gitlab.example.org") == "gitlab"
    assert detect_kind("codeberg.org") == "gitea"
    assert detect_kind("git.corp") is None


def test_redact_drops_credentials_only():
    assert redact("cannot clone https://me:tok@h/x.git now") == "cannot clone https://h/x.git now"
    assert redact("git@github.com:acme/svc.git") == "git@github.com:acme/svc.git"


def test_select_matches_owner_name_and_refuses_empty():
    entries = [FleetEntry(u, None) for u in ("https://h/acme/svc-a.git", "https://h/acme/lib.git")]
    assert [e.spec for e in select(entries, ["acme/svc-*"], None)] == [entries[0].spec]
    assert [e.spec for e in select(entries, None, ["lib"])] == [entries[0].spec]
    with pytest.raises(UsageError):
        select(entries, ["nothing*"], None)


def _response(status: int, headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={})


def test_retry_delay_honours_retry_after_and_reset():
    def now() -> float:
        return 1000.0

    assert _retry_delay(_response(429, {"Retry-After": "7"}), 0, now) == 7.0
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}
    assert _retry_delay(_response(403, limited), 0, now) == 31.0
    assert _retry_delay(_response(403, {}), 0, now) is None  # a permission error is final
    assert _retry_delay(_response(503, {}), 2, now) == 4.0
    assert _retry_delay(_response(404, {}), 0, now) is None


def test_api_retries_then_reports_without_the_token():
    calls: list[httpx.Request] = []
    answers = [
        httpx.Response(429, headers={"Retry-After": "2"}, json={}),
        httpx.Response(401, json={"message": "Bad credentials"}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return answers[len(calls) - 1]

    slept: list[float] = []
    api = Api("https://api.example", {"Authorization": "Bearer t0k3n"}, sleep=slept.append)
    api._client = httpx.Client(transport=httpx.MockTransport(handler), headers=api._client.headers)
    with pytest.raises(ForgeError) as err:
        api.request("GET", "/repos/a/b/pulls?token=t0k3n")
    assert slept == [2.0] and len(calls) == 2
    assert calls[0].headers["Authorization"] == "Bearer t0k3n"
    assert err.value.status == 401 and "t0k3n" not in err.value.message
    assert "Bad credentials" in err.value.message and err.value.hint


def test_changelog_entry_by_version():
    text = "# Changes\n\n## [2.0.0] - 2026-01-01\n### Added\n- x\n\n## 1.0.0\n- first\n"
    assert changelog_entry(text, "v2.0.0") == "### Added\n- x"
    assert changelog_entry(text, "1.0.0") == "- first"
    assert changelog_entry(text, "3.0.0") is None
