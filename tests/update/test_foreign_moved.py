"""A template that moved, and answers a new template version rejects."""

from __future__ import annotations

import json
import shutil

import pytest

from mlt.cli import app
from mlt.provenance import Provenance
from tests.support.git import git
from tests.support.templates import NAME_AND_FRAMEWORK
from tests.support.update_kit import TemplateRepo, make_child

COPIER_V1 = (
    "_subdirectory: project\n"
    + NAME_AND_FRAMEWORK
    + """\
custom_install:
  type: bool
  default: false
replicas:
  type: int
  default: 1
"""
)
# v2: a choice renamed, a bool turned into a str choice, a new validator.
COPIER_V2 = """\
_subdirectory: project
project_name:
  type: str
framework:
  type: str
  choices: [none, torch, jax]
  default: none
custom_install:
  type: str
  choices: ["yes", "no"]
  default: "no"
replicas:
  type: int
  default: 2
  validator: "{% if replicas < 2 %}at least 2{% endif %}"
"""
README = "project/README.md.jinja"
V1 = {"copier.yml": COPIER_V1, README: "{{ framework }} {{ custom_install }} {{ replicas }}\n"}


@pytest.fixture
def child(tmp_path):
    template = TemplateRepo(tmp_path / "tpl", V1)
    child = make_child(
        tmp_path / "c",
        "demo",
        str(template.root),
        "v1",
        data={"framework": "pytorch", "custom_install": "true"},
    )
    template.release({"copier.yml": COPIER_V2}, "v2")
    return template, child


def run(runner, *args):
    return runner.invoke(app, list(args))


def test_moved_template_names_the_path_and_the_repoint_command(tmp_path, child, runner):
    template, project = child
    moved = tmp_path / "moved" / "tpl"
    moved.parent.mkdir()
    shutil.move(template.root, moved)
    for command in ("update", "check", "diff"):
        result = run(runner, command, str(project))
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr == (
            f"error: template {template.root} (recorded in .mlt.yaml) is not there any more\n"
            "hint: if the template moved, re-point this project: mlt update --template NEW_SRC\n"
        )
    before = git(project, "rev-parse", "HEAD")
    result = run(
        runner, "update", str(project), "--template", str(moved),
        "-d", "framework=torch", "-d", "custom_install=yes", "-d", "replicas=3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    prov = Provenance.read(project)
    assert (prov.source, prov.version) == (str(moved), "v2")
    assert (project / "README.md").read_text() == "torch yes 3\n"
    assert git(project, "rev-parse", "HEAD^1") == before
    assert (
        f"_src_path: {moved}" in (project / ".copier-answers.yml").read_text()
        if (project / ".copier-answers.yml").exists()
        else True
    )
    # Recorded: later commands find the template where it is now.
    assert run(runner, "check", str(project)).exit_code == 0


def test_repoint_to_a_missing_source_is_one_line(tmp_path, child, runner):
    _, project = child
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(f"{project}\n")
    result = run(runner, "update", "--fleet", str(fleet), "--template", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        2,
        "error: --template re-points one project; it does not go with --fleet\n",
    )
    result = run(runner, "update", str(project), "--template", str(tmp_path / "nowhere"))
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: template {tmp_path / 'nowhere'} is not a readable directory\n",
    )


@pytest.mark.parametrize("renderer", ["fast", "copier"])
def test_a_rejected_answer_names_question_value_choices_and_fix(
    child, runner, monkeypatch, renderer
):
    monkeypatch.setenv("MLT_RENDERER", renderer)
    _, project = child
    before = git(project, "rev-parse", "HEAD")
    result = run(runner, "update", str(project))
    assert (result.exit_code, result.stderr) == (
        2,
        "error: invalid framework 'pytorch': choose one of none, torch, jax\n"
        "hint: give them a new answer: -d framework=VALUE -d custom_install=VALUE "
        "-d replicas=VALUE (custom_install, replicas are rejected too)\n",
    )
    result = run(runner, "update", str(project), "-d", "framework=torch")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: invalid custom_install 'true': choose one of yes, no\n"
        "hint: give them a new answer: -d custom_install=VALUE -d replicas=VALUE "
        "(replicas is rejected too)\n",
    )
    result = run(runner, "update", str(project), "-d", "framework=torch", "-d", "custom_install=no")
    assert result.stderr == (
        "error: invalid replicas '1': at least 2\nhint: give it a new answer: -d replicas=VALUE\n"
    )
    assert git(project, "rev-parse", "HEAD") == before  # nothing happened


def test_check_names_the_answer_that_needs_a_new_value(child, runner):
    _, project = child
    result = run(runner, "check", str(project))
    assert result.exit_code == 2
    # All of them at once (copier itself stops at the first), in question order.
    assert result.stdout == (
        "behind: v1 → v2, and answers framework, custom_install, replicas need a new value "
        "(run `mlt update -d framework=VALUE -d custom_install=VALUE -d replicas=VALUE`)\n"
    )
    data = json.loads(run(runner, "check", str(project), "--json").stdout)
    assert data["status"] == "behind"
    assert data["needs_answers"] == ["framework", "custom_install", "replicas"]


def test_diff_takes_new_answers(child, runner):
    _, project = child
    result = run(
        runner, "diff", str(project),
        "-d", "framework=jax", "-d", "custom_install=no", "-d", "replicas=4",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "-pytorch True 1\n+jax no 4\n" in result.stdout
    assert git(project, "status", "--porcelain") == ""
