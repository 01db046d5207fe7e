"""`mlt images render -o DIR` never destroys what it did not write, and never half-writes.

- An existing, different Dockerfile in DIR (hand-written, another image's) is kept: one
  error line, exit 2, unless `--force`. Rendering the same image again is fine.
- A render that fails half-way (the disk fills up while writing) leaves no folder and no
  file behind, and says so in one line.
"""

from __future__ import annotations

import errno
import zipfile
from pathlib import Path

import pytest

from mlt.cli import app


@pytest.fixture
def wheel(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "wheel" / "mlt-0.1.0-py3-none-any.whl"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mlt/__init__.py", "")
    monkeypatch.setenv("MLT_WHEEL", str(path))
    return path


def test_a_different_dockerfile_is_not_overwritten_without_force(tmp_path, wheel, runner):
    out = tmp_path / "ctx"
    out.mkdir()
    mine = "FROM scratch\n# hand-written\n"
    (out / "Dockerfile").write_text(mine)
    refused = runner.invoke(app, ["images", "render", "cpu", "-o", str(out)])
    assert refused.exit_code == 2, refused.output
    assert "--force" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert (out / "Dockerfile").read_text() == mine
    assert sorted(p.name for p in out.iterdir()) == ["Dockerfile"]
    forced = runner.invoke(app, ["images", "render", "cpu", "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "Dockerfile").read_text() != mine
    again = runner.invoke(app, ["images", "render", "cpu", "-o", str(out)])
    assert again.exit_code == 0, again.output  # its own render: nothing to protect


def test_a_render_failing_half_way_leaves_nothing(tmp_path, wheel, runner, monkeypatch):
    written = []
    real_write = Path.write_text

    def full_disk(self, data, *args, **kwargs):
        if written:  # the first file fits, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(self)
        return real_write(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    out = tmp_path / "parent" / "ctx"
    result = runner.invoke(app, ["images", "render", "cpu", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == [tmp_path / "wheel"]  # no folder, no staging left
