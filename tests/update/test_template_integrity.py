"""A forced, merged or rewound `mlt/template` is refused (it is every update's merge base), and
`mlt update --rebase-template` rebuilds it from the version `.mlt.yaml` records."""

from __future__ import annotations

import json

import pytest

from mlt.cli import app
from tests.support.git import commit_all, git
from tests.support.trees import write_tree
from tests.support.update_kit import make_child, refs

READMES = {
    "1.0.0": "# {{ project_name }}\n\n{{ greeting }}\n",
    "2.0.0": "# {{ project_name }} v2\n\n{{ greeting }}\n",
    "3.0.0": "# {{ project_name }} v3\n\n{{ greeting }}\n",
}


def release(bundled, version: str, readme: str) -> None:
    write_tree(
        bundled,
        {
            "mlt-template.yml": f"version: {version}\nmigrations: []\n",
            "project/README.md.jinja": readme,
        },
    )


@pytest.fixture
def child(tmp_path, bundled):
    """A child with local edits and a deleted template file, at 1.0.0; 2.0.0 is released."""
    path = make_child(tmp_path, "demo", project_type="library")
    write_tree(path, {"README.md": (path / "README.md").read_text() + "\nOur notes.\n"})
    git(path, "rm", "-q", "docs/guide.md")
    commit_all(path, "local work")
    release(bundled, "2.0.0", "# {{ project_name }} v2\n\n{{ greeting }}\n")
    return path


def damage_merge(child):
    git(child, "switch", "-q", "mlt/template")
    git(child, "merge", "-q", "--no-ff", "--no-edit", "main")
    git(child, "switch", "-q", "main")


def damage_commit(child):
    git(child, "switch", "-q", "mlt/template")
    write_tree(child, {"extra.txt": "oops\n"})
    commit_all(child, "fix typo")
    git(child, "switch", "-q", "main")


def damage_rewind(child, runner, bundled):
    # Update to 2.0.0 first, then put mlt/template back on the 1.0.0 render.
    assert runner.invoke(app, ["update", str(child)]).exit_code == 0
    git(child, "branch", "-f", "mlt/template", "mlt/template^")
    release(bundled, "3.0.0", "# {{ project_name }} v3\n\n{{ greeting }}\n")


@pytest.mark.parametrize("how", ["force-to-main", "merge-into", "commit-onto", "rewind"])
def test_damaged_template_branch_is_refused_then_rebuilt(child, bundled, runner, how):
    if how == "force-to-main":
        git(child, "branch", "-f", "mlt/template", "main")
    elif how == "merge-into":
        damage_merge(child)
    elif how == "commit-onto":
        damage_commit(child)
    else:
        damage_rewind(child, runner, bundled)
    before = refs(child)

    refused = runner.invoke(app, ["update", str(child), "--json"])

    assert refused.exit_code == 1, refused.output
    errors = [ln for ln in refused.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "mlt/template is not the pristine template history" in errors[0]
    assert "mlt update --rebase-template" in json.loads(refused.stdout)["hint"]
    assert refs(child) == before and git(child, "status", "--porcelain") == ""
    for other in (["diff", str(child)], ["update", str(child), "--dry-run"]):
        assert runner.invoke(app, other).exit_code == 1

    # The rebuild renders the version the project records; install it again.
    recorded = "2.0.0" if how == "rewind" else "1.0.0"
    release(bundled, recorded, READMES[recorded])
    rebuilt = runner.invoke(app, ["update", str(child), "--rebase-template"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "mlt/template rebuilt" in rebuilt.stdout
    assert git(child, "diff", "HEAD~1", "HEAD") == ""  # the anchor changes no file
    assert git(child, "rev-parse", "HEAD^2") == git(child, "rev-parse", "mlt/template")

    release(bundled, "3.0.0", "# {{ project_name }} v3\n\n{{ greeting }}\n")
    updated = runner.invoke(app, ["update", str(child)])
    assert updated.exit_code == 0, updated.output
    readme = (child / "README.md").read_text()
    assert readme.startswith("# demo v3") and "Our notes." in readme  # edits survive
    assert not (child / "docs/guide.md").exists()  # deletions survive
    assert not (child / "extra.txt").exists()


def test_rebase_template_refuses_a_version_it_cannot_render(child, runner):
    # The project records 1.0.0 but only 2.0.0 is installed now.
    result = runner.invoke(app, ["update", str(child), "--rebase-template"])
    assert result.exit_code == 1
    assert "mlt cannot render 1.0.0" in result.stderr
