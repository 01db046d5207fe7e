"""Template code (Jinja extensions, tasks) runs only with --trust, on `mlt new` and `mlt update`."""

from __future__ import annotations

from mlt.cli import app
from mlt.provenance import Provenance
from tests.support.git import git
from tests.support.update_kit import TemplateRepo

COPIER_YML = """\
_subdirectory: project
_jinja_extensions: [jinja2.ext.do]
_tasks: ["echo {{ project_name }} > task-ran.txt"]
project_name:
  type: str
  default: Demo Proj
"""
V1 = {
    "copier.yml": COPIER_YML,
    "project/README.md.jinja": "{% set l = [] %}{% do l.append(project_name) %}{{ l }}\n",
}
UNTRUSTED = (
    "error: template {src} needs code to run (jinja_extensions); "
    "mlt runs a template's code only when trusted\n"
    "hint: review the template's copier.yml, then re-run with --trust\n"
)


def new(runner, out, template, *extra):
    args = ["new", "thing", "demo", "-o", str(out), "--template", str(template), "--defaults"]
    return runner.invoke(app, [*args, *extra])


def test_new_refuses_extensions_without_trust_and_leaves_nothing(tmp_path, runner):
    template = TemplateRepo(tmp_path / "tpl", V1)
    result = new(runner, tmp_path / "out", template.root, "--ref", "v1")
    assert (result.exit_code, result.stderr) == (4, UNTRUSTED.format(src=template.root))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_new_with_trust_renders_and_runs_tasks_after_the_commit(tmp_path, runner):
    template = TemplateRepo(tmp_path / "tpl", V1)
    result = new(runner, tmp_path / "out", template.root, "--ref", "v1", "--trust")
    assert result.exit_code == 0, result.output
    child = tmp_path / "out" / "demo"
    # Its own project_name default, not NAME; the extension did its work.
    assert (child / "README.md").read_text() == "['Demo Proj']\n"
    assert Provenance.read(child).answers == {"project_name": "Demo Proj"}
    assert (child / "task-ran.txt").read_text() == "Demo Proj\n"
    assert "ran task: echo Demo Proj > task-ran.txt" in result.stdout
    # The task's output is the user's to keep or not: not in the pristine commit.
    assert "task-ran.txt" not in git(child, "ls-tree", "-r", "--name-only", "HEAD")


def test_update_needs_trust_for_extensions(tmp_path, runner):
    template = TemplateRepo(tmp_path / "tpl", V1)
    assert new(runner, tmp_path, template.root, "--ref", "v1", "--trust").exit_code == 0
    child = tmp_path / "demo"
    (child / "task-ran.txt").unlink()
    template.release({"project/CHANGELOG.md": "v2\n"}, "v2")

    result = runner.invoke(app, ["update", str(child)])
    assert (result.exit_code, result.stderr) == (4, UNTRUSTED.format(src=template.root))
    assert Provenance.read(child).version == "v1"

    result = runner.invoke(app, ["update", str(child), "--trust"])
    assert result.exit_code == 0, result.output
    assert (child / "CHANGELOG.md").read_text() == "v2\n"
    assert (child / "task-ran.txt").read_text() == "Demo Proj\n"


MIGRATIONS = """\
_migrations:
  - version: v2
    command: git mv notes.txt moved-notes.txt
    when: "{{ _stage == 'before' }}"
  - version: v2
    command: "echo {{ _version_from }}-{{ _version_to }} {{ project_name }} > migrated.txt"
  - version: v3
    command: touch never.txt
"""
PLAIN = {
    "copier.yml": "_subdirectory: project\nproject_name:\n  type: str\n",
    "project/notes.txt": "notes\n",
}


def _migrating_child(tmp_path, runner):
    template = TemplateRepo(tmp_path / "tpl", PLAIN)
    assert new(runner, tmp_path, template.root, "--ref", "v1").exit_code == 0
    template.release({"copier.yml": PLAIN["copier.yml"] + MIGRATIONS}, "v2")
    return tmp_path / "demo"


def test_copier_migrations_are_only_named_without_trust(tmp_path, runner):
    child = _migrating_child(tmp_path, runner)
    result = runner.invoke(app, ["update", str(child)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: template defines 2 migration command(s) for this update that were NOT run; "
        "review `_migrations` in its copier.yml and run them yourself, or re-run with --trust\n"
    )
    assert (child / "notes.txt").exists() and not (child / "migrated.txt").exists()


def test_copier_migrations_run_around_the_merge_with_trust(tmp_path, runner):
    child = _migrating_child(tmp_path, runner)
    result = runner.invoke(app, ["update", str(child), "--trust"])
    assert result.exit_code == 0, result.output
    # "before": in the child before the merge, committed on its own.
    assert git(child, "log", "-1", "--format=%s", "HEAD^1") == "Template migrations before v2"
    assert (child / "moved-notes.txt").read_text() == "notes\n"
    # "after" (the default stage): after the merge, with copier's variables.
    assert (child / "migrated.txt").read_text() == "v1-v2 demo\n"
    assert not (child / "never.txt").exists()  # v3 is not crossed
    assert Provenance.read(child).version == "v2"


def test_after_migrations_run_when_a_conflicted_update_is_continued(tmp_path, runner):
    child = _migrating_child(tmp_path, runner)
    (child / "notes.txt").write_text("ours\n")
    git(child, "commit", "-q", "-am", "local notes")
    # v3: notes change upstream too (a conflict); v2's "after" migration is crossed.
    template_root = tmp_path / "tpl"
    (template_root / "project/notes.txt").write_text("theirs\n")
    git(template_root, "commit", "-q", "-am", "v3")
    git(template_root, "tag", "v3")
    result = runner.invoke(app, ["update", str(child), "--ref", "v3"])
    assert result.exit_code == 3, result.output
    (child / "notes.txt").write_text("resolved\n")
    git(child, "add", "notes.txt")

    result = runner.invoke(app, ["update", str(child), "--continue", "--trust"])
    assert result.exit_code == 0, result.output
    assert (child / "migrated.txt").read_text() == "v1-v3 demo\n"
    assert (child / "never.txt").exists()  # v3's own migration is crossed as well
