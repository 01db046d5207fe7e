"""Updates across versions of a bundled template (MLT_TEMPLATES_DIR), and migrations."""

from __future__ import annotations

import pytest

from mlt.cli import app
from mlt.provenance import Provenance
from mlt.update import UpdateOptions, update_project
from tests.support.git import commit_all, git
from tests.support.trees import write_tree
from tests.support.update_kit import copy_bundled, make_child


def bump(template_dir, version, files, migrations="[]"):
    """Release a new bundled template version: change files, set version and migrations."""
    write_tree(template_dir, files)
    write_tree(
        template_dir, {"mlt-template.yml": f"version: {version}\nmigrations: {migrations}\n"}
    )


def test_update_across_bundled_versions(tmp_path, bundled, runner):
    child = make_child(tmp_path / "c", "demo", project_type="library")
    assert Provenance.read(child).source == "bundled:library"
    write_tree(child, {"README.md": (child / "README.md").read_text() + "\nlocal line\n"})
    commit_all(child)
    bump(bundled, "1.1.0", {"project/CONTRIBUTING.md": "be nice\n"})

    assert runner.invoke(app, ["check", str(child)]).exit_code == 2
    result = runner.invoke(app, ["update", str(child)])

    assert result.exit_code == 0, result.output
    assert "1.0.0 → 1.1.0" in result.stdout
    assert (child / "CONTRIBUTING.md").read_text() == "be nice\n"
    assert "local line" in (child / "README.md").read_text()
    assert Provenance.read(child).version == "1.1.0"
    assert git(child, "log", "-1", "--format=%s") == "Update template to 1.1.0"
    assert runner.invoke(app, ["check", str(child)]).exit_code == 0


def test_bundled_same_version_is_up_to_date_without_rendering(tmp_path, bundled, runner):
    child = make_child(tmp_path / "c", "demo", project_type="library")
    (bundled / "copier.yml").write_text("broken: [")  # a render would fail loudly
    result = runner.invoke(app, ["update", str(child)])
    assert result.exit_code == 0 and "already up to date" in result.stdout


def test_ref_is_refused_for_bundled_templates(tmp_path, bundled, runner):
    child = make_child(tmp_path / "c", "demo", project_type="library")
    result = runner.invoke(app, ["update", str(child), "--ref", "v1"])
    assert result.exit_code == 2 and "--ref applies to git templates" in result.stderr


GUIDE_V2 = "".join(f"Guide line {i}.\n" for i in range(12)) + "".join(
    f"New chapter {i}: completely rewritten material.\n" for i in range(30)
)


MIGRATION = (
    '[{version: "2.0.0", rename_files: {docs/guide.md: docs/manual.md}, '
    "rename_answers: {greeting: salutation}}]"
)


def release_v2_with_rename(bundled, migrations=MIGRATION):
    """v2.0.0 renames docs/guide.md → docs/manual.md (rewritten: too different for git's
    rename detection) and the answer greeting → salutation."""
    copier_v2 = (bundled / "copier.yml").read_text().replace("greeting:", "salutation:")
    bump(
        bundled,
        "2.0.0",
        {
            "copier.yml": copier_v2,
            "project/README.md.jinja": "# {{ project_name }}\n\n{{ salutation }}\n",
            "project/docs/guide.md": None,
            "project/docs/manual.md": GUIDE_V2,
        },
        migrations=migrations,
    )


def test_without_the_migration_the_rename_is_a_modify_delete_conflict(tmp_path, bundled):
    child = make_child(tmp_path / "c", "demo", project_type="library")
    guide = (child / "docs/guide.md").read_text().replace("line 2.", "line 2 (ours).")
    write_tree(child, {"docs/guide.md": guide})
    commit_all(child)
    release_v2_with_rename(bundled, migrations="[]")
    result = update_project(child, UpdateOptions(dry_run=True))
    assert "docs/guide.md" in result.conflicts


def test_migration_renames_file_and_answer_once(tmp_path, bundled):
    child = make_child(tmp_path / "c", "demo", project_type="library", data={"greeting": "yo"})
    guide = (child / "docs/guide.md").read_text().replace("line 2.", "line 2 (ours).")
    write_tree(child, {"docs/guide.md": guide})
    commit_all(child)
    release_v2_with_rename(bundled)

    result = update_project(child)

    assert result.status == "updated", result
    assert result.migrations == [
        "rename docs/guide.md → docs/manual.md",
        "rename answer greeting → salutation",
    ]
    assert not (child / "docs/guide.md").exists()
    manual = (child / "docs/manual.md").read_text()
    assert "Guide line 2 (ours)." in manual and "New chapter 29" in manual
    answers = Provenance.read(child).answers
    assert answers["salutation"] == "yo" and "greeting" not in answers
    assert "yo" in (child / "README.md").read_text()
    assert git(child, "log", "-1", "--format=%s") == "Update template to 2.0.0"
    assert git(child, "rev-list", "--count", "--first-parent", "HEAD~1..HEAD") == "1"
    assert git(child, "status", "--porcelain") == ""

    bump(
        bundled,
        "2.1.0",
        {"project/NOTICE": "n\n"},
        migrations='[{version: "2.0.0", '
        "rename_files: {docs/guide.md: docs/manual.md}, rename_answers: {greeting: salutation}}]",
    )
    again = update_project(child)
    assert again.status == "updated" and again.migrations == []
    assert (child / "docs/manual.md").read_text() == manual


@pytest.mark.slow
def test_real_service_template_framework_switch(tmp_path, monkeypatch):
    """The real bundled service template: a -d framework switch arrives through the merge."""
    root = copy_bundled(tmp_path / "templates").parent
    monkeypatch.setenv("MLT_TEMPLATES_DIR", str(root))
    child = make_child(tmp_path / "c", "scorer", project_type="service")
    before = (child / "pyproject.toml").read_text()
    result = update_project(
        child, __import__("mlt.update").update.UpdateOptions(overrides={"framework": "pytorch"})
    )
    assert result.status == "updated", result
    assert (child / "pyproject.toml").read_text() != before
    assert Provenance.read(child).answers["framework"] == "pytorch"
