"""GitHub Actions and GitLab CI files pass their published JSON schemas (check-jsonschema,
one batched call per schema) and follow the delivery rules the schemas cannot see."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from . import schemas
from .conftest import CASES, Case

GITHUB = [c for c in CASES if c.ci == "github"]
GITLAB = [c for c in CASES if c.ci == "gitlab"]
GITHUB_FILE = ".github/workflows/ci.yml"
GITLAB_FILE = ".gitlab-ci.yml"


def load(path: Path) -> Any:
    # YAML 1.2 (ruamel), so GitHub's `on:` stays a string key instead of becoming True.
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def github_errors(renders) -> dict[Path, list[str]]:
    files = [renders.get(case).path / GITHUB_FILE for case in GITHUB]
    errors = schemas.check("vendor.github-workflows", files)
    # A job without timeout-minutes may hang for GitHub's default of 6 hours.
    for path, extra in schemas.check("custom.github-workflows-require-timeout", files).items():
        errors[path] += extra
    return errors


@pytest.fixture(scope="session")
def gitlab_errors(renders) -> dict[Path, list[str]]:
    files = [renders.get(case).path / GITLAB_FILE for case in GITLAB]
    return schemas.check("vendor.gitlab-ci", files, "--data-transform", "gitlab-ci")


@pytest.mark.parametrize("case", GITHUB, ids=lambda c: c.id)
def test_github_workflow_is_schema_valid(case: Case, renders, github_errors) -> None:
    assert github_errors[renders.get(case).path / GITHUB_FILE] == []


@pytest.mark.parametrize("case", GITHUB, ids=lambda c: c.id)
def test_github_workflow_rules(case: Case, renders) -> None:
    rendered = renders.get(case)
    wf = load(rendered.path / GITHUB_FILE)
    jobs = wf["jobs"]
    assert wf["permissions"] == {"contents": "read"}
    assert "concurrency" in wf
    assert all("timeout-minutes" in job for job in jobs.values())
    assert jobs["mlt-check"]["continue-on-error"] is True
    assert "mlt check" in " ".join(step.get("run", "") for step in jobs["mlt-check"]["steps"])
    writers = {name for name, job in jobs.items() if job.get("permissions", {}).get("packages")}
    if case.project_type == "library":
        assert writers == set()
        assert jobs["publish"]["if"].startswith("startsWith(github.ref, 'refs/tags/")
        # The organisation's index, by Trusted Publishing where it can: no public-PyPI default.
        assert jobs["publish"]["permissions"]["id-token"] == "write"
        publish = " ".join(s.get("run", "") for s in jobs["publish"]["steps"])
        assert "--trusted-publishing" in publish and "pypi.org" not in publish
        low = int(rendered.answers["python_version"].split(".")[1])
        assert jobs["test"]["strategy"]["matrix"]["python"] == [f"3.{m}" for m in range(low, 14)]
    else:
        assert writers == {"image"} and jobs["image"]["permissions"]["packages"] == "write"
        steps = jobs["image"]["steps"]
        smoke_build, push = [s for s in steps if "build-push-action" in s.get("uses", "")]
        # Built and loaded, smoke-tested, then pushed from the same cache with attestations.
        assert smoke_build["with"].get("push") is None and smoke_build["with"]["load"] is True
        assert smoke_build["with"]["pull"] is True
        assert "docker run --rm" in steps[steps.index(push) - 1]["run"]
        assert push["id"] == "push" and "refs/heads/main" in push["if"]
        assert push["with"]["push"] is True and "load" not in push["with"]
        assert push["with"]["provenance"] == "mode=max" and push["with"]["sbom"] is True
        for build in (smoke_build, push):
            assert "GIT_COMMIT=${{ github.sha }}" in build["with"]["build-args"]
            assert "latest" not in build["with"]["tags"]
        runs = " ".join(s.get("run", "") for s in steps)
        assert "docker push" not in runs and "sed " not in runs  # the digest is buildx's own
        (pin,) = [s for s in steps if "kustomize edit set image" in s.get("run", "")]
        assert pin["env"]["DIGEST"] == "${{ steps.push.outputs.digest }}"
        assert '"$IMAGE_NAME=$IMAGE_NAME@$DIGEST"' in pin["run"]
        assert ("lineage.env" in pin["run"]) == (case.project_type == "batch-job")
        assert set(jobs["image"]["outputs"]) == {"image", "digest"}
    # A team without a GPU runner still gets its image and package: GPU tests never gate.
    assert all("gpu-test" not in job.get("needs", []) for job in jobs.values())
    runs = [st["run"] for job in jobs.values() for st in job["steps"] if "run" in st]
    syncs = [r for r in runs if r.startswith("uv sync")]
    assert syncs and all("--locked" in r for r in syncs)
    assert "uv run mypy" in runs and any("--cov" in r for r in runs)
    assert wf["env"]["MLT_SPEC"] == rendered.answers["mlt_spec"] != "mlt"
    if case.gpu:
        gpu = jobs["gpu-test"]
        assert gpu["runs-on"] == ["self-hosted", "linux", "gpu"]
        assert set(gpu["container"]["credentials"]) == {"username", "password"}
        assert "--gpus all" in gpu["container"]["options"]
        assert "--shm-size=" in gpu["container"]["options"]
        assert gpu["continue-on-error"] is True and gpu["env"]["DEVICE"] == "cuda"
        assert any(s.get("run", "").startswith("uv run pytest -m gpu") for s in gpu["steps"])
    assert ("gpu-test" in jobs) == case.gpu
    assert not any("gpu" in str(job["runs-on"]) for n, job in jobs.items() if n != "gpu-test")


@pytest.mark.parametrize("case", GITLAB, ids=lambda c: c.id)
def test_gitlab_ci_is_schema_valid(case: Case, renders, gitlab_errors) -> None:
    assert gitlab_errors[renders.get(case).path / GITLAB_FILE] == []


def _jobs(ci: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keywords = {"workflow", "stages", "variables", "default", "include"}
    return {k: v for k, v in ci.items() if k not in keywords and not k.startswith(".")}


def _script(job: dict[str, Any]) -> list[str]:
    """The job's script lines, nested lists (YAML anchors) flattened as GitLab does."""
    lines: list[str] = []
    for item in job.get("script", []):
        lines += _script({"script": item}) if isinstance(item, list) else [item]
    return lines


