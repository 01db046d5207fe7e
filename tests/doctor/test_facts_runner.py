"""Host facts under a root, interpreter resolution, the pynvml fallback and the installed CLI."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from mlt.doctor.facts import container, host_facts, ld_cache, parse_driver_version
from mlt.doctor.runner import resolve_interpreter
from mlt.errors import UsageError
from tests.doctor.doctor_fakes import KERNEL_550, make_root


def test_driver_version_both_formats():
    assert parse_driver_version(KERNEL_550)["version"] == "550.54.15"
    text = (
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.90.07  Fri May 31 09:35:42 UTC 2024\n"
    )
    assert parse_driver_version(text) == {
        "version": "550.90.07",
        "flavor": "proprietary",
        "raw": text.strip(),
    }
    text = (
        "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.178.04  "
        "Release Build  (dvs)\n"
    )
    assert parse_driver_version(text)["version"] == "580.178.04"
    assert parse_driver_version(text)["flavor"] == "open"
    assert parse_driver_version("garbage") is None


def test_host_facts_under_root(tmp_path):
    root = make_root(tmp_path / "r", docker=True)
    lib64 = root / "usr/local/nvidia/lib64"
    lib64.mkdir(parents=True)
    (lib64 / "libcuda.so.1").write_text("")
    (lib64 / "libz.so.1").write_text("")
    (root / "usr/local/cuda-12.4/compat").mkdir(parents=True)
    (root / "usr/local/cuda-12.4/compat/libcuda.so.550.54.15").write_text("")
    facts = host_facts(root, {"CUDA_VISIBLE_DEVICES": "0", "HOME": "/x"})
    assert facts["driver"]["version"] == "550.54.15"
    assert [n["path"] for n in facts["device_nodes"]] == [
        "/dev/nvidia-uvm",
        "/dev/nvidia0",
        "/dev/nvidiactl",
    ]
    assert facts["container"] == {"in_container": True, "evidence": ["/.dockerenv exists"]}
    assert facts["env"] == {"CUDA_VISIBLE_DEVICES": "0"}
    assert {"dir": "/usr/local/nvidia/lib64", "files": ["libcuda.so.1"]} in facts["lib_dirs"]
    assert {"dir": "/usr/local/cuda-12.4/compat", "files": ["libcuda.so.550.54.15"]} in facts[
        "lib_dirs"
    ]
    assert facts["errors"] == {}


def test_empty_root_has_no_driver_and_no_errors(tmp_path):
    facts = host_facts(tmp_path, {})
    assert facts["driver"] is None
    assert facts["device_nodes"] == []
    assert facts["container"]["in_container"] is False
    assert facts["errors"] == {}


def test_unreadable_driver_file_is_an_error_entry_not_a_crash(tmp_path):
    (tmp_path / "proc/driver/nvidia/version").mkdir(parents=True)  # a directory: not read
    facts = host_facts(tmp_path, {})
    assert facts["driver"]["version"] is None
    assert "not a regular file" in facts["driver"]["error"]


def _odd_root(tmp_path, make):
    """A --root whose driver file, cgroup and loader cache are all `make(path)`."""
    for rel in ("proc/driver/nvidia/version", "proc/1/cgroup", "etc/ld.so.cache"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        make(path)
    return tmp_path


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(os.mkfifo, id="fifo"),  # opening it for reading would block forever
        pytest.param(lambda p: p.symlink_to("/dev/zero"), id="dev-zero"),  # endless
        pytest.param(lambda p: os.truncate(p.open("w").name, 3 << 30), id="sparse-3GiB"),
    ],
)
def test_odd_files_under_root_are_read_bounded(tmp_path, make):
    root = _odd_root(tmp_path, make)
    started = time.monotonic()
    tracemalloc.start()
    facts = host_facts(root, {})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 64 << 20  # a 3 GiB file costs at most its read limit
    driver = facts["driver"]
    assert driver is None or driver["version"] is None
    assert facts["ld_cache"] == []


def test_container_from_cgroup_and_kubernetes(tmp_path):
    (tmp_path / "proc/1").mkdir(parents=True)
    (tmp_path / "proc/1/cgroup").write_text("0::/kubepods/besteffort/pod1/abc\n")
    assert container(tmp_path, {})["evidence"] == ["/proc/1/cgroup: kubepods"]
    assert container(tmp_path / "x", {"KUBERNETES_SERVICE_HOST": "10.0.0.1"})["in_container"]


def test_ld_cache_strings(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/ld.so.cache").write_bytes(
        b"glibc-ld.so.cache1.1\0libcuda.so.1\0/usr/lib/x86_64-linux-gnu/libcuda.so.1\0/lib/libz.so.1\0"
    )
    assert ld_cache(tmp_path) == ["/usr/lib/x86_64-linux-gnu/libcuda.so.1"]


def test_interpreter_shim_resolves_to_real_binary(tmp_path):
    shim = tmp_path / "python3"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    found = resolve_interpreter(str(shim), dict(os.environ))
    assert found.path == sys.executable
    assert "shim resolved" in found.via


def test_interpreter_default_is_the_virtualenv(tmp_path):
    venv = Path(sys.prefix)
    found = resolve_interpreter(None, {"VIRTUAL_ENV": str(venv), "PATH": ""})
    assert found.path == str(venv / "bin" / "python")  # the symlink is kept: it selects the venv
    assert found.via == "$VIRTUAL_ENV"


def test_interpreter_missing_is_usage_error(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        resolve_interpreter(None, {"PATH": str(tmp_path)})


def _stub_env(stubs, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKE_", "CUDA_VISIBLE"))}
    env.update(
        LD_LIBRARY_PATH=stubs.dirs("nvml", "cuda", "cudart", "cudnn"),
        FAKE_DRIVER_VERSION="550.54.15",
        FAKE_CUDA_DRIVER_VERSION="12040",
        FAKE_CUDART_VERSION="12040",
        FAKE_GPUS="NVIDIA H100 80GB HBM3:9.0;Tesla T4:7.5",
        **extra,
    )
    env.pop("PYTHONPATH", None)
    return env


def test_pynvml_fallback_reads_the_stub(stubs):
    code = "import json; from mlt.doctor.nvml import collect; print(json.dumps(collect()))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_stub_env(stubs, FAKE_FABRIC_STATE="1"),
        capture_output=True,
        text=True,
        check=True,
    )
    nvml = json.loads(out.stdout)
    assert nvml["driver_version"] == "550.54.15"
    assert nvml["cuda_driver_version"] == 12040
    assert [(g["name"], g["cc"]) for g in nvml["gpus"]] == [
        ("NVIDIA H100 80GB HBM3", "9.0"),
        ("Tesla T4", "7.5"),
    ]
    assert nvml["gpus"][0]["fabric"] == {"state": 1, "status": 0}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_stub_env(stubs, FAKE_NVML_INIT_RC="18"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["error"] == "LibRmVersionMismatch"


def test_installed_cli_subprocess(stubs, tmp_path):
    mlt = shutil.which("mlt", path=str(Path(sys.executable).parent))
    if not mlt:
        pytest.skip("the mlt console script is not installed next to this interpreter")
    root = make_root(tmp_path / "root")
    env = _stub_env(stubs)
    cmd = [mlt, "doctor", "--gpu", "--json", "--root", str(root), "--python", sys.executable]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    report = json.loads(out.stdout)
    assert out.returncode == 0, report["findings"]
    assert report["ok"] is True
    assert len(report["facts"]["nvml"]["gpus"]) == 2
    env["CUDA_VISIBLE_DEVICES"] = "7"
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert [f["code"] for f in json.loads(out.stdout)["findings"]] == ["no-visible-devices"]
    assert out.stderr == ""
