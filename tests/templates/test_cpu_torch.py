"""CPU means CPU: framework=pytorch, gpu=false routes torch to a CPU-only index (uv's
`[[tool.uv.index]] explicit` + `[tool.uv.sources]`); gpu=true keeps PyPI's CUDA build.

The PyTorch index is not reachable here, so the lock/install test serves the CPU torch wheel
from a local folder (MLT_TEST_WHEELS, else PIP_FIND_LINKS) as a one-package simple index,
passed as the child's own `torch_index_url` answer.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlt.template.source import TemplateSource
from mlt.scaffold.render import render_template

from .matrix import TYPES
from .wheels import cpu_torch_index

PY = f"{sys.version_info.major}.{sys.version_info.minor}"


def uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    assert Path(found).exists(), "uv is a test dependency"
    return found


def render(dest: Path, project_type: str, **answers) -> Path:
    data = {"project_name": dest.name, "framework": "pytorch", **answers}
    render_template(TemplateSource.bundled(project_type), dest, data)
    return dest


def lock(child: Path) -> str:
    result = subprocess.run(
        [uv(), "lock", "--python", PY], cwd=child, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return (child / "uv.lock").read_text(encoding="utf-8")


def locked(text: str, name: str) -> dict[str, str]:
    """version and source of one package in uv.lock (a regex: no tomllib on Python 3.10)."""
    match = re.search(
        rf'^\[\[package\]\]\nname = "{name}"\nversion = "([^"]+)"\nsource = \{{ (\w+) = "([^"]+)"',
        text,
        re.M,
    )
    assert match, f"{name} is not in uv.lock"
    return {"version": match[1], "kind": match[2], "source": match[3]}


@pytest.mark.parametrize("project_type", TYPES)
@pytest.mark.parametrize("gpu", [False, True])
def test_only_cpu_pytorch_routes_torch_to_the_cpu_index(tmp_path, project_type, gpu):
    text = (render(tmp_path / "child", project_type, gpu=gpu) / "pyproject.toml").read_text()
    routed = '[tool.uv.sources]\ntorch = [{ index = "pytorch-cpu" }]' in text
    assert routed == (not gpu)
    if not gpu:
        index = text.split("[[tool.uv.index]]\n", 1)[1].split("\n\n", 1)[0]
        assert 'name = "pytorch-cpu"' in index and "explicit = true" in index
        assert 'url = "https://download.pytorch.org/whl/cpu"' in index


def test_framework_none_has_no_torch_index(tmp_path):
    text = (render(tmp_path / "child", "service", framework="none") / "pyproject.toml").read_text()
    assert "tool.uv.index" not in text and "tool.uv.sources" not in text


@pytest.fixture
def cpu_index(tmp_path: Path) -> str:
    return cpu_torch_index(tmp_path / "index")


@pytest.mark.slow
def test_gpu_false_locks_and_installs_cpu_torch(tmp_path, cpu_index):
    child = render(tmp_path / "cpu-child", "library", python_version=PY, torch_index_url=cpu_index)
    text = lock(child)
    torch = locked(text, "torch")
    assert torch["version"].endswith("+cpu")
    assert Path(torch["source"].removeprefix("file://")).as_uri() == cpu_index
    assert "nvidia-" not in text  # no CUDA libraries anywhere in the resolution
    # The child's own command (uv sync --locked into its .venv): the lock's CPU build, no CUDA.
    install = ["make", "install", f"UV={uv()}"]
    result = subprocess.run(install, cwd=child, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "nvidia" not in result.stdout + result.stderr
    probe = "import torch; print(torch.__version__, torch.version.cuda)"
    python = child / ".venv" / "bin" / "python"
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [torch["version"], "None"]


@pytest.mark.slow
def test_gpu_true_resolves_the_cuda_build(tmp_path):
    """The control: without the routing, torch comes from PyPI with its CUDA libraries."""
    text = lock(render(tmp_path / "gpu-child", "library", gpu=True, python_version=PY))
    torch = locked(text, "torch")
    assert "+cpu" not in torch["version"] and "pypi.org" in torch["source"]
    assert 'name = "nvidia-' in text
