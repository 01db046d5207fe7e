"""fastrender renders the bundled templates exactly as copier does, and defers to copier for
everything it does not reproduce.

Every option set of the template and delivery matrices is rendered twice, with
MLT_RENDERER=fast (fastrender, no fallback) and MLT_RENDERER=copier, and the two trees must
match: same files and folders, same bytes, same modes, same recorded answers in the same order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlt import resources
from mlt.copier_subset import fast_render
from mlt.errors import MltError, UsageError
from mlt.scaffold.render import RENDERER_ENV, render_files, render_template
from mlt.template.source import TemplateSource
from tests.delivery.cases import CASES as DELIVERY_CASES
from tests.scaffold.fastrender_support import assert_same, files_only, in_memory
from tests.templates.matrix import CASES as TEMPLATE_CASES

CASES = [(f"templates-{c.id}", c.type, c.full_answers()) for c in TEMPLATE_CASES] + [
    (f"delivery-{c.id}", c.project_type, c.answers()) for c in DELIVERY_CASES
]


def snapshot(root: Path) -> dict[str, tuple[bool, int, bytes | None]]:
    """Every path under root: (is a folder, mode, bytes)."""
    result = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        result[path.relative_to(root).as_posix()] = (
            path.is_dir(),
            info.st_mode,
            None if path.is_dir() else path.read_bytes(),
        )
    return result


def render_with(renderer, monkeypatch, template, dest, answers, **kwargs):
    monkeypatch.setenv(RENDERER_ENV, renderer)
    try:
        return render_template(template, dest, dict(answers), **kwargs)
    finally:
        monkeypatch.delenv(RENDERER_ENV)


def both(monkeypatch, tmp_path, template, answers, **kwargs):
    """Render with copier and with fastrender into folders of the same name."""
    results = {}
    for renderer in ("copier", "fast"):
        dest = tmp_path / renderer / "child"
        result = render_with(renderer, monkeypatch, template, dest, answers, **kwargs)
        results[renderer] = (result, snapshot(dest))
    return results["copier"], results["fast"]


@pytest.mark.parametrize(("case_id", "project_type", "answers"), CASES, ids=[c[0] for c in CASES])
def test_bundled_render_is_identical_to_copier(
    tmp_path, monkeypatch, case_id, project_type, answers
):
    template = TemplateSource.bundled(project_type)
    assert_same(*both(monkeypatch, tmp_path, template, answers))


@pytest.mark.parametrize(("case_id", "project_type", "answers"), CASES, ids=[c[0] for c in CASES])
def test_in_memory_render_is_the_written_render(tmp_path, case_id, project_type, answers):
    """`render_files` (what `mlt update` commits) holds exactly what `render_template` writes,
    when the folder has the name an in-memory render pretends to have."""
    template = TemplateSource.bundled(project_type)
    written = render_template(template, tmp_path / "render", dict(answers))
    result, files = render_files(template, dict(answers))
    assert in_memory(files) == files_only(snapshot(tmp_path / "render"))
    assert (result.answers, result.version, result.files) == (
        written.answers,
        written.version,
        written.files,
    )


@pytest.mark.parametrize("project_type", resources.PROJECT_TYPES)
def test_prepare_gets_the_same_questions_and_its_answers_are_used(
    tmp_path, monkeypatch, project_type
):
    seen = {}

    def prepare_as(renderer):
        def prepare(questions):
            seen[renderer] = questions
            return {"project_name": "prepared", "license": "MIT"}

        return prepare

    template = TemplateSource.bundled(project_type)
    results = {}
    for renderer in ("copier", "fast"):
        dest = tmp_path / renderer / "child"
        result = render_with(
            renderer, monkeypatch, template, dest, {"project_name": "x"},
            prepare=prepare_as(renderer),
        )  # fmt: skip
        results[renderer] = (result, snapshot(dest))
    assert seen["fast"] == seen["copier"]
    assert list(seen["fast"]) == list(seen["copier"])
    assert results["fast"][0].answers["project_name"] == "prepared"
    assert_same(results["copier"], results["fast"])


def test_when_false_question_is_not_recorded(tmp_path, monkeypatch):
    template = TemplateSource.bundled("service")
    answers = {"project_name": "svc", "gpu": False, "gpu_node_selector": "a=b"}
    copier, fast = both(monkeypatch, tmp_path, template, answers)
    assert_same(copier, fast)
    assert "gpu_node_selector" not in fast[0].answers
    assert "gpu" in fast[0].answers

    shutil.rmtree(tmp_path / "copier"), shutil.rmtree(tmp_path / "fast")
    copier, fast = both(monkeypatch, tmp_path, template, {**answers, "gpu": True})
    assert_same(copier, fast)
    assert fast[0].answers["gpu_node_selector"] == "a=b"


@pytest.mark.parametrize(
    ("project_type", "answers", "message"),
    [
        ("service", {"port": 80}, "invalid port '80': port must be between 1024 and 65535"),
        (
            "service",
            {"framework": "jax"},
            "invalid framework 'jax': choose one of none, pytorch, tensorflow",
        ),
        ("service", {"min_replicas": 5, "max_replicas": 2}, None),
        ("service", {"gpu": True, "base_image": "cpu"}, None),
        ("service", {"framework": "pytorch", "base_image": "tensorflow"}, None),
        ("batch-job", {"job_completions": 0}, None),
        ("batch-job", {"job_completions": "many"}, None),
        ("batch-job", {"job_completions": 2, "job_parallelism": 3}, None),
        ("library", {"python_version": "3.9"}, None),
        ("library", {"package_name": "Not-Valid"}, None),
        ("library", {"author_email": "nobody"}, None),
        ("library", {"project_name": "Bad_Name"}, None),
        ("library", {"project_name": None}, 'question "project_name" is required'),
    ],
)
def test_answer_errors_read_the_same_on_both_paths(
    tmp_path, monkeypatch, project_type, answers, message
):
    template = TemplateSource.bundled(project_type)
    data = {"project_name": "demo", **answers}
    if data["project_name"] is None:
        del data["project_name"]
    errors = {}
    for renderer in ("copier", "fast"):
        dest = tmp_path / renderer
        with pytest.raises(UsageError) as info:
            render_with(renderer, monkeypatch, template, dest, data)
        errors[renderer] = info.value.message
        assert not dest.exists()
    assert errors["fast"] == errors["copier"]
    if message is not None:
        assert errors["fast"] == message


# --- a bundled stand-in with features fastrender declines -----------------------------------

TINY = {
    "copier.yml": "project_name:\n  type: str\ncolour:\n  type: str\n  default: red\n",
    "mlt-template.yml": "version: 1.0.0\n",
    "README.md.jinja": "{{ project_name }} is {{ colour }}\n",
}


def tiny_bundled(root: Path, files: dict[str, str]) -> TemplateSource:
    for rel, text in {**TINY, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return TemplateSource("bundled:tiny", str(root), None, "tiny")


UNSUPPORTED = {
    "secret_questions": {"copier.yml": TINY["copier.yml"] + "_secret_questions: [colour]\n"},
    "secret": {"copier.yml": TINY["copier.yml"] + "  secret: true\n"},
    "multiselect": {"copier.yml": TINY["copier.yml"] + "  multiselect: false\n"},
    "path type": {"copier.yml": TINY["copier.yml"] + "where:\n  type: path\n  default: x\n"},
    "now": {"stamp.txt.jinja": "{{ now is defined }}\n"},
    "copier_conf.data": {"conf.txt.jinja": "{{ _copier_conf.data }}\n"},
    "copier_conf whole": {"conf.txt.jinja": "{{ _copier_conf is defined }}\n"},
    "copier_phase": {"phase.txt.jinja": "{{ _copier_phase }}\n"},
    "yield": {
        "{% yield c from ['a', 'b'] %}{{ c }}{% endyield %}.txt.jinja": "{{ c }}\n",
    },
    "templated exclude": {"copier.yml": TINY["copier.yml"] + "_exclude: ['{{ colour }}']\n"},
}


@pytest.mark.parametrize("files", UNSUPPORTED.values(), ids=UNSUPPORTED.keys())
def test_unsupported_features_fall_back_to_copier(tmp_path, monkeypatch, files):
    template = tiny_bundled(tmp_path / "tpl", files)
    with pytest.raises(fast_render.Unsupported):
        fast = fast_render.FastTemplate(template.path)
        fast.render(tmp_path / "strict", {"project_name": "p"})
    assert not (tmp_path / "strict").exists()
    # Without MLT_RENDERER, render_template falls back: the result is copier's.
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    auto = render_template(template, tmp_path / "auto" / "child", {"project_name": "p"})
    forced = render_with(
        "copier", monkeypatch, template, tmp_path / "copier" / "child", {"project_name": "p"}
    )
    assert auto.answers == forced.answers and auto.files == forced.files
    assert snapshot(tmp_path / "auto") == snapshot(tmp_path / "copier")


# Settings a fresh render only checks (copier acts on them in updates, prompts or tasks):
# they keep a template on the fast path, and both renders still agree byte for byte.
INERT = {
    "min_copier_version": "_min_copier_version: '9.0.0'\n",
    "skip_if_exists": "_skip_if_exists: [README.md, '{{ colour }}.txt']\n",
    "tasks": "_tasks: ['touch ran']\n",
    "migrations": "_migrations:\n  - version: v2\n    command: touch migrated\n",
    "messages": "_message_after_copy: 'made {{ project_name }}'\n_message_before_update: hi\n",
}


@pytest.mark.parametrize("setting", INERT.values(), ids=INERT.keys())
def test_settings_a_fresh_render_ignores_stay_on_the_fast_path(tmp_path, monkeypatch, setting):
    template = tiny_bundled(tmp_path / "tpl", {"copier.yml": TINY["copier.yml"] + setting})
    fast_render.FastTemplate(template.path)  # no Unsupported
    copier, fast = both(monkeypatch, tmp_path, template, {"project_name": "p"})
    assert_same(copier, fast)
    assert sorted(fast[1]) == ["README.md", "mlt-template.yml"]  # no task or migration ran


def test_min_copier_version_above_the_installed_copier_is_copiers_error(tmp_path, monkeypatch):
    template = tiny_bundled(
        tmp_path / "tpl", {"copier.yml": TINY["copier.yml"] + "_min_copier_version: '99.0'\n"}
    )
    with pytest.raises(fast_render.Unsupported):
        fast_render.FastTemplate(template.path)
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    with pytest.raises(MltError) as info:
        render_template(template, tmp_path / "out", {"project_name": "p"})
    assert "This template requires Copier version >= 99.0" in info.value.message
    assert not (tmp_path / "out").exists()


def test_in_memory_render_of_a_template_only_copier_renders(tmp_path, monkeypatch):
    """The copier fallback of `render_files` renders into a temp folder and reads it back."""
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    template = tiny_bundled(tmp_path / "tpl", UNSUPPORTED["secret_questions"])
    written = render_template(template, tmp_path / "render", {"project_name": "p"})
    result, files = render_files(template, {"project_name": "p"})
    assert in_memory(files) == files_only(snapshot(tmp_path / "render"))
    assert result.files == written.files == ["README.md", "mlt-template.yml"]


def test_supported_copier_features_match_copier(tmp_path, monkeypatch):
    """The rest of the subset: multi-document copier.yml, _copier_conf/_copier_answers and the
    answers file, modes, excludes, empty path parts, a templated sibling, envops, choices as
    a mapping, yaml/json/float answers, a when-false question without default."""
    copier_yml = (
        "_subdirectory: tpl\n"
        "_exclude: ['*.bak', 'skip-me']\n"
        "_answers_file: .answers.yml\n"
        "_envops: {trim_blocks: true}\n"
        "project_name:\n  type: str\n"
        "colour:\n  type: str\n  choices: {Red: red, Blue: blue}\n  default: blue\n"
        "---\n"
        "ratio:\n  type: float\n  default: 0.5\n"
        "extra:\n  type: yaml\n  default: '[1, 2]'\n"
        "blob:\n  type: json\n  default: '{\"a\": 1}'\n"
        "hidden:\n  type: str\n  when: false\n"
        "shown:\n  type: bool\n  default: '{{ ratio > 0.1 }}'\n  when: '{{ colour == \"blue\" }}'\n"
    )
    files = {
        "copier.yml": copier_yml,
        "mlt-template.yml": "version: 3.0.0\n",
        "tpl/{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
        "tpl/info.txt.jinja": (
            "{% if shown %}\nshown\n{% endif %}\n{{ _folder_name }} {{ extra|to_json }} "
            "{{ blob.a }} {{ pathjoin('a', 'b') }} {{ _copier_conf.sep }}\n"
        ),
        "tpl/run.sh": "#!/bin/sh\necho hi\n",
        "tpl/old.bak": "x\n",
        "tpl/skip-me/inner.txt": "x\n",
        "tpl/{% if colour == 'red' %}red.txt{% endif %}": "red\n",
        "tpl/empty/{% if false %}x{% endif %}/never.txt": "never\n",
        "tpl/notes.txt": "plain, shadowed by notes.txt.jinja\n",
        "tpl/notes.txt.jinja": "{{ colour }} notes\n",
        "tpl/{{ project_name }}/keep.txt": "kept\n",
        "tpl/~private.txt": "excluded by default? no: _exclude replaces the defaults\n",
        # No markup: rendered without compiling, but as Jinja reads it (universal newlines).
        "tpl/static.txt.jinja": "line one\r\nline two\rthree } % #\n",
        "tpl/included.txt.jinja": "{% include 'partials/head.txt' %}{{ colour }}\n",
        "partials/head.txt": "head from outside the subdirectory\n",
    }
    template = tiny_bundled(tmp_path / "t", files)
    (tmp_path / "t" / "tpl" / "run.sh").chmod(0o755)
    (tmp_path / "t" / "tpl" / "notes.txt.jinja").chmod(0o600)
    for answers in ({"project_name": "p"}, {"project_name": "q", "colour": "red", "ratio": 2}):
        out = tmp_path / answers["project_name"]
        copier, fast = both(monkeypatch, out, template, answers)
        assert_same(copier, fast)
        tree = fast[1]
        assert tree["run.sh"][1] & 0o777 == 0o755 and tree["notes.txt"][1] & 0o777 == 0o600
        assert ".answers.yml" in tree and "old.bak" not in tree and "empty" in tree
        assert tree["static.txt"][2] == b"line one\nline two\nthree } % #\n"
        assert tree["included.txt"][2].startswith(b"head from outside")


def test_validator_and_choice_errors_match_on_a_custom_template(tmp_path, monkeypatch):
    copier_yml = (
        "project_name:\n  type: str\n"
        "size:\n  type: int\n  choices: [1, 2, 3]\n  default: 1\n"
        "label:\n  type: str\n  default: ok\n"
        '  validator: "{% if label|length > 3 %}label too long ({{ label }}){% endif %}"\n'
    )
    template = tiny_bundled(tmp_path / "t", {"copier.yml": copier_yml})
    for data in ({"size": 7}, {"size": "two"}, {"label": "toolong"}):
        errors = {}
        for renderer in ("copier", "fast"):
            with pytest.raises(UsageError) as info:
                render_with(
                    renderer, monkeypatch, template, tmp_path / renderer / "c",
                    {"project_name": "p", **data},
                )  # fmt: skip
            errors[renderer] = info.value.message
        assert errors["fast"] == errors["copier"], data


# --- no copier on the fast path --------------------------------------------------------------


def _git_env(home: Path) -> dict[str, str]:
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    env = {k: v for k, v in os.environ.items() if k != RENDERER_ENV}
    env |= {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig")}
    env |= {"GIT_CONFIG_NOSYSTEM": "1", "MLT_CACHE_DIR": str(home / "cache")}
    for who in ("AUTHOR", "COMMITTER"):
        env |= {f"GIT_{who}_NAME": "Tester", f"GIT_{who}_EMAIL": "tester@example.com"}
    return env


def test_bundled_new_and_update_never_import_copier(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(resources.templates_dir(), templates)
    home = tmp_path / "home"
    home.mkdir()
    env = _git_env(home) | {"MLT_TEMPLATES_DIR": str(templates)}
    code = (
        "import sys; from pathlib import Path\n"
        "from mlt.scaffold.new import NewRequest, create_project\n"
        f"p = create_project(NewRequest('service', 'svc', Path({str(tmp_path)!r}), {{}}))\n"
        "print(p.version, 'copier' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    version, imported = out.stdout.split()
    assert imported == "False"

    service = templates / "service"
    meta = (templates / "mlt-template.yml").read_text()  # one template: one version
    (templates / "mlt-template.yml").write_text(meta.replace(version, version + ".post1"))
    (service / "project" / "CONTRIBUTING.md").write_text("be nice\n")
    code = (
        "import sys; from pathlib import Path\n"
        "from mlt.update import update_project\n"
        f"r = update_project(Path({str(tmp_path / 'svc')!r}))\n"
        "print(r.status, 'copier' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["updated", "False"]
    assert (tmp_path / "svc" / "CONTRIBUTING.md").read_text() == "be nice\n"


def test_component_globs_match_like_pathspec():
    import pathspec

    patterns = ("copier.yml", "mlt-template.yml", "~*", "*.py[co]", "__pycache__", ".git")
    patterns += (".DS_Store", "*.bak", "a?c")
    assert all(fast_render.COMPONENT_GLOB.fullmatch(p) for p in patterns)
    for odd in ("a/b", "**", "!x", "#x", "x ", "..", "[!a]", "a\\b", "x/"):
        assert not fast_render.COMPONENT_GLOB.fullmatch(odd), odd
    spec = pathspec.PathSpec.from_lines("gitignore", patterns)
    paths = [p.relative_to(resources.templates_dir()) for p in resources.templates_dir().rglob("*")]
    paths += map(Path, ["x/__pycache__/y.py", "a.pyc", "b/c.pyo", "b.pyx", "d/~x/y", "g/.gitx"])
    paths += map(Path, ["abc", "a/abc/d", "ac", "copier.yml.bak", "x/copier.yml", ".git/z"])
    for path in paths:
        assert fast_render.matches_a_component(patterns, path) == spec.match_file(path), path
