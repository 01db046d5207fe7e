"""Bad input to `mlt adopt`: one clear error, and the repository exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.adopt.adopt_kit import mlt
from tests.support.git import commit_all, git
from tests.support.trees import write_tree


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository someone made from the tiny template's v1 by hand, then edited."""
    root = write_tree(tmp_path / "repo", {"README.md": "# demo\n\nhello in red\n"})
    write_tree(root, {"notes.txt": "line 0, ours\n" + "".join(f"line {i}\n" for i in range(1, 10))})
    commit_all(root, "by hand")
    return root


def _state(repo: Path) -> tuple[str, str, str]:
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    return (
        refs,
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        git(repo, "stash", "list"),
    )


def _refused(repo: Path, *args: str | Path, code: int, says: str) -> None:
    before = _state(repo)
    result = mlt("adopt", repo, *args)
    assert result.exit_code == code, result.output
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert _state(repo) == before


def test_bad_input_leaves_the_repository_untouched(repo, tiny, tmp_path):
    _refused(repo, code=2, says="no .cruft.json or .copier-answers.yml")
    _refused(repo, "--template", tiny, "--ref", "v1", "--guess-ref", code=2, says="leave out")
    _refused(repo, "--template", tiny, code=2, says="--guess-ref")  # which version?
    _refused(repo, "--template", tiny, "--ref", "v7", code=2, says="no tag or commit 'v7'")
    _refused(repo, "--template", tmp_path / "gone", code=1, says="cannot be reached")
    plain = write_tree(tmp_path / "plain", {"README.md": "not a template\n"})
    _refused(repo, "--template", plain, code=2, says="neither a copier template")
    _refused(repo, "--template", tiny, "--ref", "v1", "-d", "colour=red", code=2, says="colour")
    (repo / "README.md").write_text("changed\n")
    _refused(repo, "--template", tiny, "--ref", "v1", code=1, says="uncommitted change")


def test_an_unreachable_cruft_template(repo, tmp_path):
    cruft = {"template": str(tmp_path / "moved-away"), "commit": "abc", "context": {}}
    cruft["context"] = {"cookiecutter": {"project_name": "demo"}}
    (repo / ".cruft.json").write_text(json.dumps(cruft))
    commit_all(repo, "cruft link")
    _refused(repo, code=1, says="(.cruft.json) cannot be reached")


def test_not_a_repository(tmp_path, tiny):
    folder = write_tree(tmp_path / "folder", {"README.md": "x\n"})
    result = mlt("adopt", folder, "--template", tiny, "--ref", "v1")
    assert result.exit_code == 1 and "not a git repository" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["README.md"]


def test_adopt_then_update_brings_only_later_changes(repo, tiny):
    adopted = mlt("adopt", repo, "--template", tiny, "--ref", "v1")
    assert adopted.exit_code == 0, adopted.output
    _refused(repo, "--template", tiny, "--ref", "v1", code=1, says="already has .mlt.yaml")
    updated = mlt("update", repo)
    assert updated.exit_code == 0, updated.output
    notes = (repo / "notes.txt").read_text()
    assert notes.startswith("line 0, ours\n")  # the team's edit survives
    assert notes.endswith("line 8\nline 9, upstream\n")  # v2's edit arrives
    assert (repo / "CHANGES.md").read_text() == "v2\n"
    assert (repo / "README.md").read_text() == "# demo\n\nhello in red\n"


def test_untrusted_hooks_exit_4_untouched(repo, tiny):
    write_tree(tiny, {"hooks/post_gen_project.py": "print('hi')\n"})
    commit_all(tiny, "hook")
    git(tiny, "tag", "v3")
    _refused(repo, "--template", tiny, "--ref", "v3", code=4, says="--trust")


def test_an_interrupted_adopt_is_done_again(repo, tiny):
    """Killed between its two ref moves: mlt/template exists, .mlt.yaml does not."""
    git(repo, "branch", "mlt/template")
    adopted = mlt("adopt", repo, "--template", tiny, "--ref", "v1")
    assert adopted.exit_code == 0, adopted.output
    assert git(repo, "rev-parse", "HEAD^2") == git(repo, "rev-parse", "mlt/template")
    assert git(repo, "show", "mlt/template:README.md") == "# demo\n\nhello in red"


def test_missing_answers_are_asked_once(repo, tiny):
    from mlt.adopt import AdoptOptions, adopt_project

    (repo / "README.md").write_text("# demo\n\nhey in red\n")
    commit_all(repo, "a greeting of our own")
    asked = []

    def ask(key: str, help_text: str) -> str | None:
        asked.append(key)
        return {"greeting": "hey"}.get(key)

    opts = AdoptOptions(template=str(tiny), ref="v1", data=["color=red"], ask=ask)
    result = adopt_project(repo, opts)
    assert asked == ["project_name", "greeting"]  # color came with -d
    assert result.answers["greeting"] == "hey" and "README.md" not in result.edited
