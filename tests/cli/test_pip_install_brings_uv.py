"""`pip install .` of mlt in a fresh venv brings uv, and `mlt new` then commits uv.lock.

The README's install line, run as written with the standard library's venv and pip (not uv),
then mlt called by its full path with its venv off PATH (as pipx leaves it): the child is locked
by the uv that came with mlt, not by one the machine happens to have.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def run(argv: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{argv}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def test_pip_install_puts_uv_next_to_mlt_and_new_commits_the_lock(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLT_", "VIRTUAL_ENV"))}
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    run([str(venv / "bin" / "pip"), "install", "-q", str(REPO)], tmp_path, env)
    assert (venv / "bin" / "mlt").is_file()
    assert (venv / "bin" / "uv").is_file()

    # mlt's venv is not on PATH and no uv is: only git (for the commits) is.
    git_dir = Path(run(["sh", "-c", "command -v git"], tmp_path, env).strip()).parent
    bare = {**env, "PATH": str(git_dir), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t"}
    bare.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    out = run([str(venv / "bin" / "mlt"), "new", "library", "pinned", "--defaults"], tmp_path, bare)
    assert "uv.lock" not in out, out  # no warning about a missing lock
    child = tmp_path / "pinned"
    assert (child / "uv.lock").is_file()
    log = run(["git", "log", "--format=%s", "-2"], child, bare).splitlines()
    assert log[0] == "Pin dependencies in uv.lock"
    assert run(["git", "status", "--porcelain"], child, bare) == ""
