"""One bundled copier template renders exactly what the three per-type templates rendered.

The previous layout (three copier templates, each with committed copies of templates/_shared)
comes from git history (layout_history); every case of the answer matrix is rendered from it
with copier, and from the one-template layout with copier and with mlt's fast renderer:
files, bytes, modes and folders must be the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlt.copier_subset import fast_render as fastrender

from .layout_history import export_templates, layout_commits, snapshot
from .matrix import CASES, Case

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> tuple[Path, Path]:
    """(templates/ of the previous layout, templates/ of the one-template layout)."""
    before, change = layout_commits()
    old = export_templates(before, tmp_path_factory.mktemp("old"))
    new = export_templates(change, tmp_path_factory.mktemp("new"))
    assert (old / "service" / "copier.yml").is_file(), "the previous layout has per-type templates"
    assert (new / "copier.yml").is_file()
    return old, new


def _data(case: Case) -> dict:
    return {"project_name": case.full_answers()["project_name"], **case.answers}


def _copier(src: Path, dest: Path, data: dict) -> dict:
    import copier

    copier.run_copy(
        str(src), str(dest), data=data, defaults=True, quiet=True, skip_tasks=True, unsafe=False
    )
    return snapshot(dest)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_one_template_renders_what_the_per_type_template_rendered(layouts, case, tmp_path):
    old, new = layouts
    data = _data(case)
    before = _copier(old / case.type.replace("-", "_"), tmp_path / "a" / "child", data)
    assert before, "the previous layout rendered nothing"

    with_copier = _copier(new, tmp_path / "b" / "child", {**data, "project_type": case.type})
    fast_dest = tmp_path / "c" / "child"
    fastrender.FastTemplate(str(new)).render(fast_dest, {**data, "project_type": case.type})
    with_fast = snapshot(fast_dest)

    assert sorted(with_copier) == sorted(before)
    for rel, entry in before.items():
        assert with_copier[rel] == entry, f"copier renders {rel} differently"
        assert with_fast[rel] == entry, f"the fast renderer renders {rel} differently"
    assert sorted(with_fast) == sorted(before)


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TYPE_FOLDERS = ("batch_job", "service", "library")


def test_shared_files_exist_once():
    """No file under a type's folder repeats a file of templates/_shared (no synced copies)."""
    shared = {p.read_bytes() for p in (TEMPLATES / "_shared").rglob("*") if p.is_file()}
    for kind in TYPE_FOLDERS:
        repeated = [
            p.relative_to(TEMPLATES).as_posix()
            for p in (TEMPLATES / kind).rglob("*")
            if p.is_file() and p.read_bytes() in shared
        ]
        assert not repeated, f"copies of templates/_shared files (use an include stub): {repeated}"


def stub_path(kind: str, shared: Path) -> tuple[Path, str]:
    """Where a type includes a shared project file, and the one line it holds."""
    rel = shared.relative_to(TEMPLATES / "_shared" / "project")
    name = rel.name if rel.name.endswith(".jinja") else rel.name + ".jinja"
    target = (Path("_shared/project") / rel).as_posix()
    return TEMPLATES / kind / "project" / rel.parent / name, f'{{% include "{target}" -%}}\n'


@pytest.mark.parametrize("kind", TYPE_FOLDERS)
def test_every_shared_project_file_is_included_by_every_type(kind):
    """copier renders only the type's folder: each shared project file needs its stub there."""
    for shared in sorted((TEMPLATES / "_shared" / "project").rglob("*")):
        if not shared.is_file():
            continue
        path, line = stub_path(kind, shared)
        assert path.is_file() and path.read_text() == line, (
            f"{path.relative_to(TEMPLATES)} must hold exactly {line!r}"
        )
        if not shared.name.endswith(".jinja"):  # rendered through the stub's include
            text = shared.read_text()
            assert "{{" not in text and "{%" not in text and "{#" not in text, shared


@pytest.mark.parametrize("kind", ["service", "library"])
def test_another_types_hidden_defaults_do_not_leak(kind, tmp_path):
    """A hidden question still has its default in the render context: the batch job's
    k8s_output_uri must not make a service or library image install the storage extra."""
    from mlt.scaffold.render import TemplateSource, render_template

    render_template(TemplateSource.bundled(kind), tmp_path / "c", {"project_name": "c"})
    dockerfile = (tmp_path / "c" / "Dockerfile").read_text()
    assert "[s3]" not in dockerfile and "[gcs]" not in dockerfile
    assert "object-storage client" not in dockerfile
