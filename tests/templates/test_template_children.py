"""Install generated children and run their own test suites (slow: real installs).

One shared virtual environment per (python, framework) group under `.venvs/templates-*` in
the repository root (gitignored, reused between runs so torch/tensorflow install only once);
several children with distinct package names are installed into each.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomllib

from mlt.template.source import TemplateSource
from mlt.scaffold.render import render_template

from .matrix import TYPES
from .wheels import cpu_torch_index, wheel_dirs

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
VENVS = REPO / ".venvs"
# Local wheel folders (MLT_TEST_WHEELS, else PIP_FIND_LINKS): never a machine-specific path.
FIND_LINKS = [str(d) for d in wheel_dirs()]
# (group id, python, framework, template types): every type × framework on 3.11, plus the
# oldest and newest supported Python for the framework-free children.
GROUPS = [
    ("py311-none", "3.11", "none", TYPES),
    ("py311-pytorch", "3.11", "pytorch", TYPES),
    ("py311-tensorflow", "3.11", "tensorflow", TYPES),
    ("py310-none", "3.10", "none", ("batch-job", "library")),
    ("py312-none", "3.12", "none", ("service",)),
]


def uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        pytest.skip("uv is not installed")
    return found


def run(cmd: list[str], cwd: Path | None = None, timeout: int = 600) -> str:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(cmd)}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def find_python(version: str) -> str:
    """An interpreter for `version`: a pyenv install, one on PATH, else let uv look for one."""
    pyenv = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    if pyenv:
        return str(pyenv[-1])
    on_path = shutil.which(f"python{version}")
    # pyenv shims fail for versions not selected in pyenv; uv's own discovery is better then.
    return on_path if on_path and "/shims/" not in on_path else version


def make_venv(group: str, python: str, framework: str) -> Path:
    venv = VENVS / f"templates-{group}"
    py = venv / "bin" / "python"
    if not py.exists():
        made = subprocess.run(
            [uv(), "venv", "-q", "--python", find_python(python), str(venv)],
            capture_output=True,
            text=True,
        )
        if made.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            pytest.skip(f"no Python {python} available to uv: {made.stderr.strip()[:200]}")
    install = [uv(), "pip", "install", "-q", "--python", str(py)]
    for links in FIND_LINKS:
        install += ["--find-links", links]
    # pytorch: nothing to pre-install, the children route torch to their CPU index (a local one).
    if framework == "tensorflow":
        run([*install, "tensorflow-cpu>=2.16"])
    return py


@pytest.mark.parametrize(
    ("group", "python", "framework", "types"), GROUPS, ids=[g[0] for g in GROUPS]
)
def test_children_install_and_pass_their_tests(tmp_path, group, python, framework, types):
    started = time.monotonic()
    py = make_venv(group, python, framework)
    venv_s = time.monotonic() - started
    children = []
    for project_type in types:
        name = f"{project_type}-{group}".replace("_", "-")
        dest = tmp_path / name
        answers = {"project_name": name, "framework": framework, "python_version": python}
        if framework == "pytorch":
            answers["torch_index_url"] = cpu_torch_index(tmp_path / "torch-index")
        render_template(TemplateSource.bundled(project_type), dest, answers)
        children.append((project_type, dest))
    install = [uv(), "pip", "install", "-q", "--python", str(py)]
    for links in FIND_LINKS:
        install += ["--find-links", links]
    for _, dest in children:
        # The child with its extras, and its dev tools (a dependency group, not an extra).
        extras = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))
        names = ",".join(extras["project"].get("optional-dependencies", {}))
        install += ["-e", f"{dest}[{names}]" if names else str(dest)]
        install += ["--group", f"{dest / 'pyproject.toml'}:dev"]
    run(install)
    installed_s = time.monotonic() - started
    for project_type, dest in children:
        # The child's own Makefile target, with this group's interpreter.
        # Warnings are errors: a fresh child's first test run is clean.
        out = run(["make", "test", f"PYTHON={py}", "PYTEST_ADDOPTS=-W error"], cwd=dest)
        assert " passed" in out and "failed" not in out, out[-2000:]
        if project_type == "batch-job":
            package = dest.name.replace("-", "_")
            out = run([str(py), "-m", package, "run", "--config", "config.yaml"], cwd=dest)
            assert "published as _LATEST" in out
    total = time.monotonic() - started
    print(
        f"\n[{group}] venv {venv_s:.1f}s, install {installed_s - venv_s:.1f}s, "
        f"tests {total - installed_s:.1f}s, total {total:.1f}s"
    )
