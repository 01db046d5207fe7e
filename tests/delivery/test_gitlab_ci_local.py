"""The generated GitLab pipeline runs: gitlab-ci-local executes the lint, unit-tests and
mlt-check jobs of a fresh child (made by `mlt new`, its uv.lock committed) with the shell
executor, and they pass. Slow: real installs from the package index.

gitlab-ci-local and rsync come from scripts/ci-gitlab-ci-local-setup.sh.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .tools import require

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
JOBS = ("lint", "unit-tests", "mlt-check")


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(cmd)}\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    """PATH with this environment's uv (the jobs call uv and uvx), the user's uv cache (the
    shell executor would otherwise fill a fresh one per job)."""
    require("gitlab-ci-local", "bash scripts/ci-gitlab-ci-local-setup.sh")
    require("rsync", "bash scripts/ci-gitlab-ci-local-setup.sh")
    uv = require("uv", "pip install '.[test]'")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "CI_"))}
    environ.pop("CI", None)  # gitlab-ci-local sets its own CI variables
    environ.pop("MLT_NO_LOCK", None)  # the real day one: `mlt new` makes and commits uv.lock
    environ["PATH"] = f"{Path(uv).parent}{os.pathsep}{environ.get('PATH', '')}"
    cache = subprocess.run([uv, "cache", "dir"], capture_output=True, text=True, check=True)
    environ["UV_CACHE_DIR"] = cache.stdout.strip()
    return environ


@pytest.fixture(scope="module")
def mlt_wheel(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """This checkout as a wheel: the child's `mlt check` job installs it through mlt_spec."""
    dist = tmp_path_factory.mktemp("dist")
    run(["uv", "build", "--wheel", "-q", "-o", str(dist), str(REPO)], REPO, env)
    (wheel,) = dist.glob("mlt-*.whl")
    return wheel


def new_child(tmp_path: Path, project_type: str, wheel: Path, env: dict[str, str]) -> Path:
    name = f"demo-{project_type}"
    spec = f"mlt_spec=mlt @ {wheel.as_uri()}"
    cmd = [sys.executable, "-m", "mlt", "new", project_type, name, "-o", str(tmp_path)]
    run([*cmd, "--defaults", "-d", "ci=gitlab", "-d", spec], tmp_path, env)
    child = tmp_path / name
    # Day one: `mlt new` itself locked the dependencies and committed uv.lock.
    assert run(["git", "log", "-1", "--format=%s"], child, env).strip() == (
        "Pin dependencies in uv.lock"
    )
    return child


def pipeline(child: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cache = f"UV_CACHE_DIR={env['UV_CACHE_DIR']}"
    cmd = ["gitlab-ci-local", "--force-shell-executor", "--variable", cache, *JOBS]
    return subprocess.run(cmd, cwd=child, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize("project_type", ["batch-job", "service", "library"])
def test_lint_test_and_check_jobs_pass(tmp_path, project_type, mlt_wheel, env) -> None:
    child = new_child(tmp_path, project_type, mlt_wheel, env)
    result = pipeline(child, env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-6000:]
    for job in JOBS:
        # mlt-check may fail without failing the pipeline (allow_failure): require PASS.
        assert any(line.split()[:2] == ["PASS", job] for line in out.splitlines()), out[-6000:]
    assert "up to date" in out  # mlt check ran the pinned mlt against this child
    assert "% coverage" in out  # the coverage regex of unit-tests matched


def test_a_stale_lock_fails_the_pipeline(tmp_path, mlt_wheel, env) -> None:
    """`uv sync --locked`: a dependency added without `uv lock` turns lint red."""
    child = new_child(tmp_path, "library", mlt_wheel, env)
    pyproject = child / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace('"pytest>=8",', '"pytest>=8",\n  "six",', 1), "utf-8")
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "six"], child, env)
    result = pipeline(child, env)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert any(line.split()[:2] == ["FAIL", "lint"] for line in out.splitlines()), out[-4000:]
