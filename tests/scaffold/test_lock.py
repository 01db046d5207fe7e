"""`mlt new` pins the child's dependencies in uv.lock, in a commit of the child's own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from mlt.cli import app
from mlt.scaffold import lock
from tests.support.git import git_run


@pytest.mark.slow
def test_new_commits_a_lock_that_ci_can_sync_against(tmp_path, runner, monkeypatch):
    monkeypatch.delenv("MLT_NO_LOCK")
    result = runner.invoke(app, ["new", "library", "locked", "-o", str(tmp_path), "--defaults"])
    assert result.exit_code == 0, result.output
    child = tmp_path / "locked"
    assert (child / "uv.lock").is_file()
    assert (
        git_run(child, "log", "-1", "--format=%s").stdout.strip() == "Pin dependencies in uv.lock"
    )
    assert git_run(child, "status", "--porcelain").stdout == ""
    # The lock is the child's own file: the pristine render (the update base) has none.
    assert git_run(child, "cat-file", "-e", "mlt/template:uv.lock").returncode != 0
    assert (
        git_run(child, "rev-parse", "HEAD^").stdout
        == git_run(child, "rev-parse", "mlt/template").stdout
    )
    # What CI runs first: the lock matches pyproject.toml.
    check = subprocess.run(
        [lock.find_uv(), "lock", "--locked"], cwd=child, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr


def test_new_without_uv_warns_and_still_makes_the_project(tmp_path, runner, monkeypatch):
    monkeypatch.delenv("MLT_NO_LOCK")
    monkeypatch.setattr(lock, "find_uv", lambda: None)  # uv comes with mlt: only a broken install
    result = runner.invoke(app, ["new", "library", "nouv", "-o", str(tmp_path), "--defaults"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "nouv" / "uv.lock").exists()
    assert "no uv.lock was made" in result.output + result.stderr
    assert "make lock" in result.output + result.stderr


def test_uv_is_found_beside_the_interpreter_without_path(monkeypatch):
    """`pipx install mlt` puts mlt's venv off PATH: the uv that came with mlt is still found."""
    monkeypatch.setenv("PATH", "")
    found = lock.find_uv()
    assert found is not None and Path(found).is_file()
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("uv ")


@pytest.mark.slow
def test_offline_lock_warns_and_the_command_it_names_works(tmp_path, runner, monkeypatch):
    """No index: a warning naming `make lock`; that command then locks the child for real."""
    monkeypatch.delenv("MLT_NO_LOCK")
    offline = {"UV_OFFLINE": "1", "UV_CACHE_DIR": str(tmp_path / "empty-cache")}
    for key, value in offline.items():
        monkeypatch.setenv(key, value)
    result = runner.invoke(app, ["new", "service", "offline", "-o", str(tmp_path), "--defaults"])
    assert result.exit_code == 0, result.output
    child = tmp_path / "offline"
    warning = result.output + result.stderr
    assert "`uv lock` failed" in warning and "run `make lock`" in warning
    assert not (child / "uv.lock").exists()
    assert git_run(child, "status", "--porcelain").stdout == ""
    for key in offline:
        monkeypatch.delenv(key)
    made = subprocess.run(["make", "lock"], cwd=child, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    assert (child / "uv.lock").is_file()


def test_no_lock_flag_skips_locking(tmp_path, runner, monkeypatch):
    monkeypatch.delenv("MLT_NO_LOCK")
    monkeypatch.setenv("PATH", os.environ["PATH"])
    result = runner.invoke(
        app, ["new", "library", "nl", "-o", str(tmp_path), "--defaults", "--no-lock"]
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "nl" / "uv.lock").exists()
    assert "uv.lock" not in result.output + result.stderr
