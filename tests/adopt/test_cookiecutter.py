"""Cookiecutter templates in `mlt new` / `mlt update` / `mlt check` / `mlt diff`, against the
real cookiecutter-pypackage (hooks) and, for the result, against `cruft create/update`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from mlt.cli import app
from mlt.provenance import Provenance
from tests.adopt.adopt_kit import run, tool, tree_files
from tests.support.git import commit_all, git
from tests.support.trees import write_tree

cli = CliRunner()
# What the tools write_tree about themselves; everything else must be byte-identical.
OWN = (".git", ".cruft.json", ".mlt.yaml")


def mlt(*args: str | Path):
    return cli.invoke(app, [str(a) for a in args])


def test_hooks_need_trust_and_nothing_is_left(pypackage, tmp_path):
    result = mlt("new", "lib", "pkg", "-o", tmp_path, "--template", pypackage, "--ref", "v0.3.0")
    assert result.exit_code == 4, result.output
    assert "hooks/pre_gen_project.py" in result.stderr
    assert "--trust" in result.stderr and "--skip-hooks" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_renders_what_cruft_creates(pypackage, tmp_path):
    answers = ["-d", "full_name=Ada Lovelace", "-d", "pypi_package_name=engine-tools"]
    result = mlt(
        "new", "lib", "engine", "-o", tmp_path / "mlt", "--template", pypackage,
        "--ref", "v0.3.0", "--trust", *answers,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    child = tmp_path / "mlt" / "engine"
    (tmp_path / "cruft").mkdir()
    cruft_args = ["--extra-context", json.dumps({"full_name": "Ada Lovelace",
                  "pypi_package_name": "engine-tools", "project_name": "engine"})]  # fmt: skip
    run(tool("cruft"), "create", "--no-input", "--checkout", "v0.3.0", *cruft_args, pypackage,
        cwd=tmp_path / "cruft")  # fmt: skip
    made = tree_files(child, OWN)
    assert made == tree_files(tmp_path / "cruft" / "engine-tools", OWN)
    assert "src/engine_tools/cli.py" in made
    prov = Provenance.read(child)
    assert (prov.format, prov.version, prov.source) == ("cookiecutter", "v0.3.0", pypackage)
    assert prov.answers["full_name"] == "Ada Lovelace"
    assert git(child, "rev-parse", "main") == git(child, "rev-parse", "mlt/template")


def test_skip_hooks_is_a_choice_with_visible_consequences(pypackage, tmp_path):
    """v0.2.0's post-gen hook deletes AUTHORS.rst when create_author_file=n."""
    common = ["--template", pypackage, "--ref", "v0.2.0", "-d", "create_author_file=n"]
    trusted = mlt("new", "lib", "alpha", "-o", tmp_path, *common, "--trust")
    skipped = mlt("new", "lib", "beta", "-o", tmp_path, *common, "--skip-hooks")
    assert trusted.exit_code == 0 and skipped.exit_code == 0, trusted.output + skipped.output
    assert not (tmp_path / "alpha" / "AUTHORS.rst").exists()
    assert (tmp_path / "beta" / "AUTHORS.rst").is_file()


