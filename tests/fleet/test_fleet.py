"""Fleet updates of local checkouts: many children in parallel, mixed outcomes, one summary."""

from __future__ import annotations

import json
from pathlib import Path

from mlt.cli import app
from mlt.fleet.repos import read_fleet_file
from mlt.fleet.rollout import FleetOptions, run_fleet
from mlt.update import UpdateOptions, update_project
from tests.support.git import commit_all, git
from tests.support.trees import write_tree
from tests.support.update_kit import make_child, v2_changes


def test_fleet_of_ten_with_mixed_outcomes(tmp_path, template, runner):
    kids = [make_child(tmp_path / "kids", f"kid{i}", str(template.root), "v1") for i in range(9)]
    template.release(v2_changes(template.root), "v2")
    for kid in kids[:3]:  # already up to date
        assert update_project(kid).status == "updated"
    for kid in kids[3:5]:  # edits that collide with v2
        app_py = (kid / "src/app.py").read_text().replace("return 7", "return 7777")
        write_tree(kid, {"src/app.py": app_py})
        commit_all(kid)
    url = f"file://{kids[8]}"
    fleet = tmp_path / "fleet.txt"
    lines = [str(k) for k in kids[:8]] + [url, str(tmp_path / "no-such-repo")]
    fleet.write_text("# the fleet\n\n" + "\n".join(f"{line}  # repo" for line in lines) + "\n")

    result = runner.invoke(app, ["fleet", "update", str(fleet), "--json"])

    assert result.exit_code == 1, result.output  # one error wins over conflicts
    report = json.loads(result.stdout)
    assert report["counts"] == {"updated": 4, "conflict": 2, "up-to-date": 3, "error": 1}
    repos = report["repos"]
    statuses = [r["status"] for r in repos]
    assert statuses == ["up-to-date"] * 3 + ["conflict"] * 2 + ["updated"] * 4 + ["error"]
    assert "no-such-repo" in repos[-1]["repo"] and "not a directory" in repos[-1]["error"]
    for kid in kids[5:8]:  # updated on a new branch, checked out; main untouched
        assert git(kid, "branch", "--show-current") == "mlt/update-v2"
        assert git(kid, "log", "-1", "--format=%s") == "Update template to v2"
        assert git(kid, "rev-parse", "main") == git(kid, "rev-parse", "HEAD^1")
    for kid in kids[3:5]:
        assert git(kid, "branch", "--show-current") == "mlt/update-v2"
        assert (kid / ".git/MERGE_HEAD").is_file()
    assert git(kids[8], "branch", "--show-current") == "main"  # the URL's origin is not touched
    assert repos[8]["repo"] == url and repos[8]["branch"] == "mlt/update-v2"
    assert not repos[8]["pushed"]  # without --push the work stays in the clone
    clone = Path(repos[8]["path"])
    assert git(clone, "log", "-1", "--format=%s", "mlt/update-v2") == "Update template to v2"


def test_fleet_table_summary_and_conflict_exit_code(tmp_path, template, runner):
    kids = [make_child(tmp_path / "kids", f"k{i}", str(template.root), "v1") for i in range(2)]
    template.release(v2_changes(template.root), "v2")
    write_tree(
        kids[0],
        {"src/app.py": (kids[0] / "src/app.py").read_text().replace("return 7", "return 1")},
    )
    commit_all(kids[0])
    fleet = tmp_path / "fleet.txt"
    fleet.write_text("\n".join(str(k) for k in kids) + "\n")

    result = runner.invoke(app, ["update", "--fleet", str(fleet)])  # the old spelling

    assert result.exit_code == 3, result.output
    assert "1 updated, 1 conflict, 0 up-to-date, 0 error" in result.stdout
    assert "mlt fleet update" in result.stderr


def test_fleet_dry_run_moves_nothing(tmp_path, template):
    kid = make_child(tmp_path / "kids", "k", str(template.root), "v1")
    template.release(v2_changes(template.root), "v2")
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(f"{kid}\n")
    head = git(kid, "rev-parse", "HEAD")
    [res] = run_fleet(read_fleet_file(fleet), FleetOptions(UpdateOptions(dry_run=True)))
    assert res.status == "dry-run"
    assert git(kid, "branch", "--show-current") == "main" and git(kid, "rev-parse", "HEAD") == head


def test_empty_or_missing_fleet_file_is_usage_error(tmp_path, runner):
    empty = tmp_path / "fleet.txt"
    empty.write_text("# nothing\n")
    assert runner.invoke(app, ["fleet", "update", str(empty)]).exit_code == 2
    missing = runner.invoke(app, ["fleet", "update", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "cannot read fleet file" in missing.stderr


def test_fleet_error_after_branching_restores_the_original_branch(tmp_path, template):
    kid = make_child(tmp_path / "kids", "k", str(template.root), "v1")
    template.release(v2_changes(template.root), "v2")
    write_tree(kid, {"CHANGELOG.md": "untracked, in the way of v2's new file\n"})
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(f"{kid}\n")

    [res] = run_fleet(read_fleet_file(fleet), FleetOptions())

    assert res.status == "error" and "untracked" in res.error
    assert git(kid, "branch", "--show-current") == "main"
    assert "mlt/update-v2" not in git(kid, "branch", "--list")
    assert (kid / "CHANGELOG.md").read_text().startswith("untracked")
