"""`mlt new` through the CLI: exit codes, whole messages, what is (and is not) left on disk."""

from __future__ import annotations

import json

import pytest

from mlt.cli import app
from mlt.errors import MltError
from mlt.gitops import FALLBACK_NOTICE
from mlt.provenance import PROVENANCE_FILE, TEMPLATE_BRANCH, Provenance
from mlt.scaffold import new as scaffold_new
from mlt.scaffold.project_type import bundled_questions
from mlt.template.source import TemplateSource
from tests.support.git import git

pytestmark = pytest.mark.usefixtures("no_git_identity")


def invoke(runner, *args):
    return runner.invoke(app, ["new", *args], catch_exceptions=False)


def entries(root):
    """Everything under root, hidden staging directories included."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def disk_files(project):
    return sorted(
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    )


def valid_keys(project_type):
    questions = bundled_questions(project_type)
    # project_name is NAME; `when: false` questions are set by the type: neither is offered.
    return ", ".join(
        k
        for k, q in questions.items()
        if not k.startswith("_")
        and k != "project_name"
        and not (isinstance(q, dict) and q.get("when") is False)
    )


# --- success -------------------------------------------------------------------------


def test_new_project_has_one_commit_shared_by_main_and_template_branch(runner, tmp_path):
    result = invoke(runner, "library", "feat-utils", "-o", str(tmp_path), "--defaults")

    assert result.exit_code == 0, result.stderr
    project = tmp_path / "feat-utils"
    assert entries(tmp_path)[0] == "feat-utils"  # no staging directory left beside it
    assert [p.name for p in tmp_path.iterdir()] == ["feat-utils"]
    version = TemplateSource.bundled("library").bundled_version()
    assert git(project, "rev-list", "--all", "--count") == "1"
    head = git(project, "rev-parse", "HEAD")
    assert git(project, "rev-parse", "refs/heads/main") == head
    assert git(project, "rev-parse", f"refs/heads/{TEMPLATE_BRANCH}") == head
    assert git(project, "symbolic-ref", "HEAD") == "refs/heads/main"
    assert git(project, "status", "--porcelain", "--ignored") == ""
    assert git(project, "log", "-1", "--format=%an <%ae>|%s") == (
        f"mlt <mlt@localhost>|Initial commit from mlt template bundled:library {version}"
    )
    # Everything on disk is in the commit, .mlt.yaml and git-ignored template files too.
    assert sorted(git(project, "ls-files").splitlines()) == disk_files(project)
    assert PROVENANCE_FILE in disk_files(project)


def test_summary_names_place_template_and_next_steps(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "library", "feat-utils", "--defaults")

    assert result.exit_code == 0
    version = TemplateSource.bundled("library").bundled_version()
    files = len(disk_files(tmp_path / "feat-utils"))
    sha = git(tmp_path / "feat-utils", "rev-parse", "--short=8", "HEAD")
    assert result.stdout == (
        "Created library project feat-utils in feat-utils\n"
        f"  template  bundled:library {version}\n"
        f"  files     {files}\n"
        f"  git       main + mlt/template at {sha}\n"
        "\nNext steps:\n"
        "  cd feat-utils && make install test\n"
    )
    # This module runs without a git identity: one line says who the commit is by, and the
    # bundled defaults are placeholders (example.com): named once, on stderr.
    lines = result.stderr.splitlines()
    assert f"note: {FALLBACK_NOTICE}" in lines and len(lines) == 2, lines
    warning = "warning: placeholder answers left: author_email="
    assert any(line.startswith(warning) for line in lines)


def test_provenance_records_typed_answers(runner, tmp_path):
    result = invoke(
        runner, "service", "fraud-scorer", "-o", str(tmp_path), "--defaults",
        "-d", "gpu=true", "-d", "framework=pytorch", "-d", "port=9000",
        "-d", "python_version=3.10",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    prov = Provenance.read(tmp_path / "fraud-scorer")
    assert prov.source == "bundled:service"
    assert prov.version == TemplateSource.bundled("service").bundled_version()
    assert prov.commit is None
    assert prov.answers["project_name"] == "fraud-scorer"
    assert prov.answers["package_name"] == "fraud_scorer"
    assert prov.answers["gpu"] is True
    assert prov.answers["port"] == 9000
    assert prov.answers["python_version"] == "3.10"  # text, not the YAML float 3.1
    assert prov.answers["base_image"] == "pytorch"  # default derived from gpu + framework


def test_no_git_leaves_a_plain_directory(runner, tmp_path):
    result = invoke(runner, "library", "lib", "-o", str(tmp_path), "--defaults", "--no-git")

    assert result.exit_code == 0
    assert not (tmp_path / "lib" / ".git").exists()
    assert (tmp_path / "lib" / PROVENANCE_FILE).is_file()
    assert "  git       not created (--no-git)\n" in result.stdout


def test_json_output(runner, tmp_path):
    result = invoke(runner, "library", "lib", "-o", str(tmp_path), "--json", "-d", "gpu=true")

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    project = tmp_path / "lib"
    assert list(data) == ["path", "type", "source", "version", "answers", "files", "messages"]
    assert [m.split(":")[0] for m in data["messages"]] == ["placeholder answers left"]
    assert data["path"] == str(project)
    assert data["type"] == "library"
    assert data["source"] == "bundled:library"
    assert data["version"] == TemplateSource.bundled("library").bundled_version()
    assert data["answers"] == Provenance.read(project).answers
    assert data["answers"]["gpu"] is True
    assert data["files"] == disk_files(project)


def test_missing_output_parents_are_created(runner, tmp_path):
    result = invoke(runner, "library", "lib", "-o", str(tmp_path / "a" / "b"), "--defaults")

    assert result.exit_code == 0
    assert (tmp_path / "a" / "b" / "lib" / PROVENANCE_FILE).is_file()


def test_existing_empty_target_is_used(runner, tmp_path):
    (tmp_path / "lib").mkdir()
    result = invoke(runner, "library", "lib", "-o", str(tmp_path), "--defaults")

    assert result.exit_code == 0
    assert (tmp_path / "lib" / PROVENANCE_FILE).is_file()


@pytest.mark.parametrize(
    ("flags", "prompts"),
    [([], True), (["--defaults"], False), (["--json"], False)],
)
def test_prompts_only_on_a_terminal_without_defaults(runner, tmp_path, monkeypatch, flags, prompts):
    seen = []

    def record(request):
        seen.append(request)
        raise MltError("stopped after the request was made")

    monkeypatch.setattr("mlt.cli.new._can_prompt", lambda: True)
    monkeypatch.setattr("mlt.scaffold.new.create_project", record)
    invoke(runner, "library", "lib", "-o", str(tmp_path), *flags)

    assert [r.interactive for r in seen] == [prompts]


# --- external templates ----------------------------------------------------------------


def test_template_ref_renders_that_tag(runner, tmp_path, git_template):
    result = invoke(
        runner, "tiny", "demo", "-o", str(tmp_path), "--defaults",
        "--template", str(git_template), "--ref", "v1",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    project = tmp_path / "demo"
    assert (project / "README.md").read_text() == "# demo\nhello x1\n"
    assert not (project / "CHANGELOG.md").exists()
    prov = Provenance.read(project)
    assert prov.source == str(git_template)
    assert prov.version == "v1"
    assert prov.commit == git(git_template, "rev-parse", "v1^{commit}")
    assert prov.answers == {"project_name": "demo", "greeting": "hello", "replicas": 1}
    assert "Created tiny project demo" in result.stdout
    assert git(project, "rev-list", "--all", "--count") == "1"


def test_template_without_ref_takes_the_newest_tag(runner, tmp_path, git_template, monkeypatch):
    monkeypatch.chdir(git_template.parent)
    result = invoke(
        runner, "tiny", "demo", "-o", str(tmp_path), "--json",
        "--template", git_template.name, "-d", "replicas=3",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == str(git_template)  # recorded absolute, usable from anywhere
    assert data["version"] == "v2"
    assert data["answers"]["replicas"] == 3
    assert (tmp_path / "demo" / "CHANGELOG.md").read_text() == "v2\n"


# --- failures: one line, non-zero, nothing left behind ------------------------------------


def _failures(tmp_path, git_template):
    plain = tmp_path / "plain"
    plain.mkdir()
    (tmp_path / "a-file").write_text("x")
    return {
        "bad name": (
            ["library", "Bad_Name"],
            "error: invalid project name 'Bad_Name': use lowercase letters, digits and single "
            "dashes, starting with a letter (e.g. fraud-scorer)",
        ),
        "double dash": (
            ["library", "a--b"],
            "error: invalid project name 'a--b': use lowercase letters, digits and single "
            "dashes, starting with a letter (e.g. fraud-scorer)",
        ),
        "bad package name": (
            ["library", "lib", "-d", "package_name=Bad-Pkg"],
            "error: invalid package_name 'Bad-Pkg': package_name must be a valid lowercase "
            "Python identifier",
        ),
        "unknown type": (
            ["svc", "lib"],
            "error: unknown project type 'svc' (valid: batch-job, service, library)",
        ),
        "unknown key": (
            ["service", "lib", "-d", "colour=blue", "-d", "port=9000"],
            "error: unknown answer key 'colour' for template bundled:service "
            f"(valid: {valid_keys('service')})",
        ),
        "malformed -d": (
            ["library", "lib", "-d", "gpu"],
            "error: malformed -d 'gpu': expected KEY=VALUE",
        ),
        "project_name via -d": (
            ["library", "lib", "-d", "project_name=x"],
            "error: project_name is the NAME argument; do not pass it with -d",
        ),
        "not an int": (
            ["service", "lib", "-d", "port=http"],
            "error: invalid port 'http': expected an integer",
        ),
        "not a bool": (
            ["library", "lib", "-d", "gpu=maybe"],
            "error: invalid gpu 'maybe': expected true or false",
        ),
        "not a choice": (
            ["library", "lib", "-d", "framework=jax"],
            "error: invalid framework 'jax': choose one of none, pytorch, tensorflow",
        ),
        "template validator": (
            ["tiny", "lib", "--template", str(git_template), "-d", "replicas=9"],
            "error: invalid replicas '9': replicas must be at most 5",
        ),
        "missing template": (
            ["tiny", "lib", "--template", str(tmp_path / "nope")],
            f"error: template {tmp_path / 'nope'} is not a readable directory",
        ),
        "not a copier template": (
            ["tiny", "lib", "--template", str(plain)],
            f"error: template {plain} is not a copier template (no copier.yml)",
        ),
        "unknown key, external": (
            ["tiny", "lib", "--template", str(git_template), "-d", "port=1"],
            f"error: unknown answer key 'port' for template {git_template} "
            "(valid: project_name, greeting, replicas)",
        ),
        "ref without template": (
            ["library", "lib", "--ref", "v1"],
            "error: --ref needs --template: bundled templates are versioned with mlt",
        ),
        "bad label": (
            ["Tiny!", "lib", "--template", str(git_template)],
            "error: invalid type label 'Tiny!': use lowercase letters, digits and dashes",
        ),
        "output under a file": (
            ["library", "lib", "-o", str(tmp_path / "a-file" / "sub")],
            f"error: {tmp_path / 'a-file'} is not a directory",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "bad name", "double dash", "bad package name", "unknown type", "unknown key",
        "malformed -d", "project_name via -d", "not an int", "not a bool", "not a choice",
        "template validator", "missing template", "not a copier template",
        "unknown key, external", "ref without template", "bad label", "output under a file",
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_leaves_nothing(runner, tmp_path, git_template, case):
    args, message = _failures(tmp_path, git_template)[case]
    out = tmp_path / "out"
    before = entries(tmp_path)
    if "-o" not in args:
        args = [*args, "-o", str(out)]

    result = invoke(runner, *args, "--defaults")

    assert (result.exit_code, result.stderr) == (2, message + "\n")
    assert result.stdout == ""
    assert entries(tmp_path) == before


def test_non_empty_target_is_refused_and_untouched(runner, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "notes.txt").write_text("mine")

    result = invoke(runner, "library", "lib", "-o", str(tmp_path), "--defaults")

    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {tmp_path / 'lib'} already exists and is not empty\n",
    )
    assert entries(tmp_path) == ["lib", "lib/notes.txt"]


def test_target_that_is_a_file_is_refused(runner, tmp_path):
    (tmp_path / "lib").write_text("x")

    result = invoke(runner, "library", "lib", "-o", str(tmp_path), "--defaults")

    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {tmp_path / 'lib'} already exists and is not a directory\n",
    )


def test_unknown_ref_is_named(runner, tmp_path, git_template):
    result = invoke(
        runner, "tiny", "lib", "-o", str(tmp_path / "out"), "--defaults",
        "--template", str(git_template), "--ref", "v9",
    )  # fmt: skip

    assert (result.exit_code, result.stderr) == (
        2,
        f"error: template {git_template} has no tag or commit 'v9'\n",
    )
    assert entries(tmp_path) == []


# --- interruptions -------------------------------------------------------------------------


def _interrupt_after(real):
    def wrapper(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    return wrapper


@pytest.mark.parametrize("stage", ["render_template", "init_repository"])
def test_ctrl_c_mid_way_exits_130_and_leaves_nothing(runner, tmp_path, monkeypatch, stage):
    monkeypatch.setattr(scaffold_new, stage, _interrupt_after(getattr(scaffold_new, stage)))
    out = tmp_path / "new" / "parents"

    result = invoke(runner, "library", "lib", "-o", str(out), "--defaults")

    assert (result.exit_code, result.stderr) == (130, "error: interrupted\n")
    assert entries(tmp_path) == []  # staging dir and the parents it created are gone


def test_failure_after_render_keeps_existing_empty_target(runner, tmp_path, monkeypatch):
    (tmp_path / "lib").mkdir()
    monkeypatch.setattr(
        scaffold_new, "init_repository", _interrupt_after(scaffold_new.init_repository)
    )

    result = invoke(runner, "library", "lib", "-o", str(tmp_path), "--defaults")

    assert result.exit_code == 130
    assert entries(tmp_path) == ["lib"]


def test_missing_git_suggests_no_git(runner, tmp_path):
    no_git_path = tmp_path / "empty-bin"
    no_git_path.mkdir()
    out = tmp_path / "out"

    result = runner.invoke(
        app, ["new", "library", "lib", "-o", str(out), "--defaults"], env={"PATH": str(no_git_path)}
    )

    assert (result.exit_code, result.stderr) == (
        1,
        "error: git is not installed (needed to record the project history)\n"
        "hint: --no-git creates the project without git\n",
    )
    assert entries(tmp_path) == ["empty-bin"]
