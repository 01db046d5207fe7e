"""The installed `mlt` script and `python -m mlt`, as real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlt import __version__

BIN = Path(sys.executable).parent


def run(*argv, cwd, env=None):
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env
    )


@pytest.fixture
def mlt_script():
    path = shutil.which("mlt", path=str(BIN))
    assert path, f"no mlt script next to {sys.executable}: is mlt installed in this venv?"
    return path


def test_script_version_and_help(mlt_script, tmp_path):
    version = run(mlt_script, "--version", cwd=tmp_path)
    assert (version.returncode, version.stdout) == (0, f"mlt {__version__}\n")

    helped = run(mlt_script, "new", "--help", cwd=tmp_path, env={**os.environ, "COLUMNS": "120"})
    assert helped.returncode == 0
    assert "Usage: mlt new [OPTIONS]" in helped.stdout
    assert "mlt new service fraud-scorer" in helped.stdout


def test_python_dash_m(tmp_path):
    result = run(sys.executable, "-m", "mlt", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Usage: mlt [OPTIONS] COMMAND [ARGS]..." in result.stdout
    assert "mlt new service fraud-scorer" in result.stdout


def test_script_creates_a_project_without_a_terminal(mlt_script, tmp_path, no_git_identity):
    # stdin is not a terminal, so no prompt may block even without --defaults.
    result = run(mlt_script, "new", "library", "lib", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["path"] == str(tmp_path / "lib")
    assert ".mlt.yaml" in data["files"]


def test_script_error_is_one_line_without_traceback(mlt_script, tmp_path):
    result = run(mlt_script, "new", "library", "Bad", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid project name 'Bad': ")
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_script_flushes_everything_and_keeps_exit_codes(mlt_script, tmp_path):
    # main() ends with os._exit: output must be flushed first, exit codes kept.
    listed = run(mlt_script, "images", "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert {i["id"] for i in json.loads(listed.stdout)["images"]} >= {"cpu", "pytorch"}
    checked = run(mlt_script, "check", str(tmp_path), cwd=tmp_path)
    assert checked.returncode == 1
    assert checked.stderr.startswith("error: ") and checked.stderr.count("\n") == 1
    usage = run(mlt_script, "update", "--jobs", "many", cwd=tmp_path)
    assert usage.returncode == 2 and "Invalid value" in usage.stderr
