"""`mlt adopt` on children made by `cruft create`, by `copier copy` and copied by hand, then
updated to a newer template version: local edits survive, only later template changes land."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mlt.provenance import Provenance
from tests.adopt.adopt_kit import OWN, mlt, run, tool, tree_files
from tests.support.git import commit_all, git


def _cruft_child(pypackage: str, where: Path, ref: str = "v0.3.0") -> Path:
    where.mkdir(parents=True)
    run(tool("cruft"), "create", "--no-input", "--checkout", ref, pypackage, cwd=where)
    child = where / "python-boilerplate"
    commit_all(child, "cruft create")
    return child


def test_cruft_child_is_adopted_then_updated_like_cruft_update(pypackage, tmp_path):
    ours = _cruft_child(pypackage, tmp_path / "mlt")
    usage = ours / "docs" / "usage.md"
    usage.write_text(usage.read_text() + "\nOur own usage notes.\n")
    commit_all(ours, "team edit")
    theirs = tmp_path / "cruft"
    shutil.copytree(ours, theirs, symlinks=True)
    before = git(ours, "rev-parse", "HEAD")

    adopted = mlt("adopt", ours, "--trust")
    assert adopted.exit_code == 0, adopted.output
    assert "answers from .cruft.json" in adopted.stdout
    # One commit that adds .mlt.yaml and nothing else; the pristine render is its 2nd parent.
    assert git(ours, "diff", "--name-only", before, "HEAD") == ".mlt.yaml"
    assert git(ours, "rev-parse", "HEAD^1", "HEAD^2").split() == [
        before,
        git(ours, "rev-parse", "mlt/template"),
    ]
    prov = Provenance.read(ours)
    assert (prov.format, prov.version) == ("cookiecutter", "v0.3.0")
    assert mlt("check", ours).exit_code == 2

    updated = mlt("update", ours, "--trust")
    assert updated.exit_code == 0, updated.output
    run(tool("cruft"), "update", "-y", "--checkout", "v0.5.0", cwd=theirs)
    assert tree_files(ours, OWN) == tree_files(theirs, OWN)
    assert "Our own usage notes." in usage.read_text()
    assert (ours / ".github" / "workflows" / "codeql.yml").is_file()  # new in v0.5.0


def test_copier_child_is_adopted_then_updated(autopretty, tmp_path):
    run(tool("copier"), "copy", "--defaults", "--trust", "--skip-tasks", "--vcs-ref", "v0.3.0",
        autopretty, tmp_path / "child")  # fmt: skip
    child = tmp_path / "child"
    prettier = child / ".prettierrc.yml"
    prettier.write_text(prettier.read_text() + "# team setting\n")
    commit_all(child, "copier copy + team edit")
    before = tree_files(child)

    adopted = mlt("adopt", child)
    assert adopted.exit_code == 0, adopted.output
    assert "answers from .copier-answers.autopretty.yml" in adopted.stdout
    assert "1 template file(s) edited here" in adopted.stdout  # the team's edit, nothing else
    after = tree_files(child)
    assert {k: v for k, v in after.items() if k != ".mlt.yaml"} == before

    updated = mlt("update", child, "--json")
    assert updated.exit_code == 0, updated.output
    outcomes = {f["path"]: f["outcome"] for f in json.loads(updated.stdout)["files"]}
    # Only what changed upstream between v0.3.0 and v0.4.3 arrives.
    changed = run("git", "diff", "--name-only", "v0.3.0", "v0.4.3", "--", "src",
                  cwd=Path(autopretty)).stdout.split()  # fmt: skip
    upstream = {p.removeprefix("src/").removesuffix(".jinja") for p in changed}
    assert set(outcomes) - {".mlt.yaml", ".copier-answers.autopretty.yml"} <= upstream
    assert "# team setting" in prettier.read_text()
    answers = (child / ".copier-answers.autopretty.yml").read_text()
    assert "_commit: v0.4.3" in answers and "<<<<<<<" not in answers
    assert Provenance.read(child).version == "v0.4.3"


def test_hand_copied_repo_guess_adopt_update(pypackage, tmp_path):
    made = _cruft_child(pypackage, tmp_path / "made", ref="v0.4.0")
    hand = tmp_path / "hand"
    shutil.copytree(made, hand, ignore=shutil.ignore_patterns(".git", ".cruft.json"))
    (hand / "CODE_OF_CONDUCT.md").unlink()  # the team dropped it
    readme = hand / "README.md"
    readme.write_text("# Our engine\n\n" + readme.read_text())
    license_ = hand / "LICENSE"  # unchanged upstream after v0.4.0: must stay the team's
    license_.write_text("Proprietary.\n")
    commit_all(hand, "copied from the template by hand, years ago")

    dry = mlt("adopt", hand, "--template", pypackage, "--ref", "v0.4.0", "--trust", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "the next update would go to v0.5.0" in dry.stdout
    assert "written      SECURITY.md" in dry.stdout
    assert git(hand, "branch", "--list", "mlt/template") == ""  # dry run: nothing moved
    assert not (hand / ".mlt.yaml").exists()

    data = json.loads(
        mlt("adopt", hand, "--template", pypackage, "--guess-ref", "--trust", "--json").stdout
    )
    assert data["version"] == "v0.4.0" and data["status"] == "adopted"
    scores = {g["ref"]: g["score"] for g in data["guesses"]}
    assert scores["v0.4.0"] == min(s for s in scores.values() if s is not None)
    assert "CODE_OF_CONDUCT.md" in data["deleted"] and "LICENSE" in data["edited"]

    updated = mlt("update", hand, "--trust")
    assert updated.exit_code == 0, updated.output
    assert readme.read_text().startswith("# Our engine\n")
    assert license_.read_text() == "Proprietary.\n"
    assert not (hand / "CODE_OF_CONDUCT.md").exists()
    reference = _cruft_child(pypackage, tmp_path / "v5", ref="v0.5.0")
    for new_file in (".github/workflows/codeql.yml", "SECURITY.md"):
        assert (hand / new_file).read_bytes() == (reference / new_file).read_bytes()


def test_fleet(pypackage, autopretty, tmp_path):
    cruft_child = _cruft_child(pypackage, tmp_path / "a")
    run(tool("copier"), "copy", "--defaults", "--trust", "--skip-tasks", "--vcs-ref", "v0.4.0",
        autopretty, tmp_path / "b")  # fmt: skip
    commit_all(tmp_path / "b", "copier copy")
    (tmp_path / "c").mkdir()  # not a repository
    fleet = tmp_path / "repos.txt"
    fleet.write_text(f"{cruft_child}\nb\nc  # not a repo\n")
    result = mlt("adopt", "--fleet", fleet, "--trust", "--json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)["repos"]
    assert [r["status"] for r in rows] == ["adopted", "adopted", "error"]
    assert [r["version"] for r in rows[:2]] == ["v0.3.0", "v0.4.0"]
    assert "not a git repository" in rows[2]["error"]
    assert Provenance.read(tmp_path / "b").format == "copier"
