"""Rough edges a new user hit in their first hour with `mlt update`, `check` and `diff`,
each reproduced as they met it (the CLI, a child made by `mlt new`)."""

from __future__ import annotations

import json

import pytest

from mlt.cli import app
from tests.support.git import git
from tests.support.trees import write_tree
from tests.support.update_kit import make_child


@pytest.fixture
def child(tmp_path, bundled):
    return make_child(tmp_path, "demo", project_type="library")


def _invoke(runner, *args):
    return runner.invoke(app, [*args])


def test_commands_find_the_project_root_from_a_subfolder(child, runner, monkeypatch):
    (child / "docs").mkdir(exist_ok=True)
    monkeypatch.chdir(child / "docs")
    checked = _invoke(runner, "check", "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["path"] == str(child)  # one way to print the folder
    assert _invoke(runner, "update").exit_code == 0
    assert _invoke(runner, "diff").exit_code == 0


def test_missing_template_branch_hints_rebase_template(child, runner):
    git(child, "branch", "-D", "mlt/template")
    failed = _invoke(runner, "update", str(child), "--json")
    assert failed.exit_code == 1
    assert "mlt update --rebase-template" in json.loads(failed.stdout)["hint"]
    assert _invoke(runner, "update", str(child), "--rebase-template").exit_code == 0
    assert _invoke(runner, "update", str(child)).exit_code == 0


def test_check_in_a_child_without_git_is_one_clear_line(tmp_path, bundled, runner):
    from mlt.scaffold.new import NewRequest, create_project

    made = create_project(NewRequest("library", "plain", tmp_path, git=False)).path
    result = _invoke(runner, "check", str(made))
    assert result.exit_code == 1
    assert "fatal:" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and "not a git repository" in first
    assert "--no-git" in first


def test_diff_on_a_dirty_tree_says_it_only_previews(child, runner):
    write_tree(child, {"README.md": "changed\n"})
    result = _invoke(runner, "diff", str(child))
    assert result.exit_code == 1
    assert "before updating" not in result.stderr
    assert "mlt diff previews" in result.stderr and "hint:" in result.stderr


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "is empty"),
        ("schema: other/9\n", "schema 'other/9'"),
    ],
)
def test_unreadable_provenance_gets_the_restore_hint(child, runner, text, says):
    (child / ".mlt.yaml").write_text(text)
    git(child, "commit", "-qam", "damage")
    for command in ("check", "update"):
        result = _invoke(runner, command, str(child), "--json")
        doc = json.loads(result.stdout)
        assert result.exit_code == 1 and says in doc["error"], doc
        assert "git checkout HEAD -- .mlt.yaml" in doc["hint"]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("source: bundled:library", "source: bundled:nope", "names no bundled template"),
        ("version: 1.0.0", "version: 9.9.9", "template.version 9.9.9"),
    ],
)
def test_recorded_source_and_version_are_checked(child, runner, old, new, says):
    prov = child / ".mlt.yaml"
    prov.write_text(prov.read_text().replace(old, new))
    git(child, "commit", "-qam", "hand edit")
    for command in ("check", "update"):
        result = _invoke(runner, command, str(child), "--json")
        doc = json.loads(result.stdout)
        assert result.exit_code == 1 and says in doc["error"], (command, doc)
        assert ".mlt.yaml" in doc["hint"]


def test_commits_without_identity_say_who_they_are_by(child, runner, monkeypatch, bundled):
    write_tree(bundled, {"mlt-template.yml": "version: 1.1.0\nmigrations: []\n"})
    for who in ("AUTHOR", "COMMITTER"):
        for var in ("NAME", "EMAIL"):
            monkeypatch.delenv(f"GIT_{who}_{var}")
    result = _invoke(runner, "update", str(child))
    assert result.exit_code == 0, result.output
    assert "mlt <mlt@localhost>" in result.stderr and "git config --global" in result.stderr
    assert git(child, "log", "-1", "--format=%an <%ae>") == "mlt <mlt@localhost>"


def test_check_flags_a_recorded_answer_that_is_not_a_choice(tmp_path, runner, monkeypatch):
    # The real bundled service template: python_version has choices.
    monkeypatch.delenv("MLT_TEMPLATES_DIR", raising=False)
    child = make_child(tmp_path, "svc", project_type="service")
    prov = child / ".mlt.yaml"
    text = prov.read_text()
    assert "python_version: '3.11'" in text or "python_version: '3.12'" in text
    prov.write_text(text.replace("python_version: '3.1", "python_version: '2.", 1))
    git(child, "commit", "-qam", "hand edit")
    result = _invoke(runner, "check", str(child), "--json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1, doc
    assert "answers.python_version" in doc["error"] and "3.10, 3.11, 3.12" in doc["error"]
    assert "-d python_version=VALUE" in doc["hint"]
