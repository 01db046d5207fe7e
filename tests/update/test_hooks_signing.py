"""Hooks and commit signing apply to the update's merge commit exactly as to `git merge`;
when one refuses, the repository is back to exactly where it was and one `error:` line names
the culprit. (Pristine renders on mlt/template are mlt's own bookkeeping commits, written by
fast-import: no hooks, no signature.)"""

from __future__ import annotations

import json

import pytest

from mlt.cli import app
from mlt.update.journal import JOURNAL_FILE
from tests.support.git import commit_all, git
from tests.support.trees import write_tree
from tests.support.update_kit import make_child, refs

MERGE_HOOKS = ["pre-merge-commit", "prepare-commit-msg", "commit-msg"]


def release(bundled, version: str, readme: str) -> None:
    write_tree(
        bundled,
        {
            "mlt-template.yml": f"version: {version}\nmigrations: []\n",
            "project/README.md.jinja": readme,
        },
    )


def hook(repo, name: str, body: str) -> None:
    path = repo / ".git" / "hooks" / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def state(repo) -> tuple:
    """Refs (mlt/template included), status, merge state, journal: all that may not change."""
    return (
        refs(repo),
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        (repo / ".git" / "MERGE_HEAD").exists(),
        (repo / ".git" / JOURNAL_FILE).exists(),
        (repo / "README.md").read_text(),
    )


@pytest.fixture
def child(tmp_path, bundled):
    path = make_child(tmp_path, "demo", project_type="library")
    write_tree(path, {"notes.txt": "mine\n"})
    commit_all(path)
    release(bundled, "2.0.0", "# {{ project_name }} v2\n\n{{ greeting }}\n")
    return path


@pytest.mark.parametrize("refusing", MERGE_HOOKS)
def test_a_refusing_hook_restores_the_exact_state_and_is_named(child, runner, refusing):
    for name in MERGE_HOOKS:  # the others pass: the error must still name the right one
        hook(child, name, "exit 0")
    hook(child, refusing, f"echo 'policy: no merges today ({refusing})' >&2; exit 1")
    before = state(child)

    result = runner.invoke(app, ["update", str(child), "--json"])

    assert result.exit_code == 1, result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert f"the {refusing} hook refused" in errors[0]
    assert f"policy: no merges today ({refusing})" in errors[0]
    assert json.loads(result.stdout)["exit_code"] == 1
    assert state(child) == before


def test_passing_hooks_run_like_for_git_merge(child, runner):
    log = child.parent / "hooks.log"
    for name in [*MERGE_HOOKS, "post-merge"]:
        hook(child, name, f'echo "{name} $*" >> {log}')
    hook(child, "commit-msg", f'echo "commit-msg" >> {log}; echo "Reviewed-by: hook" >> "$1"')

    result = runner.invoke(app, ["update", str(child)])

    assert result.exit_code == 0, result.output
    ran = [line.split()[0] for line in log.read_text().splitlines()]
    assert ran == ["pre-merge-commit", "prepare-commit-msg", "commit-msg", "post-merge"]
    assert "Reviewed-by: hook" in git(child, "log", "-1", "--format=%B")
    assert "v2" in (child / "README.md").read_text()


def test_continue_honours_commit_hooks(child, bundled, runner):
    write_tree(child, {"README.md": "# demo ours\n\nhello\n"})
    commit_all(child)
    assert runner.invoke(app, ["update", str(child)]).exit_code == 3
    write_tree(child, {"README.md": "# demo ours v2\n\nhello\n"})
    git(child, "add", "README.md")
    hook(child, "pre-commit", "echo 'lint failed' >&2; exit 1")

    refused = runner.invoke(app, ["update", str(child), "--continue"])

    assert refused.exit_code == 1
    assert "the pre-commit hook refused" in refused.stderr and "lint failed" in refused.stderr
    assert (child / ".git" / "MERGE_HEAD").exists()  # still resolvable, nothing lost
    (child / ".git" / "hooks" / "pre-commit").unlink()
    done = runner.invoke(app, ["update", str(child), "--continue"])
    assert done.exit_code == 0, done.output
    assert git(child, "rev-parse", "mlt/template") == git(child, "rev-parse", "HEAD^2")
    assert not (child / ".git" / JOURNAL_FILE).exists()


FAKE_GPG = """#!/bin/sh
# Signs like gpg as git calls it (--status-fd=2 -bsau KEY), with a stand-in signature.
cat > /dev/null
echo "[GNUPG:] SIG_CREATED D 1 8 00 1700000000 0123456789ABCDEF" >&2
printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'
"""


def test_commit_gpgsign_signs_the_merge_commit(child, runner, tmp_path):
    signer = tmp_path / "fake-gpg"
    signer.write_text(FAKE_GPG)
    signer.chmod(0o755)
    for key, value in [("commit.gpgsign", "true"), ("gpg.program", str(signer))]:
        git(child, "config", key, value)
    git(child, "config", "user.signingkey", "0123456789ABCDEF")

    result = runner.invoke(app, ["update", str(child)])

    assert result.exit_code == 0, result.output
    assert "-----BEGIN PGP SIGNATURE-----" in git(child, "cat-file", "commit", "HEAD")
    # mlt's own pristine render is not the user's commit: it stays unsigned.
    assert "gpgsig" not in git(child, "cat-file", "commit", "mlt/template")


def test_a_broken_signer_restores_the_exact_state(child, runner):
    git(child, "config", "commit.gpgsign", "true")
    git(child, "config", "gpg.program", "false")
    before = state(child)

    result = runner.invoke(app, ["update", str(child)])

    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "commit signing (commit.gpgsign) failed" in errors[0]
    assert state(child) == before
