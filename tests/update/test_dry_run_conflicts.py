"""Previews tell conflicts apart: `mlt update --dry-run` exits 3 when the update would
conflict, `mlt fleet update --dry-run` counts such a repository as a conflict, and `mlt diff`
labels the conflict markers with HEAD and the template version, not raw commit ids."""

from __future__ import annotations

import re

from mlt.cli import app
from tests.support.git import commit_all
from tests.support.trees import write_tree
from tests.support.update_kit import make_child, refs, v2_changes


def _conflicting_child(tmp_path, template):
    child = make_child(tmp_path / "kids", "demo", str(template.root), "v1")
    template.release(v2_changes(template.root), "v2")
    app_py = child / "src/app.py"
    write_tree(child, {"src/app.py": app_py.read_text().replace("return 7", "return 7000")})
    commit_all(child)
    return child


def test_dry_run_and_fleet_dry_run_report_the_conflict(tmp_path, template, runner):
    child = _conflicting_child(tmp_path, template)
    before = refs(child)
    single = runner.invoke(app, ["update", str(child), "--dry-run"])
    assert single.exit_code == 3, single.output
    assert "would leave 1 conflict(s)" in single.stdout
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(f"{child}\n")
    many = runner.invoke(app, ["fleet", "update", str(fleet), "--dry-run"])
    assert many.exit_code == 3, many.output
    assert "0 updated, 1 conflict" in many.stdout
    assert refs(child) == before


def test_diff_labels_conflicts_with_head_and_the_version(tmp_path, template, runner):
    child = _conflicting_child(tmp_path, template)
    shown = runner.invoke(app, ["diff", str(child)])
    assert shown.exit_code == 0, shown.output
    assert "+<<<<<<< HEAD\n" in shown.stdout
    assert "+>>>>>>> template v2\n" in shown.stdout
    assert not re.search(r"^\+(<<<<<<<|>>>>>>>) [0-9a-f]{40}$", shown.stdout, re.M)
