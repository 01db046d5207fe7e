"""Real public copier templates at real tags: `mlt new` at an old tag, `mlt update` to newer
ones, and the child must hold what copier itself makes (`copier copy`, `copier update`).

The templates are git bundles in ../shared/fixtures/copier-templates (beside the clone, as in
CI); they are cloned into tmp_path, never copied into this repository.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from mlt.provenance import Provenance
from mlt.scaffold.render import RENDERER_ENV
from mlt.update import UpdateOptions, update_project
from tests.support.git import commit_all, git
from tests.support.trees import write_tree
from tests.support.update_kit import make_child
from tests.update.foreign_kit import FIXTURES, copier_copy, copier_update, tree_files

pytestmark = pytest.mark.slow

SUBSTRATE_ANSWERS = {
    "project_name": "Demo Proj",
    "project_description": "A demo.",
    "project_url": "https://github.com/acme/demo-proj",
    "author_name": "Ada",
    "author_email": "ada@example.com",
    "with_typer_cli": "true",
}
CASES = {
    # _subdirectory, _envops, _templates_suffix, a custom answers file; _tasks from v0.4.0
    "autopretty": ("copier-org+autopretty", ["v0.1.0", "v0.4.3"], {"ansible": "true"}),
    # computed (when: false) answers, conditional paths, choices that change shape
    "substrate": ("superlinear-ai+substrate", ["v1.0.0", "v2.1.0"], SUBSTRATE_ANSWERS),
}
ANSWERS_FILES = {"autopretty": ".copier-answers.autopretty.yml", "substrate": ".copier-answers.yml"}


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """Each bundle cloned once (a mirror, then a work clone with every tag)."""
    if not FIXTURES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{FIXTURES} is missing: CI must have ../shared beside the clone")
        pytest.skip(f"{FIXTURES} is not here")
    root = tmp_path_factory.mktemp("bundles")
    repos = {}
    for case, (bundle, _, _) in CASES.items():
        mirror = root / f"{bundle}.git"
        subprocess.run(
            ["git", "clone", "-q", "--mirror", str(FIXTURES / f"{bundle}.bundle"), str(mirror)],
            check=True,
        )
        work = root / case
        subprocess.run(["git", "clone", "-q", str(mirror), str(work)], check=True)
        repos[case] = work
    return repos


def _typed(data):
    return {k: (v == "true" if v in ("true", "false") else v) for k, v in data.items()}


@pytest.mark.parametrize("case", CASES)
def test_new_then_update_to_a_newer_tag_match_copier(tmp_path, bundles, case, monkeypatch):
    # mlt's side on the fast path only (no silent fallback): it must match copier byte for byte.
    monkeypatch.setenv(RENDERER_ENV, "fast")
    _, (old, new), data = CASES[case]
    child = make_child(tmp_path / "mlt", "demo", str(bundles[case]), old, data=data)
    copied = copier_copy(str(bundles[case]), tmp_path / "copier" / "demo", old, _typed(data))
    assert tree_files(child) == tree_files(copied)
    prov = Provenance.read(child)
    assert prov.version == old
    if case == "substrate":  # its own project_name, not NAME
        assert prov.answers["project_name"] == "Demo Proj"
        assert (child / "src" / "demo_proj" / "cli.py").is_file()

    write_tree(child, {"NOTES.md": "ours\n"})  # a file of the child's own survives
    commit_all(child)
    expected = tree_files(
        copier_update(child, tmp_path / "copier-update", new, answers_file=ANSWERS_FILES[case])
    )
    result = update_project(child, UpdateOptions(ref=new))
    assert result.status == "updated", result
    assert Provenance.read(child).version == new
    assert tree_files(child) == expected
    assert (child / "NOTES.md").read_text() == "ours\n"
    assert git(child, "status", "--porcelain") == ""
