"""A plain (non-editable) install from the built wheel works on its own.

Builds sdist + wheel (the wheel from the sdist, as pip would), installs the wheel into a
fresh venv and runs that venv's `mlt` outside the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mlt import resources
from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
JUNK = [  # caches a developer's checkout may hold; none may ship
    "templates/service/project/src/__pycache__/app.cpython-311.pyc",
    "templates/library/stray.pyc",
    "templates/batch_job/project/.pytest_cache/v/cache/lastfailed",
    "base_images/__pycache__/x.cpython-311.pyc",
    "generator/mlt/__pycache__/cli.cpython-311.pyc",
]


def sh(*argv, cwd, env=None):
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def clean_env(venv: Path) -> dict[str, str]:
    """No trace of the development venv or source tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLT_", "PYTHON"))}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t")
    return env


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    """The working tree (tracked and untracked, minus ignored files) plus planted caches."""
    dest = tmp_path_factory.mktemp("src")
    files = sh("git", "ls-files", "-z", "-co", "--exclude-standard", cwd=REPO).split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(src.read_bytes())
    for rel in JUNK:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(b"junk")
    return dest


@pytest.fixture(scope="module")
def wheel(source_copy, tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    sh(sys.executable, "-m", "uv", "build", "-q", "-o", str(dist), cwd=source_copy)
    (found,) = dist.glob("mlt-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("venv") / "v"
    uv = [sys.executable, "-m", "uv"]
    sh(*uv, "venv", "-q", "--python", sys.executable, str(path), cwd=path.parent)
    sh(
        *uv,
        "pip",
        "install",
        "-q",
        "--python",
        str(path / "bin" / "python"),
        str(wheel),
        cwd=path.parent,
    )
    return path


def test_wheel_ships_code_and_templates_without_caches(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    junk = [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "pytest_cache" in n]
    assert junk == []
    assert "mlt/templates/copier.yml" in names  # one template for every type
    assert "mlt/templates/mlt-template.yml" in names
    assert "mlt/templates/_shared/questions.yml" in names
    for project_type in resources.PROJECT_TYPES:
        directory = project_type.replace("-", "_")
        assert f"mlt/templates/{directory}/project/Dockerfile.jinja" in names
    assert "mlt/base_images/compat.yaml" in names
    assert "mlt/cli/__init__.py" in names
    assert not [n for n in names if n.startswith(("generator/", "templates/", "tests/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "mlt = mlt.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_mlt_renders_from_its_own_package_data(venv, tmp_path):
    env = clean_env(venv)
    mlt = str(venv / "bin" / "mlt")
    assert sh(mlt, "--version", cwd=tmp_path, env=env) == "mlt 0.1.0\n"
    assert "Usage: mlt" in sh(
        str(venv / "bin" / "python"), "-m", "mlt", "--help", cwd=tmp_path, env=env
    )

    # --no-lock: the lock is tests/scaffold/test_lock.py's subject; this one is package data.
    out = sh(
        mlt,
        "new",
        "service",
        "x",
        "--defaults",
        "--no-lock",
        "-o",
        "tmp",
        "--json",
        cwd=tmp_path,
        env=env,
    )

    data = json.loads(out)
    project = tmp_path / "tmp" / "x"
    assert data["path"] == str(project)
    # Same files as a render of the source tree's template: nothing is missing from the wheel.
    expected = render_template(
        TemplateSource.bundled("service"), tmp_path / "reference", {"project_name": "x"}
    ).files
    assert data["files"] == sorted({*expected, ".mlt.yaml"})
    code = "from mlt import resources; print(resources.templates_dir())"
    where = sh(str(venv / "bin" / "python"), "-c", code, cwd=tmp_path, env=env)
    assert Path(where.strip()).is_relative_to(venv)  # package data, not the source tree
    assert sh("git", "rev-list", "--all", "--count", cwd=project) == "1\n"
