"""Each child's README quick start, run verbatim on a machine that has only `python3`.

A fresh child from `mlt new` (locked, as on day one), then every line of its README's quick
start through `sh -c`, with a PATH that holds python3, make and git and nothing else: no
`python`, no uv, no active virtual environment, a HOME of its own. Warnings are errors
(PYTEST_ADDOPTS=-W error: the first test run is clean). Afterwards nothing may have been
installed outside the child's .venv: the interpreter's own site-packages and the user site are
as before. Slow (real installs; the uv cache keeps them short).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from mlt.cli import app
from mlt.scaffold.lock import find_uv

from .matrix import TYPES

pytestmark = pytest.mark.slow

# Machine settings that reach the package index (proxies, CA bundles, a mirror), not tools.
NETWORK = re.compile(r"(?i)(_proxy|ssl_cert_file|_ca_bundle|^pip_cert|^(uv|pip)_(default_)?index)")
BLOCK = re.compile(r"^## (?:Quick start|Develop)\n\n```bash\n(.*?)```", re.M | re.S)


def base_python() -> Path:
    """The interpreter itself (not this venv's link to it): what a bare machine calls python3."""
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve()


def site_dirs(python: Path) -> list[Path]:
    probe = "import site, sysconfig; print(sysconfig.get_paths()['purelib']); print(site.USER_SITE)"
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    return [Path(line) for line in out.stdout.split()]


def snapshot(dirs: list[Path]) -> dict[str, list[str]]:
    return {str(d): sorted(p.name for p in d.iterdir()) if d.is_dir() else [] for d in dirs}


@pytest.fixture(scope="module")
def bare_path(tmp_path_factory) -> str:
    """A bin folder with python3, make and git only."""
    bin_dir = tmp_path_factory.mktemp("bare-bin")
    (bin_dir / "python3").symlink_to(base_python())
    for tool in ("make", "git"):
        found = shutil.which(tool)
        assert found, f"{tool} is needed"
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def bare_env(bin_dir: str, home: Path, pip_cache: Path) -> dict[str, str]:
    uv = find_uv()
    cache = subprocess.run([uv, "cache", "dir"], capture_output=True, text=True, check=True)
    env = {k: v for k, v in os.environ.items() if NETWORK.search(k)}
    env.update(
        PATH=bin_dir,
        HOME=str(home),
        LANG="C.UTF-8",
        # Caches only (shared between runs to keep this fast), never an installation.
        UV_CACHE_DIR=cache.stdout.strip(),
        PIP_CACHE_DIR=str(pip_cache),
        PYTEST_ADDOPTS="-W error",
    )
    return env


def quick_start(child: Path) -> list[str]:
    match = BLOCK.search((child / "README.md").read_text(encoding="utf-8"))
    assert match, "the README has no quick start"
    return [line for line in match[1].splitlines() if line.strip()]


def serve_once(line: str, child: Path, env: dict[str, str]) -> None:
    """`make run` of the service: it must answer /healthz, then stop on Ctrl-C."""
    port = re.search(r"127\.0\.0\.1:(\d+)", line)[1]
    server = subprocess.Popen(
        ["/bin/sh", "-c", line], cwd=child, env=env, start_new_session=True, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        status = None
        for _ in range(120):  # bounded: about a minute for the first start
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200
    finally:
        os.killpg(server.pid, signal.SIGINT)
        out, _ = server.communicate(timeout=60)
    assert status == 200, out[-3000:]


@pytest.mark.parametrize("project_type", TYPES)
def test_readme_quick_start_works_verbatim_with_only_python3(
    project_type, bare_path, tmp_path, tmp_path_factory, runner, monkeypatch
):
    monkeypatch.delenv("MLT_NO_LOCK")  # day one: `mlt new` locks the child
    name = f"qs-{project_type}"
    made = runner.invoke(app, ["new", project_type, name, "-o", str(tmp_path), "--defaults"])
    assert made.exit_code == 0, made.output
    child = tmp_path / name
    assert (child / "uv.lock").is_file()

    env = bare_env(bare_path, tmp_path / "home", tmp_path_factory.getbasetemp() / "pip-cache")
    assert not any(Path(bare_path, tool).exists() for tool in ("python", "uv"))
    watched = [*site_dirs(base_python()), Path(sysconfig.get_paths()["purelib"])]
    before = snapshot(watched)
    for line in quick_start(child):
        if project_type == "service" and line.startswith("make run "):
            serve_once(line, child, env)
            continue
        done = subprocess.run(
            ["/bin/sh", "-c", line], cwd=child, env=env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        if line.startswith("make test "):
            assert " passed" in done.stdout and "warning" not in done.stdout, done.stdout[-2000:]

    assert (child / ".venv" / "bin" / "pytest").is_file()
    assert (child / ".venv" / ".uv" / "bin" / "uv").is_file()  # no uv anywhere: made inside
    assert snapshot(watched) == before  # nothing went into the interpreter's or mlt's env
    assert not (tmp_path / "home" / ".local").exists()  # nor into the user site
    # The environment is the lock: `uv sync --locked --check` finds nothing to change.
    check = [find_uv(), "sync", "--locked", "--all-extras", "--check"]
    synced = subprocess.run(
        check, cwd=child, capture_output=True, text=True, env={**os.environ, "UV_OFFLINE": "1"}
    )
    assert synced.returncode == 0, synced.stderr[-2000:]


def test_make_install_never_installs_into_the_active_environment(tmp_path, runner, monkeypatch):
    """The first report: with mlt's venv active, `make install` filled mlt's venv. Now an active
    (or configured) environment is left alone and the child gets its own .venv."""
    monkeypatch.delenv("MLT_NO_LOCK")
    made = runner.invoke(app, ["new", "library", "own-env", "-o", str(tmp_path), "--defaults"])
    assert made.exit_code == 0, made.output
    child = tmp_path / "own-env"
    uv = find_uv()
    active = tmp_path / "active"
    subprocess.run([uv, "venv", "-q", str(active)], check=True, capture_output=True)
    watched = [active / "lib", active / "bin"]
    before = {str(d): sorted(str(p) for p in d.rglob("*")) for d in watched}
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(active),
        "UV_PROJECT_ENVIRONMENT": str(active),  # even uv's own setting does not redirect it
        "PATH": f"{active / 'bin'}{os.pathsep}{Path(uv).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(["make", "install"], cwd=child, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (child / ".venv" / "bin" / "pytest").is_file()
    assert {str(d): sorted(str(p) for p in d.rglob("*")) for d in watched} == before
