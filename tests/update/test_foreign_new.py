"""`mlt new --template`: NAME names the directory, the template's questions stay its own."""

from __future__ import annotations

import json

from mlt.cli import app
from mlt.provenance import Provenance
from tests.support.update_kit import TemplateRepo

COPIER_YML = """\
project_name:
  type: str
  default: "{{ _folder_name }} project"
title:
  type: str
  default: "{{ project_name | title }}"
"""
V1 = {"copier.yml": COPIER_YML, "README.md.jinja": "# {{ title }} ({{ project_name }})\n"}


def new(runner, tmp_path, name, *extra):
    template = TemplateRepo(tmp_path / "tpl", V1)
    args = ["new", "thing", name, "-o", str(tmp_path / "out"), "--template", str(template.root)]
    return runner.invoke(app, [*args, "--ref", "v1", "--defaults", *extra])


def test_project_name_is_the_templates_own_question(tmp_path, runner):
    result = new(runner, tmp_path, "Demo.Proj_2", "-d", "project_name=Demo Proj")
    assert result.exit_code == 0, result.output
    child = tmp_path / "out" / "Demo.Proj_2"
    assert (child / "README.md").read_text() == "# Demo Proj (Demo Proj)\n"
    assert Provenance.read(child).answers == {"project_name": "Demo Proj", "title": "Demo Proj"}
    assert "  cd " in result.stdout and "make install" not in result.stdout


def test_its_default_applies_when_not_answered(tmp_path, runner):
    result = new(runner, tmp_path, "svc")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "svc" / "README.md").read_text() == "# Svc Project (svc project)\n"


def test_name_must_still_be_one_plain_directory_name(tmp_path, runner):
    for bad in ("a/b", "..", "_x", "x" * 101):
        result = new(runner, tmp_path / bad.replace("/", "_")[:20], bad)
        assert result.exit_code == 2, bad
        assert result.stderr.startswith("error: invalid directory name '"), result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_bundled_templates_keep_name_as_project_name(tmp_path, runner):
    args = ["new", "library", "lib", "-o", str(tmp_path), "-d", "project_name=x", "--defaults"]
    result = runner.invoke(app, args)
    assert (result.exit_code, result.stderr) == (
        2,
        "error: project_name is the NAME argument; do not pass it with -d\n",
    )


def test_an_update_renders_as_the_child_folder(tmp_path, runner):
    """`_folder_name` is the child's directory in the update's render too: no false change."""
    template = TemplateRepo(tmp_path / "tpl", V1)
    args = ["new", "thing", "svc", "-o", str(tmp_path), "--template", str(template.root)]
    assert runner.invoke(app, [*args, "--ref", "v1", "--defaults"]).exit_code == 0
    template.release({"CHANGELOG.md": "v2\n"}, "v2")
    result = runner.invoke(app, ["update", str(tmp_path / "svc"), "--json"])
    assert result.exit_code == 0, result.output
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == [".mlt.yaml", "CHANGELOG.md"]
    assert (tmp_path / "svc" / "README.md").read_text() == "# Svc Project (svc project)\n"


def test_a_required_question_left_unanswered_names_the_fix(tmp_path, runner):
    template = TemplateRepo(
        tmp_path / "tpl", {**V1, "copier.yml": COPIER_YML + "owner:\n  type: str\n"}
    )
    args = ["new", "thing", "svc", "-o", str(tmp_path / "out"), "--template", str(template.root)]
    result = runner.invoke(app, [*args, "--defaults"])
    assert (result.exit_code, result.stderr) == (
        2,
        'error: question "owner" is required\nhint: answer it with -d owner=VALUE\n',
    )
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