def _resolved(ci: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """The job with its `extends` templates merged in (shallow, as GitLab does per key)."""
    base: dict[str, Any] = {}
    for parent in [job.get("extends")] if isinstance(job.get("extends"), str) else []:
        base |= _resolved(ci, ci[parent])
    return base | job


@pytest.mark.parametrize("case", GITLAB, ids=lambda c: c.id)
def test_gitlab_ci_rules(case: Case, renders) -> None:
    ci = load(renders.get(case).path / GITLAB_FILE)
    jobs = {name: _resolved(ci, job) for name, job in _jobs(ci).items()}
    assert ci["default"]["interruptible"] is True and "timeout" in ci["default"]
    assert all(job["stage"] in ci["stages"] for job in jobs.values())
    assert jobs["mlt-check"]["allow_failure"] is True
    assert jobs["unit-tests"]["artifacts"]["reports"]["junit"].endswith(".xml")
    assert ("gpu-tests" in jobs) == case.gpu
    gpu_tagged = {name for name, job in jobs.items() if "gpu" in job.get("tags", [])}
    assert gpu_tagged == ({"gpu-tests"} if case.gpu else set())
    if case.gpu:
        gpu = jobs["gpu-tests"]
        assert gpu["allow_failure"] is True and gpu["variables"]["DEVICE"] == "cuda"
        assert any(line.startswith("uv run pytest -m gpu") for line in _script(gpu))
    # GPU results never gate the image or the release: later stages name what they wait for.
    for name, job in jobs.items():
        if job["stage"] not in {"test", ".pre"}:
            assert "gpu-tests" not in job.get("needs", ["gpu-tests"]), name
    assert "uv sync --locked --all-extras" in ci[".uv"]["before_script"]
    assert "uv run mypy" in jobs["lint"]["script"]
    assert "--cov" in " ".join(jobs["unit-tests"]["script"]) and "coverage" in jobs["unit-tests"]
    assert ci["variables"]["MLT_SPEC"] == renders.get(case).answers["mlt_spec"] != "mlt"
    if case.project_type == "library":
        assert jobs["publish"]["rules"] == [{"if": "$CI_COMMIT_TAG"}]
        return
    pushers = {n for n, job in jobs.items() if "--push" in " ".join(_script(job))}
    assert pushers == {"push-image"}
    pushed = " ".join(_script(jobs["push-image"]))
    assert "--provenance=true --sbom=true --metadata-file build-metadata.json" in pushed
    assert "docker push" not in pushed and "sed " not in pushed
    assert all('--build-arg GIT_COMMIT="$CI_COMMIT_SHA"' in " ".join(_script(jobs[n]))
               for n in ("build-image", "push-image"))  # fmt: skip
    push = jobs["push-image"]
    # The pushed image is the one built and smoke-tested in the same job, under its commit tag.
    script = _script(push)
    assert script[: len(_script(jobs["build-image"]))] == _script(jobs["build-image"])
    assert any("docker run --rm" in line for line in script)
    assert "latest" not in " ".join(script) and push["artifacts"]["reports"]["dotenv"]
    assert push["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert push["interruptible"] is False
    for name in ("build-image", "push-image"):
        assert jobs[name]["image"] == "docker:27"
        assert jobs[name]["services"] == ["docker:27-dind"]


USES = re.compile(r"^\s*(?:- )?uses: (\S+)(.*)$", re.M)
PINNED = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")


@pytest.mark.parametrize("case", GITHUB, ids=lambda c: c.id)
def test_github_actions_are_pinned_by_commit_sha(case: Case, renders) -> None:
    root = renders.get(case).path
    uses = USES.findall((root / GITHUB_FILE).read_text(encoding="utf-8"))
    assert uses
    for action, comment in uses:
        # A tag can be moved to other code; a commit cannot. The release stays readable.
        assert PINNED.fullmatch(action), action
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (action, comment)
    # Renovate keeps SHA and comment current together.
    renovate = json.loads((root / "renovate.json").read_text(encoding="utf-8"))
    assert "helpers:pinGitHubActionDigests" in renovate["extends"]
