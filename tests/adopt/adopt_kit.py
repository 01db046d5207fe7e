"""Helpers and fixtures for the adopt/cookiecutter tests: real public templates from
`../shared/fixtures` (git bundles beside the clone in CI), the cruft and copier CLIs for
comparison, and a tiny cookiecutter template for the error paths.

The bundles are others' code: they are cloned into tmp dirs, never copied into this repo.
Without `../shared` the tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.git import commit_all, git
from tests.support.trees import write_tree

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared" / "fixtures"
PYPACKAGE = "cookiecutter-templates/audreyfeldroy+cookiecutter-pypackage.bundle"
AUTOPRETTY = "copier-templates/copier-org+autopretty.bundle"


def _need(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and CI must run these tests")
    pytest.skip(f"{what} is missing")


def _mirror(bundle: str, dest: Path) -> Path:
    path = SHARED / bundle
    if not path.is_file():
        _need(f"../shared/fixtures/{bundle}")
    subprocess.run(["git", "clone", "-q", "--mirror", str(path), str(dest)], check=True)
    return dest


@pytest.fixture(scope="session")
def pypackage(tmp_path_factory) -> str:
    """cookiecutter-pypackage (tags v0.1.1 .. v0.5.0, pre/post-gen hooks) as a bare mirror."""
    return str(_mirror(PYPACKAGE, tmp_path_factory.mktemp("cc") / "cookiecutter-pypackage.git"))


@pytest.fixture(scope="session")
def autopretty(tmp_path_factory) -> str:
    """copier-org/autopretty (v0.1.0 .. v0.4.3, custom answers file, _tasks), checked out."""
    root = tmp_path_factory.mktemp("copier")
    mirror = _mirror(AUTOPRETTY, root / "autopretty.git")
    work = root / "autopretty"
    subprocess.run(["git", "clone", "-q", str(mirror), str(work)], check=True)
    return str(work)


def tool(name: str) -> str:
    """A CLI installed beside this interpreter (cruft, copier, mlt)."""
    found = Path(sys.executable).parent / name
    if found.is_file():
        return str(found)
    which = shutil.which(name)
    if which is None:
        _need(f"the {name} command (pip install -e '.[test]')")
    return str(which)


def run(*args: str | Path, cwd: Path | None = None, check: bool = True, **kw):
    """Run a command; returns the CompletedProcess (text)."""
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, check=check, capture_output=True, text=True, **kw
    )


TINY = {
    "cookiecutter.json": '{"project_name": "demo", "greeting": "hello", "color": ["red", "blue"]}',
    "{{cookiecutter.project_name}}/README.md": "# {{ cookiecutter.project_name }}\n\n"
    "{{ cookiecutter.greeting }} in {{ cookiecutter.color }}\n",
    "{{cookiecutter.project_name}}/notes.txt": "".join(f"line {i}\n" for i in range(10)),
}


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A tiny cookiecutter template in a git repo: v1, then v2 adds CHANGES.md and edits
    notes.txt line 9."""
    root = write_tree(tmp_path / "tiny-template", TINY)
    commit_all(root, "v1")
    git(root, "tag", "v1")
    notes = "".join(f"line {i}\n" for i in range(9)) + "line 9, upstream\n"
    write_tree(
        root,
        {
            "{{cookiecutter.project_name}}/CHANGES.md": "v2\n",
            "{{cookiecutter.project_name}}/notes.txt": notes,
        },
    )
    commit_all(root, "v2")
    git(root, "tag", "v2")
    return root


def tree_files(root: Path, ignore: tuple[str, ...] = (".git",)) -> dict[str, bytes]:
    """Every file under root (by POSIX path) with its bytes, skipping `ignore` names."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in ignore for part in rel.parts) or not path.is_file():
            continue
        found[rel.as_posix()] = path.read_bytes()
    return found


# What the tools write about themselves; everything else must be byte-identical.
OWN = (".git", ".cruft.json", ".mlt.yaml")


def mlt(*args: str | Path):
    """Run the mlt CLI in-process (typer's CliRunner; stderr kept apart)."""
    from typer.testing import CliRunner

    from mlt.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])
