"""The children's engine files (storage, batches, sharding, draining, batching, metrics) say so
in their first line and name the file the user edits instead, so nobody patches the engine
where a setting or their own module was meant."""

from __future__ import annotations

import re

import pytest

from mlt.scaffold.render import TemplateSource, render_template

ENGINE = {
    "service": ("server.py", "batching.py", "metrics.py"),
    "batch-job": ("storage.py", "batches.py", "shard.py"),
}


@pytest.mark.parametrize("project_type", sorted(ENGINE))
def test_engine_files_say_so_and_point_elsewhere(tmp_path, project_type):
    root = tmp_path / "engine-check"
    render_template(TemplateSource.bundled(project_type), root, {"project_name": root.name})
    package = root / "src" / "engine_check"
    for name in ENGINE[project_type]:
        first = (package / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith('"""Template engine: '), (name, first)
        edited = re.findall(r"Edit (\S+?\.(?:py|yaml))", first)
        assert edited, (name, first)
        for target in edited:
            # The file named must exist in the child, in the package or the project.
            assert (package / target).exists() or (root / target).exists(), (name, target)
