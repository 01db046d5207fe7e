"""`-d` answers as a newcomer meets them, on the real bundled templates: a hidden question is
neither offered nor silently taken, a derived answer that fails says how to set it, and a
rejected answer's hint names the values it may take."""

from __future__ import annotations

import pytest

from mlt.cli import app


@pytest.fixture
def identity(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Tester")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "tester@example.com")


def test_delivers_is_not_offered_nor_taken(tmp_path, runner, identity):
    made = runner.invoke(app, ["new", "service", "svc", "--defaults"])
    assert made.exit_code == 0, made.output
    unknown = runner.invoke(app, ["update", str(tmp_path / "svc"), "-d", "nosuch=1"])
    assert unknown.exit_code == 2 and "delivers" not in unknown.stderr
    taken = runner.invoke(app, ["update", str(tmp_path / "svc"), "-d", "delivers=package"])
    assert taken.exit_code == 2, taken.output
    assert "delivers is set by the project type" in taken.stderr


def test_gpu_on_a_cpu_child_names_the_valid_base_images(tmp_path, runner, identity):
    made = runner.invoke(app, ["new", "service", "svc", "--defaults"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["update", str(tmp_path / "svc"), "-d", "gpu=true"])
    assert result.exit_code == 2
    assert "-d base_image=VALUE (one of: cpu, cuda-runtime" in result.stderr


def test_a_keyword_name_says_how_to_set_package_name(tmp_path, runner, identity):
    result = runner.invoke(app, ["new", "library", "class", "--defaults"])
    assert result.exit_code == 2
    assert "invalid package_name" in result.stderr
    assert "-d package_name=VALUE" in result.stderr
    assert not (tmp_path / "class").exists()
