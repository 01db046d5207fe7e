"""Templates that never tag a release: `mlt check`, `mlt diff` and `mlt update` follow the
template's default branch and say so (as cruft checks such templates against their branch).

Real public templates from ../shared/fixtures, with every tag deleted: the child is made at
an older commit, the branch moves on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlt.provenance import Provenance
from mlt.scaffold.new import NewRequest, create_project
from tests.support.git import git

pytestmark = pytest.mark.slow
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
CASES = {
    "copier": ("copier-templates/copier-org+autopretty.bundle", {"ansible": "true"}, []),
    "cookiecutter": (
        "cookiecutter-templates/audreyfeldroy+cookiecutter-pypackage.bundle",
        {},
        ["--skip-hooks"],  # its hooks are code: not run untrusted
    ),
}


def _untagged(bundle: Path, where: Path) -> Path:
    if not bundle.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{bundle} is missing: CI must have ../shared beside the clone")
        pytest.skip(f"{bundle} is not here")
    subprocess.run(["git", "clone", "-q", str(bundle), str(where)], check=True)
    tags = git(where, "tag", "--list").split()
    git(where, "tag", "-d", *tags)
    return where


def _mlt(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlt", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("case", CASES)
def test_untagged_template_follows_its_default_branch(tmp_path, case):
    bundle, data, flags = CASES[case]
    template = _untagged(SHARED / bundle, tmp_path / "template")
    branch = git(template, "symbolic-ref", "--short", "HEAD")
    tip = git(template, "rev-parse", "HEAD")
    old = git(template, "rev-parse", "HEAD~3")
    child = create_project(
        NewRequest("x", "demo", tmp_path, data, str(template), old, skip_hooks=bool(flags))
    ).path
    assert Provenance.read(child).commit == old

    check = _mlt(["check", "--json"], child)
    doc = json.loads(check.stdout)
    assert check.returncode == 2, check.stdout + check.stderr
    assert doc["latest"] == tip and f"default branch '{branch}'" in doc["note"]
    said = _mlt(["check"], child)
    assert "has no version tags: following its default branch" in said.stderr

    diff = _mlt(["diff", *flags], child)
    assert diff.returncode == 0, diff.stderr
    assert "following its default branch" in diff.stderr
    assert diff.stdout.startswith("diff --git")

    update = _mlt(["update", "--json", *flags], child)
    doc = json.loads(update.stdout)
    assert update.returncode == 0, update.stdout + update.stderr
    assert doc["status"] == "updated", doc
    assert any("following its default branch" in m for m in doc["messages"])
    assert Provenance.read(child).commit == tip

    again = _mlt(["check", "--json"], child)
    assert again.returncode == 0, again.stdout
    assert json.loads(again.stdout)["status"] == "up-to-date"
    assert _mlt(["update", "--json", *flags], child).returncode == 0
