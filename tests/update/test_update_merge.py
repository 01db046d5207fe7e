"""`mlt update` on a git template: clean merges, conflicts, deletions, renames, binaries."""

from __future__ import annotations

import json

import pytest

from mlt.cli import app
from mlt.provenance import Provenance
from mlt.update import UpdateOptions, update_project
from tests.support.git import commit_all, git
from tests.support.trees import write_tree
from tests.support.update_kit import PNG, make_child, refs, v2_changes


@pytest.fixture
def child(tmp_path, template):
    """A child at v1; the template then releases v2."""
    path = make_child(tmp_path / "children", "demo", str(template.root), "v1")
    template.release(v2_changes(template.root), "v2")
    return path


def test_clean_update_is_one_merge_commit_with_all_changes(child, runner):
    write_tree(
        child,
        {
            "README.md": (child / "README.md").read_text() + "\nTeam notes: keep me.\n",
            "docs/guide.md": (child / "docs/guide.md")
            .read_text()
            .replace("line 2.", "line 2 (ours)."),
            "notes/mine.txt": "user file\n",
        },
    )
    before = commit_all(child)
    tip = git(child, "rev-parse", "mlt/template")

    result = runner.invoke(app, ["update", str(child), "--json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["status"], data["version_from"], data["version_to"]) == ("updated", "v1", "v2")
    assert git(child, "log", "-1", "--format=%s") == "Update template to v2"
    parents = git(child, "log", "-1", "--format=%P").split()
    assert parents[0] == before and len(parents) == 2
    assert git(child, "rev-parse", "mlt/template") == parents[1]
    assert git(child, "rev-parse", "mlt/template^") == tip
    assert git(child, "rev-list", "--count", f"{before}..HEAD", "--first-parent") == "1"
    assert git(child, "status", "--porcelain") == ""
    readme = (child / "README.md").read_text()
    assert readme.startswith("# demo (v2)") and "Team notes: keep me." in readme
    assert "return 70" in (child / "src/app.py").read_text()
    assert (child / "CHANGELOG.md").read_text() == "## v2\n"
    assert not (child / "old.txt").exists()
    assert not (child / "docs/guide.md").exists()
    handbook = (child / "docs/handbook.md").read_text()
    assert "Guide line 2 (ours)." in handbook and "Guide line 11 (v2)." in handbook
    assert (child / "logo.png").read_bytes() == PNG[::-1]
    assert (child / "notes/mine.txt").read_text() == "user file\n"
    assert Provenance.read(child).version == "v2"
    outcomes = {f["path"]: f["outcome"] for f in data["files"]}
    assert outcomes["README.md"] == "merged"
    assert outcomes["docs/handbook.md"] == "merged"
    assert outcomes["src/app.py"] == "written"
    assert outcomes["CHANGELOG.md"] == "written"
    assert outcomes["old.txt"] == "deleted"
    assert outcomes["logo.png"] == "written"
    assert "notes/mine.txt" not in outcomes
    renamed = next(f for f in data["files"] if f["path"] == "docs/handbook.md")
    assert renamed["renamed_from"] == "docs/guide.md"


def test_second_run_is_up_to_date(child, runner):
    assert update_project(child).status == "updated"
    head = git(child, "rev-parse", "HEAD")
    result = runner.invoke(app, ["update", str(child)])
    assert result.exit_code == 0
    assert "already up to date" in result.stdout
    assert git(child, "rev-parse", "HEAD") == head


def test_conflict_exit_3_markers_stages_nothing_committed_then_continue(child, runner):
    write_tree(
        child,
        {
            "src/app.py": (child / "src/app.py")
            .read_text()
            .replace("return 7", "return 7000  # tuned by the team")
        },
    )
    before = commit_all(child)

    result = runner.invoke(app, ["update", str(child)])

    assert result.exit_code == 3, result.output
    assert "src/app.py" in result.stdout and "conflict" in result.stdout
    text = (child / "src/app.py").read_text()
    assert "<<<<<<< " in text and "=======" in text and ">>>>>>> " in text
    assert "return 7000  # tuned by the team" in text and "return 70\n" in text
    stages = {line.split()[2] for line in git(child, "ls-files", "-u", "src/app.py").splitlines()}
    assert stages == {"1", "2", "3"}
    assert git(child, "rev-parse", "HEAD") == before
    assert (child / ".git/MERGE_HEAD").is_file()
    # Non-conflicting upstream changes are already in the working tree, staged.
    assert (child / "CHANGELOG.md").is_file()

    again = runner.invoke(app, ["update", str(child), "--continue"])
    assert again.exit_code == 3 and "unmerged" in again.stderr

    write_tree(child, {"src/app.py": text.split("<<<<<<< ")[0] + "    return 7000\n"})
    git(child, "add", "src/app.py")
    done = runner.invoke(app, ["update", str(child), "--continue"])
    assert done.exit_code == 0, done.output
    assert git(child, "log", "-1", "--format=%s") == "Update template to v2"
    assert git(child, "log", "-1", "--format=%P").split()[0] == before
    assert not (child / ".git/MERGE_HEAD").exists()
    assert runner.invoke(app, ["check", str(child)]).exit_code == 0


def test_continue_refuses_files_that_still_have_markers(child, runner):
    write_tree(
        child, {"src/app.py": (child / "src/app.py").read_text().replace("return 7", "return 7000")}
    )
    commit_all(child)
    assert runner.invoke(app, ["update", str(child)]).exit_code == 3
    git(child, "add", "src/app.py")  # staged with the markers still in it
    result = runner.invoke(app, ["update", str(child), "--continue"])
    assert result.exit_code == 3
    assert "conflict markers left in: src/app.py" in result.stderr
    assert (child / ".git/MERGE_HEAD").is_file()


def test_file_deleted_locally_and_changed_upstream_stays_deleted(child):
    git(child, "rm", "-q", "src/app.py")
    commit_all(child, "we do not need app.py")

    result = update_project(child)

    assert result.status == "updated"
    assert not (child / "src/app.py").exists()
    assert "src/app.py" not in git(child, "ls-files")
    assert {f.path: f.outcome for f in result.files}["src/app.py"] == "kept-deleted"


def test_file_changed_locally_and_deleted_upstream_is_a_conflict_keeping_local_text(child):
    write_tree(child, {"old.txt": "still needed here\n"})
    before = commit_all(child)

    result = update_project(child)

    assert result.status == "conflict" and result.conflicts == ["old.txt"]
    assert (child / "old.txt").read_text() == "still needed here\n"
    assert git(child, "rev-parse", "HEAD") == before


def test_binary_changed_on_both_sides_conflicts_and_keeps_ours(child):
    write_tree(child, {"logo.png": b"\x89PNG our own logo \x00\x01"})
    commit_all(child)

    result = update_project(child)

    assert result.status == "conflict" and "logo.png" in result.conflicts
    assert (child / "logo.png").read_bytes() == b"\x89PNG our own logo \x00\x01"
    stages = {line.split()[2] for line in git(child, "ls-files", "-u", "logo.png").splitlines()}
    assert stages == {"1", "2", "3"}


def test_dirty_tree_is_refused_with_one_line(child, runner):
    write_tree(child, {"README.md": "uncommitted\n"})
    before = refs(child)
    result = runner.invoke(app, ["update", str(child)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "uncommitted change" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert refs(child) == before


def test_staged_change_is_refused(child):
    write_tree(child, {"new.txt": "x\n"})
    git(child, "add", "new.txt")
    with pytest.raises(Exception, match="uncommitted change"):
        update_project(child)


def test_untracked_files_are_fine_unless_the_update_would_overwrite_them(child, runner):
    write_tree(child, {"scratch.txt": "mine\n"})
    assert update_project(child).status == "updated"
    assert (child / "scratch.txt").read_text() == "mine\n"


def test_untracked_file_in_the_way_is_refused_and_nothing_moves(child, runner):
    write_tree(child, {"CHANGELOG.md": "my own untracked changelog\n"})
    before = refs(child)
    result = runner.invoke(app, ["update", str(child)])
    assert result.exit_code == 1
    assert "CHANGELOG.md" in result.stderr or "untracked" in result.stderr
    assert refs(child) == before
    assert (child / "CHANGELOG.md").read_text() == "my own untracked changelog\n"


def test_answer_change_via_d_renders_new_files_through_the_merge(tmp_path, template, runner):
    child = make_child(tmp_path / "c", "demo", str(template.root), "v1")
    assert not (child / "train.py").exists()

    result = runner.invoke(app, ["update", str(child), "-d", "framework=pytorch", "--ref", "v1"])

    assert result.exit_code == 0, result.output
    assert (child / "train.py").read_text() == "import torch\n"
    assert Provenance.read(child).answers["framework"] == "pytorch"
    assert "framework: pytorch" in (child / ".copier-answers.yml").read_text()
    assert git(child, "log", "-1", "--format=%s") == "Update template to v1 (framework=pytorch)"


def test_bad_answer_is_a_one_line_usage_error(child, runner):
    before = refs(child)
    result = runner.invoke(app, ["update", str(child), "-d", "framework=jax"])
    assert result.exit_code == 2
    assert "framework" in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    result = runner.invoke(app, ["update", str(child), "-d", "nosuchkey=1"])
    assert result.exit_code == 2 and "nosuchkey" in result.stderr
    assert refs(child) == before


def test_dry_run_touches_nothing_and_reports_outcomes(child, runner):
    write_tree(
        child, {"src/app.py": (child / "src/app.py").read_text().replace("return 7", "return 7000")}
    )
    commit_all(child)
    before_refs, before_app = refs(child), (child / "src/app.py").read_text()

    result = runner.invoke(app, ["update", str(child), "--dry-run", "--json"])

    assert result.exit_code == 3, result.output  # the update it previews would conflict
    data = json.loads(result.stdout)
    assert data["status"] == "dry-run" and data["version_to"] == "v2"
    outcomes = {f["path"]: f["outcome"] for f in data["files"]}
    assert outcomes["src/app.py"] == "conflict"
    assert outcomes["CHANGELOG.md"] == "written" and outcomes["old.txt"] == "deleted"
    assert refs(child) == before_refs
    assert git(child, "status", "--porcelain", "--untracked-files=all") == ""
    assert (child / "src/app.py").read_text() == before_app
    assert not (child / ".git/MERGE_HEAD").exists()


def test_diff_prints_what_update_would_apply_and_changes_nothing(child, runner):
    before = refs(child)
    result = runner.invoke(app, ["diff", str(child)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "+# demo (v2)" in out and "-# demo" in out
    assert "+    return 70" in out
    assert "diff --git a/old.txt b/old.txt" in out and "deleted file" in out
    assert "rename from docs/guide.md" in out and "rename to docs/handbook.md" in out
    assert refs(child) == before
    assert git(child, "status", "--porcelain", "--untracked-files=all") == ""
    update_project(child)
    assert runner.invoke(app, ["diff", str(child)]).stdout == ""


def test_not_a_child_project_is_one_line_error(tmp_path, runner):
    git(tmp_path, "init", "-q")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "x")
    result = runner.invoke(app, ["update", str(tmp_path)])
    assert result.exit_code == 1 and "was not made by `mlt new`" in result.stderr
    result = runner.invoke(app, ["update", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "not a directory" in result.stderr


def test_update_options_ref_goes_to_the_named_tag(child):
    result = update_project(child, UpdateOptions(ref="v1", overrides={"greeting": "hi"}))
    assert result.status == "updated" and result.version_to == "v1"
    assert "hi" in (child / "README.md").read_text()


def test_template_only_copier_renders_updates_with_links_and_modes(tmp_path):
    """A template fast_render declines (here: `_preserve_symlinks`) renders through copier into
    a temp folder; the pristine commit keeps its symlink (120000) and executable (100755)."""
    from tests.support.update_kit import COPIER_YML, V1, TemplateRepo

    files = {**V1, "copier.yml": COPIER_YML + "_preserve_symlinks: true\n"}
    files["project/run.sh"] = "#!/bin/sh\necho run\n"
    template = TemplateRepo(tmp_path / "template", files, tag="v0")
    (template.root / "project" / "run.sh").chmod(0o755)  # write_tree cannot say these
    (template.root / "project" / "latest.md").symlink_to("README.md")
    template.release({}, "v1")
    child = make_child(tmp_path / "c", "demo", str(template.root), "v1")
    template.release(v2_changes(template.root), "v2")

    result = update_project(child)
    assert result.status == "updated", result.error
    modes = {
        line.split("\t")[1]: line.split()[0]
        for line in git(child, "ls-tree", "-r", "mlt/template").splitlines()
    }
    assert modes["latest.md"] == "120000" and modes["run.sh"] == "100755"
    assert modes["README.md"] == "100644" and "CHANGELOG.md" in modes
    assert (child / "latest.md").is_symlink() and (child / "CHANGELOG.md").is_file()