def test_a_failing_hook_is_one_error_and_leaves_nothing(pypackage, tmp_path):
    """v0.2.0's pre-gen hook refuses a one-letter module name (the slug of NAME 'a')."""
    result = mlt("new", "lib", "a", "-o", tmp_path, "--template", pypackage, "--ref", "v0.2.0",
                 "--trust")  # fmt: skip
    assert result.exit_code == 1
    assert "error: a hook of template" in result.stderr
    assert "Traceback" not in result.stderr and "Stopping generation" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_hook_output_does_not_break_json(pypackage, tmp_path):
    result = mlt(
        "new", "lib", "j", "-o", tmp_path, "--template", pypackage, "--ref", "v0.4.0",
        "--trust", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["version"] == "v0.4.0" and ".mlt.yaml" in data["files"]


def _edit(child: Path) -> None:
    """Team edits both tools must keep: a line in a file the template does not touch between
    v0.3.0 and v0.5.0, a file of their own, and a deleted file the template changes."""
    docs = child / "docs" / "usage.md"
    docs.write_text(docs.read_text() + "\nOur own usage notes.\n")
    (child / "NOTES.md").write_text("team file\n")
    (child / "CONTRIBUTING.md").unlink()
    commit_all(child, "team edits")


def test_update_gives_what_cruft_update_gives(pypackage, tmp_path):
    (tmp_path / "cruft").mkdir()
    # mlt new fills project_name with NAME; cruft is told the same.
    named = json.dumps({"project_name": "python-boilerplate"})
    run(tool("cruft"), "create", "--no-input", "--checkout", "v0.3.0", "--extra-context", named,
        pypackage, cwd=tmp_path / "cruft")  # fmt: skip
    theirs = tmp_path / "cruft" / "python-boilerplate"
    commit_all(theirs, "cruft create")
    _edit(theirs)
    run(tool("cruft"), "update", "-y", "--checkout", "v0.5.0", cwd=theirs)

    new = mlt("new", "lib", "python-boilerplate", "-o", tmp_path / "mlt", "--template", pypackage,
              "--ref", "v0.3.0", "--trust")  # fmt: skip
    assert new.exit_code == 0, new.output
    ours = tmp_path / "mlt" / "python-boilerplate"
    _edit(ours)
    check = mlt("check", ours)
    assert check.exit_code == 2 and "v0.3.0 → v0.5.0" in check.stdout
    assert mlt("diff", ours).exit_code == 4  # the render needs the hooks: trust asked again
    assert "+++ b/.github/workflows/codeql.yml" in mlt("diff", ours, "--trust").stdout
    updated = mlt("update", ours, "--trust")
    assert updated.exit_code == 0, updated.output
    assert tree_files(ours, OWN) == tree_files(theirs, OWN)
    assert "Our own usage notes." in (ours / "docs" / "usage.md").read_text()
    assert not (ours / "CONTRIBUTING.md").exists()
    assert Provenance.read(ours).version == "v0.5.0"
    assert git(ours, "status", "--porcelain") == ""
    assert mlt("check", ours).exit_code == 0


def test_conflict_is_exit_3_with_markers(pypackage, tmp_path):
    new = mlt("new", "lib", "c", "-o", tmp_path, "--template", pypackage, "--ref", "v0.3.0",
              "--skip-hooks")  # fmt: skip
    assert new.exit_code == 0, new.output
    child = tmp_path / "c"
    readme = child / "README.md"
    readme.write_text(readme.read_text() + "Our closing line.\n")
    commit_all(child, "edit the end of the README")
    head = git(child, "rev-parse", "HEAD")
    result = mlt("update", child, "--ref", "v0.5.0", "--skip-hooks")
    assert result.exit_code == 3, result.output
    assert "<<<<<<<" in readme.read_text()
    assert git(child, "rev-parse", "HEAD") == head
    readme.write_text("# resolved\n")
    git(child, "add", "README.md")
    done = mlt("update", child, "--continue")
    assert done.exit_code == 0, done.output
    assert Provenance.read(child).version == "v0.5.0"
    assert git(child, "rev-parse", "HEAD^1") == head


def test_directory_and_local_extensions(tiny, tmp_path):
    """A template in a subfolder (--directory), then one importing a module of its own."""
    nested = tmp_path / "nested"
    shutil.copytree(tiny, nested / "tpl", ignore=shutil.ignore_patterns(".git"))
    commit_all(nested, "v1")
    git(nested, "tag", "v1")
    result = mlt("new", "x", "demo", "-o", tmp_path / "out", "--template", nested,
                 "--directory", "tpl", "-d", "color=blue")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "demo" / "README.md").read_text() == "# demo\n\nhello in blue\n"
    assert Provenance.read(tmp_path / "out" / "demo").directory == "tpl"
    wrong = mlt("new", "x", "w", "-o", tmp_path, "--template", nested, "--directory", "nope")
    assert wrong.exit_code == 2 and "no cookiecutter.json in nope" in wrong.stderr

    extension = (
        "from jinja2.ext import Extension\n\n\nclass Shout(Extension):\n"
        "    def __init__(self, env):\n        super().__init__(env)\n"
        "        env.filters['shout'] = str.upper\n"
    )
    config = '{"project_name": "demo", "greeting": "hi", "_extensions": ["local_ext.Shout"]}'
    readme = "{{ cookiecutter.greeting|shout }}\n"
    write_tree(tiny, {"local_ext.py": extension, "cookiecutter.json": config,
                 "{{cookiecutter.project_name}}/README.md": readme})  # fmt: skip
    commit_all(tiny, "v3")
    git(tiny, "tag", "v3")
    refused = mlt("new", "x", "e", "-o", tmp_path, "--template", tiny, "--skip-hooks")
    assert refused.exit_code == 4 and "local extension" in refused.stderr
    trusted = mlt("new", "x", "e", "-o", tmp_path, "--template", tiny, "--trust")
    assert trusted.exit_code == 0, trusted.output
    assert (tmp_path / "e" / "README.md").read_text() == "HI\n"


def test_bad_answers_and_refs(tiny, tmp_path):
    unknown = mlt("new", "x", "a", "-o", tmp_path, "--template", tiny, "-d", "colour=red")
    assert unknown.exit_code == 2 and "colour" in unknown.stderr
    choice = mlt("new", "x", "a", "-o", tmp_path, "--template", tiny, "-d", "color=green")
    assert choice.exit_code == 2 and "green" in choice.stderr
    ref = mlt("new", "x", "a", "-o", tmp_path, "--template", tiny, "--ref", "v9")
    assert ref.exit_code == 2 and "no tag or commit 'v9'" in ref.stderr
    assert not (tmp_path / "a").exists()


def test_provenance_records_format_only_for_cookiecutter():
    copier = Provenance("/t", "v1", {"a": 1})
    assert "format" not in copier.dumps()
    cookie = Provenance("/t", "v1", {"a": 1}, format="cookiecutter", directory="sub")
    again = Provenance.loads(cookie.dumps())
    assert (again.format, again.directory) == ("cookiecutter", "sub")
    assert Provenance.loads(copier.dumps()).format == "copier"
