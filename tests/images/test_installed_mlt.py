"""An installed mlt (its wheel in a fresh venv outside the checkout) renders and builds images.

No MLT_WHEEL, no PYTHONPATH, a working directory outside the source tree: the mlt inside the
image must come from the installed distribution itself (rebuilt from its RECORD).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.images.images_docker_support import PARENT, extra_ca, run_in, session_tag

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLT_", "PYTHON", "VIRTUAL"))}
    # Not the checkout's venv either: only what the fresh venv installed may be used.
    path = env.get("PATH", "").split(os.pathsep)
    env["PATH"] = os.pathsep.join(p for p in path if not p.startswith(str(REPO)))
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the `mlt` console script of a fresh venv, the wheel it was installed from)."""
    work = tmp_path_factory.mktemp("installed-mlt")
    assert REPO not in work.parents, "the venv must live outside the source tree"
    uv = shutil.which("uv")
    assert uv, "uv is a test dependency"
    subprocess.run([uv, "build", "-q", "--wheel", "--out-dir", work / "dist", REPO], check=True)
    (wheel,) = (work / "dist").glob("mlt-*.whl")
    venv = work / "venv"
    subprocess.run([uv, "venv", "-q", "--python", "python3", venv], check=True, env=_env())
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", venv / "bin" / "python", wheel],
        check=True,
        env=_env(),
    )
    return venv / "bin" / "mlt", wheel


def mlt(installed, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(installed[0]), *args], cwd=cwd, env=_env(), capture_output=True, text=True
    )


def _record_ok(zf: zipfile.ZipFile) -> list[str]:
    """Entries whose RECORD hash or size does not match their bytes."""
    (record,) = [n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]
    bad = []
    for row in zf.read(record).decode().splitlines():
        name, digest, size = row.rsplit(",", 2)
        if name == record:
            continue
        data = zf.read(name)
        want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
            b"="
        ).decode("ascii")
        if digest != want or int(size) != len(data):
            bad.append(name)
    return bad


def test_installed_mlt_renders_a_context_with_its_own_wheel(installed, tmp_path):
    result = mlt(installed, "images", "render", "cpu", "-o", "ctx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (rebuilt,) = (tmp_path / "ctx" / "wheels").glob("*.whl")
    assert rebuilt.name == installed[1].name
    with zipfile.ZipFile(rebuilt) as new, zipfile.ZipFile(installed[1]) as orig:
        assert sorted(new.namelist()) == sorted(orig.namelist())
        assert _record_ok(new) == []
        for name in orig.namelist():
            if not name.endswith("/RECORD"):
                assert new.read(name) == orig.read(name), name
    # Same installed files, same wheel bytes: the image layer that copies it stays cached.
    again = mlt(installed, "images", "render", "cpu", "-o", "ctx2", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "ctx2" / "wheels" / rebuilt.name).read_bytes() == rebuilt.read_bytes()


def test_installed_mlt_failed_render_leaves_nothing(installed, tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate", encoding="utf-8")
    result = mlt(
        installed, "images", "render", "cpu", "-o", "out/ctx", "--extra-ca", str(junk), cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr == f"error: extra CA file {junk} holds no PEM certificate\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.docker
def test_installed_mlt_builds_the_cpu_image(installed, docker_api, tmp_path):
    tag = session_tag("installed-cpu")
    args = ["images", "build", "cpu", "--parent", PARENT, "--tag", tag, "--quiet"]
    ca = extra_ca()
    if ca:
        args += ["--extra-ca", str(ca)]
    result = mlt(installed, *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"built {tag} (sha256:")
    # A rebuild by the same install is the same image: nothing is left untagged behind it.
    again = mlt(installed, *args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split()[2] == result.stdout.split()[2]  # "(sha256:<id prefix>)"
    code, out = run_in(docker_api, tag, "mlt", "images", "list", "--json")
    assert code == 0, out
    host = mlt(installed, "images", "list", "--json", cwd=tmp_path)
    assert json.loads(out) == json.loads(host.stdout)
