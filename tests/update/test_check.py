"""`mlt check`: exit 0 up to date, 2 behind, 1 leftover conflicts; fast and copier-free."""

from __future__ import annotations

import json
import subprocess
import sys

from mlt.cli import app
from tests.support.git import commit_all
from tests.support.trees import write_tree
from tests.support.update_kit import make_child, v2_changes


def test_check_exit_codes_for_a_git_template(tmp_path, template, runner):
    child = make_child(tmp_path / "c", "demo", str(template.root), "v1")
    up = runner.invoke(app, ["check", str(child)])
    assert up.exit_code == 0 and "up to date" in up.stdout

    template.release(v2_changes(template.root), "v2")
    behind = runner.invoke(app, ["check", str(child)])
    assert behind.exit_code == 2 and "v1 → v2" in behind.stdout

    data = json.loads(runner.invoke(app, ["check", str(child), "--json"]).stdout)
    assert (data["status"], data["current"], data["latest"]) == ("behind", "v1", "v2")


def test_check_fails_on_committed_conflict_markers(tmp_path, bundled, runner):
    child = make_child(tmp_path / "c", "demo", project_type="library")
    write_tree(child, {"notes.md": "a\n<<<<<<< before updating\nx\n=======\ny\n>>>>>>> after\n"})
    commit_all(child)
    result = runner.invoke(app, ["check", str(child)])
    assert result.exit_code == 1
    assert "notes.md: conflict markers" in result.stderr


def test_check_fails_on_tracked_rej_files(tmp_path, bundled, runner):
    child = make_child(tmp_path / "c", "demo", project_type="library")
    write_tree(child, {"pyproject.toml.rej": "@@ -1 +1 @@\n"})
    commit_all(child)
    result = runner.invoke(app, ["check", str(child), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == ["pyproject.toml.rej: rejected hunks (.rej)"]


def test_check_passes_with_only_untracked_markers(tmp_path, bundled, runner):
    child = make_child(tmp_path / "c", "demo", project_type="library")
    write_tree(child, {"doc.rst": "Title\n=======\n"})
    commit_all(child, "doc")
    (child / "untracked.txt").write_text("<<<<<<< not tracked\n")
    assert runner.invoke(app, ["check", str(child)]).exit_code == 0


def test_check_on_bundled_template_imports_no_copier(tmp_path, bundled):
    child = make_child(tmp_path / "c", "demo", project_type="library")
    code = (
        "import sys; from pathlib import Path; from mlt.update.check import check_project; "
        f"r = check_project(Path({str(child)!r})); "
        "print(r.status, 'copier' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["up-to-date", "False"]


def test_check_outside_a_project_is_one_line_error(tmp_path, runner):
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
