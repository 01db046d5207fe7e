"""fastrender renders local git templates at an explicit ref exactly as copier does.

A tagged template repository is rendered at tags, branches, shas and HEAD with
MLT_RENDERER=fast (the ref's tree read from the repository, no clone, no copier) and with
MLT_RENDERER=copier (copier's clone): same files, bytes, modes, recorded answers (the answers
file holds `_commit` and `_src_path`), version and commit. What fastrender cannot reproduce
(a dirty HEAD, tasks, symlinks, submodules...) falls back to copier.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlt.copier_subset import fast_render
from mlt.errors import UsageError
from mlt.scaffold.render import RENDERER_ENV, render_files, render_template
from mlt.template.source import TemplateSource
from tests.scaffold.fastrender_support import assert_same, files_only, in_memory
from tests.support.git import IDENTITY_FLAGS
from tests.support.git import git as support_git
from tests.support.trees import write_tree

COPIER_YML = """\
project_name:
  type: str
  help: The name
  validator: "{% if not project_name %}required{% endif %}"
use_docker:
  type: bool
  default: false
docker_base:
  type: str
  default: "python:3.12-slim"
  when: "{{ use_docker }}"
license:
  type: str
  choices: [MIT, Apache-2.0]
  default: MIT
"""

V1 = {
    "copier.yml": COPIER_YML,
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    "README.md.jinja": "# {{ project_name }} ({{ license }})\n",
    "version.txt.jinja": (
        "{{ _commit }} {{ _copier_conf.vcs_ref }} {{ _copier_conf.vcs_ref_hash }} "
        "{{ _src_path }} {{ _folder_name }}\n"
    ),
    "{% if use_docker %}Dockerfile{% endif %}.jinja": "FROM {{ docker_base }}\n",
    "src/{{ project_name }}/__init__.py": "",
    "run.sh": "#!/bin/sh\necho hi\n",
    "data.bin": bytes(range(256)),
}
V2 = {
    "README.md.jinja": "# {{ project_name }}\n\nv2 {{ license }}\n",
    "docs/guide.md": "guide\n",
    "tools/build.sh.jinja": "#!/bin/sh\necho {{ project_name }}\n",
}


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    """git with a fixed identity: these template repos are made without tests.support's git_env."""
    return support_git(cwd, *IDENTITY_FLAGS, *args, input=stdin)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    write_tree(root, files)
    for rel in files:
        if rel.endswith(".sh") or rel.endswith(".sh.jinja"):
            (root / rel).chmod(0o755)


def commit(root: Path, files: dict[str, str | bytes], tag: str | None = None) -> str:
    write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", tag or "change")
    if tag:
        git(root, "tag", tag)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path) -> Path:
    """v1 and v2 tags (v2 annotated), then an untagged commit on main, a feature branch."""
    root = tmp_path / "template"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, V1, "v1")
    commit(root, V2)
    git(root, "tag", "-a", "-m", "two", "v2")
    commit(root, {"docs/extra.md": "after v2\n"})
    git(root, "checkout", "-q", "-b", "feature", "v1")
    commit(root, {"feature.txt": "feature\n"})
    git(root, "checkout", "-q", "main")
    return root


def snapshot(root: Path) -> dict[str, tuple[bool, int, bytes | None]]:
    result = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        content = None if path.is_dir() else path.read_bytes()
        result[path.relative_to(root).as_posix()] = (path.is_dir(), info.st_mode, content)
    return result


def render_with(renderer, monkeypatch, template, dest, answers, **kwargs):
    if renderer is None:
        monkeypatch.delenv(RENDERER_ENV, raising=False)
    else:
        monkeypatch.setenv(RENDERER_ENV, renderer)
    try:
        return render_template(template, dest, dict(answers), **kwargs)
    finally:
        monkeypatch.delenv(RENDERER_ENV, raising=False)


def both(monkeypatch, tmp_path, template, answers, fast="fast"):
    results = {}
    for renderer in ("copier", fast):
        dest = tmp_path / str(renderer) / "child"
        result = render_with(renderer, monkeypatch, template, dest, answers)
        results[renderer] = (result, snapshot(dest))
    return results["copier"], results[fast]


ANSWER_SETS = [
    {"project_name": "demo"},
    {"project_name": "demo", "use_docker": True, "license": "Apache-2.0"},
    {"project_name": "demo", "use_docker": "yes", "docker_base": "ubuntu"},
]


@pytest.mark.parametrize("ref", ["v1", "v2", "main", "feature", "HEAD", "sha"])
@pytest.mark.parametrize("answers", ANSWER_SETS, ids=["defaults", "docker", "cast"])
def test_git_ref_renders_identical_to_copier(tmp_path, monkeypatch, repo, ref, answers):
    if ref == "sha":
        ref = git(repo, "rev-parse", "v1")
    template = TemplateSource.external(str(repo), ref)
    copier, fast = both(monkeypatch, tmp_path, template, answers)
    assert_same(copier, fast)
    result, tree = fast
    assert result.commit == git(repo, "rev-parse", f"{ref}^{{commit}}")
    assert "_commit:" in tree[".copier-answers.yml"][2].decode()
    assert tree["run.sh"][1] & 0o111


@pytest.mark.parametrize("ref", ["v1", "v2", "feature"])
def test_in_memory_render_is_copiers_render(tmp_path, monkeypatch, repo, ref):
    """What `mlt update` commits (`render_files`, read from git objects, never written) is
    what copier writes, modes included."""
    template = TemplateSource.external(str(repo), ref)
    answers = {"project_name": "demo", "use_docker": True}
    copier = render_with("copier", monkeypatch, template, tmp_path / "render", answers)
    monkeypatch.setenv(RENDERER_ENV, "fast")
    result, files = render_files(template, dict(answers))
    assert in_memory(files) == files_only(snapshot(tmp_path / "render"))
    assert (result.answers, result.version, result.commit) == (
        copier.answers,
        copier.version,
        copier.commit,
    )


