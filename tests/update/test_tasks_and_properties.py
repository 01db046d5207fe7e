"""Template tasks need --trust; random local edits away from upstream changes all survive."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlt.cli import app
from mlt.update import UpdateOptions, update_project
from tests.support.git import commit_all, git
from tests.support.update_kit import COPIER_YML, make_child, v2_changes


def _release_with_task(template):
    changes = v2_changes(template.root)
    changes["copier.yml"] = COPIER_YML + '_tasks:\n  - "echo {{ project_name }} > task-ran.txt"\n'
    template.release(changes, "v2")


def test_tasks_are_skipped_with_a_warning_without_trust(tmp_path, template, runner):
    child = make_child(tmp_path / "c", "demo", str(template.root), "v1")
    _release_with_task(template)
    result = runner.invoke(app, ["update", str(child)])
    assert result.exit_code == 0, result.output
    assert "1 task(s) that were NOT run" in result.stderr
    assert not (child / "task-ran.txt").exists()
    assert "task-ran.txt" not in git(child, "ls-tree", "-r", "--name-only", "mlt/template")


def test_tasks_run_once_in_the_repo_with_trust(tmp_path, template):
    child = make_child(tmp_path / "c", "demo", str(template.root), "v1")
    _release_with_task(template)
    result = update_project(child, UpdateOptions(trust=True))
    assert result.status == "updated"
    assert (child / "task-ran.txt").read_text() == "demo\n"
    assert result.messages == ["ran task: echo demo > task-ran.txt"]
    assert "task-ran.txt" not in git(child, "ls-tree", "-r", "--name-only", "mlt/template")


# Where a local insertion cannot touch an upstream hunk (line indexes before which to insert).
SAFE_SPOTS = {
    "README.md": range(3, 6),  # upstream rewrites line 0
    "src/app.py": range(0, 27),  # upstream changes line 29 ("return 7")
    "config.yaml": range(0, 4),  # unchanged upstream
    "docs/guide.md": range(0, 10),  # renamed upstream, line 11 changed
}
EDITS = st.lists(
    st.sampled_from(sorted(SAFE_SPOTS)).flatmap(
        lambda f: st.tuples(st.just(f), st.sampled_from(list(SAFE_SPOTS[f])))
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=EDITS)
def test_local_edits_away_from_upstream_changes_survive(tmp_path, template, edits):
    pristine = tmp_path / "pristine" / "demo"
    if not pristine.exists():
        make_child(pristine.parent, "demo", str(template.root), "v1")
        template.release(v2_changes(template.root), "v2")
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        child = Path(shutil.copytree(pristine, Path(tmp) / "demo"))
        markers = _apply(child, edits)
        commit_all(child)
        result = update_project(child)
        assert result.status == "updated", result.conflicts
        text = "".join(
            p.read_text() for p in child.rglob("*") if p.suffix in (".md", ".py", ".yaml")
        )
        for marker in markers:
            assert marker in text
        assert "return 70" in (child / "src/app.py").read_text()


def _apply(child: Path, edits: list[tuple[str, int]]) -> list[str]:
    markers = []
    for n, (name, spot) in enumerate(sorted(edits, key=lambda e: -e[1])):
        lines = (child / name).read_text().splitlines(keepends=True)
        marker = f"LOCAL EDIT {n} in {name}\n"
        lines.insert(min(spot, len(lines)), marker)
        (child / name).write_text("".join(lines))
        markers.append(marker)
    return markers
