"""`_skip_if_exists` on update: the child's copy of a handed-over file stays, as copier keeps it."""

from __future__ import annotations

import pytest

from mlt.scaffold.render import RENDERER_ENV
from mlt.update import UpdateOptions, diff_project, update_project
from mlt.update.skipped import matcher
from tests.support.git import commit_all, git
from tests.support.trees import write_tree
from tests.support.update_kit import TemplateRepo, make_child
from tests.update.foreign_kit import copier_update, tree_files

COPIER_YML = """\
_subdirectory: project
_min_copier_version: "9.0.0"
_skip_if_exists:
  - config.yaml
  - settings.toml
  - "{{ project_name }}.env"
  - /notes.md
project_name:
  type: str
"""
V1 = {
    "copier.yml": COPIER_YML,
    "project/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    "project/README.md.jinja": "# {{ project_name }}\n",
    "project/config.yaml": "level: 1\n",
    "project/sub/settings.toml": "mode = 'one'\n",
    "project/{{ project_name }}.env.jinja": "NAME={{ project_name }}\n",
    "project/notes.md": "notes v1\n",
    "project/deep/notes.md": "deep notes v1\n",
}
V2 = {
    "project/README.md.jinja": "# {{ project_name }} (v2)\n",
    "project/config.yaml": "level: 2\n",
    "project/sub/settings.toml": "mode = 'two'\n",
    "project/{{ project_name }}.env.jinja": "NAME={{ project_name }}\nV=2\n",
    "project/notes.md": "notes v2\n",
    "project/deep/notes.md": "deep notes v2\n",
}


def _child(tmp_path):
    template = TemplateRepo(tmp_path / "tpl", V1)
    child = make_child(tmp_path / "children", "demo", str(template.root), "v1")
    write_tree(child, {"config.yaml": "level: mine\n", "notes.md": None, "demo.env": None})
    commit_all(child, "local: own config, drop notes and env")
    template.release(V2, "v2")
    return template, child


def test_update_keeps_existing_skip_files_and_recreates_deleted_ones(tmp_path, monkeypatch):
    # On the fast path (no fallback to copier): _min_copier_version and _skip_if_exists keep it.
    monkeypatch.setenv(RENDERER_ENV, "fast")
    _, child = _child(tmp_path)
    result = update_project(child, UpdateOptions(ref="v2"))

    assert result.status == "updated", result
    outcomes = {f.path: f.outcome for f in result.files}
    assert (child / "config.yaml").read_text() == "level: mine\n"  # edited: kept
    # Not edited, but handed over all the same; a bare name matches at any depth.
    assert (child / "sub/settings.toml").read_text() == "mode = 'one'\n"
    assert outcomes["config.yaml"] == outcomes["sub/settings.toml"] == "skipped"
    # Deleted by the child: made again from v2 ...
    assert (child / "notes.md").read_text() == "notes v2\n"
    # ... unless the pattern needs the answers: copier checks deleted files before it
    # knows them (`{{ project_name }}.env` is `.env` there), so demo.env stays deleted.
    assert not (child / "demo.env").exists()
    # `/notes.md` is anchored at the root: the deeper one merges as usual.
    assert (child / "deep/notes.md").read_text() == "deep notes v2\n"
    assert (child / "README.md").read_text() == "# demo (v2)\n"
    assert git(child, "status", "--porcelain") == ""
    # The pristine render on mlt/template is the template's, not the child's.
    assert git(child, "show", "mlt/template:config.yaml") == "level: 2"


def test_update_gives_the_tree_copier_gives(tmp_path, monkeypatch):
    monkeypatch.setenv(RENDERER_ENV, "fast")
    _, child = _child(tmp_path)
    by_copier = tree_files(copier_update(child, tmp_path / "copier", "v2"))
    update_project(child, UpdateOptions(ref="v2"))
    assert tree_files(child) == by_copier


def test_diff_and_dry_run_show_the_same_outcome(tmp_path):
    _, child = _child(tmp_path)
    dry = update_project(child, UpdateOptions(ref="v2", dry_run=True))
    text = diff_project(child, UpdateOptions(ref="v2"))

    assert {f.path: f.outcome for f in dry.files}["config.yaml"] == "skipped"
    assert "config.yaml" not in text and "settings.toml" not in text
    assert "+notes v2" in text and "(v2)" in text and "demo.env" not in text


PATHS = [
    "config.yaml", "sub/config.yaml", "a/b/settings.toml", "notes.md", "deep/notes.md",
    "x.local", "dir.local/file", ".env", "sub/.env", "README.md", "config.yml",
]  # fmt: skip


@pytest.mark.parametrize(
    "patterns",
    [["config.yaml"], ["*.local", "settings.toml"], [".env"], ["/notes.md"], ["sub/*"],
     ["**/notes.md"], ["conf?g.y*ml", "!config.yml"], ["[cs]*"]],
)  # fmt: skip
def test_matcher_agrees_with_pathspec_as_copier_uses_it(patterns):
    import pathspec

    spec = pathspec.PathSpec.from_lines("gitignore", patterns)
    match = matcher(patterns)
    assert [match(p) for p in PATHS] == [spec.match_file(p) for p in PATHS]