def test_version_is_the_tag_or_the_description(tmp_path, monkeypatch, repo):
    monkeypatch.setenv(RENDERER_ENV, "fast")
    for ref, version in (("v1", "v1"), ("v2", "v2")):
        result = render_template(
            TemplateSource.external(str(repo), ref), tmp_path / ref, {"project_name": "x"}
        )
        assert result.version == version
    result = render_template(
        TemplateSource.external(str(repo), "main"), tmp_path / "main", {"project_name": "x"}
    )
    assert result.version.startswith("v2-1-g")


def test_prepare_sees_the_refs_questions(tmp_path, monkeypatch, repo):
    seen = {}

    def prepare_as(renderer):
        def prepare(questions):
            seen[renderer] = dict(questions)
            return {"project_name": "prepared"}

        return prepare

    template = TemplateSource.external(str(repo), "v2")
    results = {}
    for renderer in ("copier", "fast"):
        dest = tmp_path / renderer / "child"
        result = render_with(
            renderer, monkeypatch, template, dest, {}, prepare=prepare_as(renderer)
        )
        results[renderer] = (result, snapshot(dest))
    assert seen["fast"] == seen["copier"]
    assert_same(results["copier"], results["fast"])


def test_dirty_head_falls_back_to_copier_and_a_tag_ignores_the_changes(tmp_path, monkeypatch, repo):
    (repo / "README.md.jinja").write_text("# dirty {{ project_name }}\n", encoding="utf-8")
    (repo / "untracked.txt").write_text("new\n", encoding="utf-8")
    answers = {"project_name": "demo"}
    head = TemplateSource.external(str(repo), "HEAD")
    with pytest.raises(fast_render.Unsupported, match="dirty"):
        render_with("fast", monkeypatch, head, tmp_path / "strict", answers)
    with pytest.warns(Warning):  # copier's DirtyLocalWarning
        result = render_with(None, monkeypatch, head, tmp_path / "head", answers)
    # copier commits the changes in its clone: a new commit on top of main's.
    assert result.version.startswith("v2-2-g")
    assert (tmp_path / "head" / "README.md").read_text(encoding="utf-8") == "# dirty demo\n"
    assert (tmp_path / "head" / "untracked.txt").is_file()
    tagged = TemplateSource.external(str(repo), "v2")
    copier, fast = both(monkeypatch, tmp_path / "tag", tagged, answers)
    assert_same(copier, fast)
    assert "untracked.txt" not in fast[1]


@pytest.mark.parametrize("renderer", ["copier", "fast", None])
def test_missing_ref_reads_the_same(tmp_path, monkeypatch, repo, renderer):
    template = TemplateSource.external(str(repo), "v9")
    if renderer == "fast":
        with pytest.raises(fast_render.Unsupported):
            render_with(renderer, monkeypatch, template, tmp_path / "c", {"project_name": "x"})
        return
    with pytest.raises(UsageError) as info:
        render_with(renderer, monkeypatch, template, tmp_path / "c", {"project_name": "x"})
    assert str(info.value) == f"template {repo} has no tag or commit 'v9'"


def test_answer_errors_read_the_same(tmp_path, monkeypatch, repo):
    template = TemplateSource.external(str(repo), "v1")
    messages = {}
    for renderer in ("copier", "fast"):
        with pytest.raises(UsageError) as info:
            render_with(renderer, monkeypatch, template, tmp_path / renderer, {"license": "GPL"})
        messages[renderer] = str(info.value)
    assert messages["fast"] == messages["copier"]


@pytest.mark.parametrize(
    "change",
    [
        {"copier.yml": COPIER_YML + "_secret_questions: [license]\n"},
        {".gitattributes": "*.md text eol=crlf\n"},
        {"copier.yml": COPIER_YML + "_exclude: [copier.yml]\n"},
    ],
    ids=["secret-questions", "gitattributes", "exclude-without-git"],
)
def test_unsupported_git_templates_fall_back_to_copier(tmp_path, monkeypatch, repo, change):
    commit(repo, change, "v3")
    template = TemplateSource.external(str(repo), "v3")
    with pytest.raises(fast_render.Unsupported):
        render_with("fast", monkeypatch, template, tmp_path / "strict", {"project_name": "x"})
    dest = tmp_path / "fallback"
    result = render_with(None, monkeypatch, template, dest, {"project_name": "x"})
    assert result.version == "v3"
    assert (dest / "README.md").is_file()


def test_symlinks_fall_back_to_copier(tmp_path, monkeypatch, repo):
    (repo / "link.md").symlink_to("docs/guide.md")
    commit(repo, {}, "v3")
    template = TemplateSource.external(str(repo), "v3")
    with pytest.raises(fast_render.Unsupported, match="symlink"):
        render_with("fast", monkeypatch, template, tmp_path / "strict", {"project_name": "x"})


def test_git_template_render_does_not_import_copier(tmp_path, repo):
    code = (
        "import sys; from pathlib import Path\n"
        "from mlt.scaffold.render import render_template\n"
        "from mlt.template.source import TemplateSource\n"
        f"t = TemplateSource.external({str(repo)!r}, 'v2')\n"
        f"r = render_template(t, Path({str(tmp_path / 'out')!r}), {{'project_name': 'x'}})\n"
        "assert r.version == 'v2', r\n"
        "assert 'copier' not in sys.modules, 'copier imported'\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != RENDERER_ENV}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
