"""The one copier call: versions, prompts, questions and how failures are reported."""

from __future__ import annotations

import subprocess

import pytest

from mlt.errors import MltError, UsageError
from mlt.scaffold.render import render_template
from mlt.template.source import UNVERSIONED, TemplateSource

PLAIN = {
    "copier.yml": "project_name:\n  type: str\ncolour:\n  type: str\n  default: red\n"
    "size:\n  type: int\n  default: 1\n",
    "out.txt.jinja": "{{ project_name }} {{ colour }} {{ size }}\n",
}


def test_bundled_version_comes_from_mlt_template_yml(tmp_path):
    template = TemplateSource.bundled("library")
    result = render_template(template, tmp_path / "out", {"project_name": "lib"})
    assert result.version == template.bundled_version()
    assert result.commit is None
    assert "README.md" in result.files
    assert result.answers["project_name"] == "lib"


def test_plain_directory_template_is_unversioned(tmp_path, tree):
    source = tree(tmp_path / "tpl", PLAIN)
    result = render_template(
        TemplateSource.external(str(source)), tmp_path / "out", {"project_name": "p"}
    )
    assert (result.version, result.commit) == (UNVERSIONED, None)
    assert result.files == ["out.txt"]
    assert (tmp_path / "out" / "out.txt").read_text() == "p red 1\n"


def test_plain_directory_with_mlt_meta_uses_its_version(tmp_path, tree):
    source = tree(tmp_path / "tpl", {**PLAIN, "mlt-template.yml": "version: 2.3.0\n"})
    result = render_template(
        TemplateSource.external(str(source)), tmp_path / "out", {"project_name": "p"}
    )
    assert result.version == "2.3.0"


def test_git_template_version_is_the_tag_or_describe(tmp_path, git_template):
    tagged = render_template(
        TemplateSource.external(str(git_template), "v1"), tmp_path / "a", {"project_name": "p"}
    )
    assert tagged.version == "v1"
    v1 = subprocess.run(
        ["git", "rev-parse", "v1^{commit}"], cwd=git_template, capture_output=True, text=True
    ).stdout.strip()
    assert tagged.commit == v1

    subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", "wip"],
        cwd=git_template,
        env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
             "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"},
        check=True,
    )  # fmt: skip
    head = render_template(
        TemplateSource.external(str(git_template), "HEAD"), tmp_path / "b", {"project_name": "p"}
    )
    assert head.version.startswith("v2-1-g")


def test_prepare_sees_the_questions_and_sets_the_answers(tmp_path, tree):
    source = tree(tmp_path / "tpl", PLAIN)
    seen = {}

    def prepare(questions):
        seen.update(questions)
        return {"project_name": "p", "size": 3}

    result = render_template(
        TemplateSource.external(str(source)), tmp_path / "out", {"project_name": "ignored"},
        prepare=prepare,
    )  # fmt: skip
    assert list(seen) == ["project_name", "colour", "size"]
    assert seen["size"]["type"] == "int"
    assert result.answers == {"project_name": "p", "colour": "red", "size": 3}


def test_interactive_render_asks_only_unanswered_questions(tmp_path, tree, monkeypatch):
    import copier._main

    asked = []

    def fake_prompt(questions, answers):
        (question,) = questions
        asked.append(question["name"])
        return {question["name"]: {"colour": "blue", "size": 7}[question["name"]]}

    monkeypatch.setattr(copier._main, "unsafe_prompt", fake_prompt)
    source = tree(tmp_path / "tpl", PLAIN)
    result = render_template(
        TemplateSource.external(str(source)), tmp_path / "out", {"project_name": "p"},
        defaults=False, interactive=True,
    )  # fmt: skip
    assert asked == ["colour", "size"]
    assert result.answers == {"project_name": "p", "colour": "blue", "size": 7}
    assert (tmp_path / "out" / "out.txt").read_text() == "p blue 7\n"


def test_ref_on_a_plain_directory_is_refused(tmp_path, tree):
    source = tree(tmp_path / "tpl", PLAIN)
    with pytest.raises(UsageError) as info:
        render_template(TemplateSource.external(str(source), "v1"), tmp_path / "out", {})
    assert info.value.message == (
        f"template {source.resolve()} is not a git repository, so ref 'v1' cannot be used"
    )


def test_template_code_is_refused_with_exit_4(tmp_path, tree):
    source = tree(
        tmp_path / "tpl",
        {**PLAIN, "copier.yml": PLAIN["copier.yml"] + "_jinja_extensions: [x.Y]\n"},
    )
    with pytest.raises(MltError) as info:
        render_template(
            TemplateSource.external(str(source)), tmp_path / "out", {"project_name": "p"}
        )
    assert info.value.exit_code == 4
    assert info.value.message == (
        f"template {source.resolve()} needs code to run (jinja_extensions); "
        "mlt runs a template's code only when trusted"
    )
    assert info.value.hint == "review the template's copier.yml, then re-run with --trust"


def test_unreachable_git_url_names_git_error(tmp_path):
    template = TemplateSource.external(f"file://{tmp_path}/missing.git")
    with pytest.raises(MltError) as info:
        render_template(template, tmp_path / "out", {"project_name": "p"})
    assert info.value.message.startswith(f"cannot read template file://{tmp_path}/missing.git: ")
    assert "\n" not in info.value.message


def test_render_spawns_no_process_per_file(tmp_path, monkeypatch):
    # copier alone runs `git config` once per rendered file; render_template skips that.
    import subprocess as sp

    spawned = []
    real_popen = sp.Popen

    class CountingPopen(real_popen):
        def __init__(self, args, *rest, **kwargs):
            spawned.append(args)
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(sp, "Popen", CountingPopen)
    result = render_template(
        TemplateSource.bundled("library"), tmp_path / "out", {"project_name": "p"}
    )

    assert len(result.files) > 10
    # copier's own fixed probes (git rev-parse, git init + bundle verify, ...): about 4.
    assert len(spawned) <= 6, spawned


def test_ctrl_c_at_a_prompt_is_a_plain_interrupt(tmp_path, tree, monkeypatch):
    import copier._main

    def interrupted(questions, answers):
        raise KeyboardInterrupt

    monkeypatch.setattr(copier._main, "unsafe_prompt", interrupted)
    source = tree(tmp_path / "tpl", PLAIN)
    with pytest.raises(KeyboardInterrupt) as info:
        render_template(
            TemplateSource.external(str(source)), tmp_path / "out", {"project_name": "p"},
            defaults=False, interactive=True,
        )  # fmt: skip
    # Not copier's CopierAnswersInterrupt, which is also a CopierError.
    assert type(info.value) is KeyboardInterrupt
