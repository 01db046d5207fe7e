"""Children made by the previous release (three per-type templates) update through the one
bundled template: unedited, a child becomes exactly a fresh render; edited, it keeps its edits.

The previous release's templates come from git history (layout_history); `mlt new` renders
them as that release did (`bundled:<type>`, its version). The one template, released as a new
version, is then what `mlt update` merges.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mlt.cli import app
from mlt.provenance import Provenance

from .layout_history import export_templates, layout_commits, snapshot

NEXT = "1.0.1"
CHILDREN = [
    ("service", ["-d", "port=9000"]),
    ("batch-job", ["-d", "k8s_storage=volume", "-d", "job_completions=3"]),
    ("library", ["-d", "framework=pytorch"]),
]


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> tuple[Path, Path]:
    """(the previous release's templates/, the one template released as NEXT)."""
    before, change = layout_commits()
    old = export_templates(before, tmp_path_factory.mktemp("old"))
    new = export_templates(change, tmp_path_factory.mktemp("new"))
    meta = new / "mlt-template.yml"
    meta.write_text(meta.read_text().replace("version: 1.0.0", f"version: {NEXT}", 1))
    assert f"version: {NEXT}" in meta.read_text()
    return old, new


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _new(runner, monkeypatch, templates: Path, kind: str, out: Path, extra: list[str]) -> Path:
    monkeypatch.setenv("MLT_TEMPLATES_DIR", str(templates))
    result = runner.invoke(app, ["new", kind, f"my-{kind}", "-o", str(out), "--defaults", *extra])
    assert result.exit_code == 0, result.output
    return out / f"my-{kind}"


def _tree(path: Path) -> dict:
    copy = path.parent / f"{path.name}-files"
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns(".git"))
    try:
        return snapshot(copy)
    finally:
        shutil.rmtree(copy)


@pytest.mark.usefixtures("no_git_identity")
@pytest.mark.parametrize(("kind", "extra"), CHILDREN, ids=[k for k, _ in CHILDREN])
def test_previous_release_child_updates_to_a_fresh_render(
    releases, runner, monkeypatch, tmp_path, kind, extra
):
    old, new = releases
    child = _new(runner, monkeypatch, old, kind, tmp_path / "old", extra)
    prov = Provenance.read(child)
    assert (prov.source, prov.version) == (f"bundled:{kind}", "1.0.0")
    assert "project_type" not in prov.answers

    monkeypatch.setenv("MLT_TEMPLATES_DIR", str(new))
    result = runner.invoke(app, ["update", str(child)])
    assert result.exit_code == 0, result.output
    assert Provenance.read(child).version == NEXT

    fresh = _new(runner, monkeypatch, new, kind, tmp_path / "fresh", extra)
    assert _tree(child) == _tree(fresh)
    assert _git(child, "status", "--porcelain") == ""


@pytest.mark.usefixtures("no_git_identity")
@pytest.mark.parametrize(("kind", "extra"), CHILDREN, ids=[k for k, _ in CHILDREN])
def test_previous_release_child_keeps_its_edits(
    releases, runner, monkeypatch, tmp_path, kind, extra
):
    old, new = releases
    child = _new(runner, monkeypatch, old, kind, tmp_path / "old", extra)
    readme = child / "README.md"
    readme.write_text(readme.read_text() + "\nOur team's notes.\n")
    (child / "NOTES.md").write_text("local file\n")
    (child / ".gitignore").write_text((child / ".gitignore").read_text() + "scratch/\n")
    _git(child, "add", "-A")
    _git(child, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "edits")

    monkeypatch.setenv("MLT_TEMPLATES_DIR", str(new))
    result = runner.invoke(app, ["update", str(child)])
    assert result.exit_code == 0, result.output

    assert readme.read_text().endswith("\nOur team's notes.\n")
    assert (child / "NOTES.md").read_text() == "local file\n"
    assert (child / ".gitignore").read_text().endswith("scratch/\n")
    prov = Provenance.read(child)
    assert prov.version == NEXT and "project_type" not in prov.answers
    assert _git(child, "log", "-1", "--format=%s") == f"Update template to {NEXT}"
