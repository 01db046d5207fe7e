"""The shared template layer: edited once in templates/_shared, copied into every type.

copier refuses symlinks, `{% include %}` and `!include` that leave a template's root, so the
shared files are copied by scripts/sync-templates.py; these tests keep the copies honest.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from mlt import resources

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "sync-templates.py"
TYPES = ("batch_job", "library", "service")


def _sync_module():
    spec = importlib.util.spec_from_file_location("sync_templates", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_copy_matches_the_shared_layer():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_hand_edited_copy_is_reported_stale(tmp_path):
    sync = _sync_module()
    root = tmp_path / "templates"
    shutil.copytree(resources.templates_dir(), root)
    assert sync.stale(root) == []
    copy = root / "service" / "project" / ".gitignore"
    copy.write_text(copy.read_text(encoding="utf-8") + "extra/\n", encoding="utf-8")
    config = root / "library" / "copier.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("ML Platform Team", "X"))
    assert {path for path, _, _ in sync.stale(root)} == {copy, config}


def test_every_type_gets_the_layer():
    assert _sync_module().types() == list(TYPES)


def test_nothing_shared_lives_outside_the_layer():
    """A file all three types hold with the same bytes belongs in templates/_shared."""
    sync = _sync_module()
    layer = {str(rel) for rel in sync.shared_files()}
    assert {"project/.gitignore", "project/LICENSE.jinja"} <= layer
    projects = [resources.templates_dir() / kind for kind in TYPES]
    common = set.intersection(
        *({str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()} for base in projects)
    )
    identical = {
        rel
        for rel in common
        if len({(base / rel).read_bytes() for base in projects}) == 1 and rel != "mlt-template.yml"
    }
    assert identical - layer == set()
