"""Doctor fixtures: stub CUDA libraries built with gcc, fake roots, a fake torch, a CLI runner.

The stubs (sources in stubs/) answer like NVML, libcuda, libcudart and libcudnn, driven by
FAKE_* environment variables that the probe subprocess inherits.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlt.cli import app
from tests.doctor import cuda_wheels
from tests.doctor.doctor_fakes import FAKES, STUB_SRC, make_root

# name -> (source, soname, extra gcc flags)
STUBS = {
    "nvml": ("fake_nvml.c", "libnvidia-ml.so.1", []),
    "nvml-old": ("fake_nvml.c", "libnvidia-ml.so.1", ["-DOLD_DRIVER"]),
    "cuda": ("fake_cuda.c", "libcuda.so.1", ["-ldl"]),
    "cudart": ("fake_cudart.c", "libcudart.so.12", []),
    "cudnn": ("fake_cudnn.c", "libcudnn.so.9", []),
}


@dataclass
class Stubs:
    root: Path

    def lib(self, name: str) -> Path:
        """Path of one built stub (libs that share a dir share it on LD_LIBRARY_PATH)."""
        return self.root / name / STUBS[name][1]

    def dirs(self, *names: str) -> str:
        return ":".join(str(self.root / n) for n in names)

    def place(self, name: str, directory: Path) -> Path:
        """Copy a stub into another directory (a GKE mount, a stubs or compat dir, a duplicate)."""
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / STUBS[name][1]
        shutil.copy2(self.lib(name), target)
        return target


@pytest.fixture(scope="session")
def stubs(tmp_path_factory) -> Stubs:
    if not shutil.which("gcc"):
        pytest.skip("gcc is needed to build the stub CUDA libraries")
    root = tmp_path_factory.mktemp("stubs")
    for name, (source, soname, flags) in STUBS.items():
        (root / name).mkdir()
        subprocess.run(
            [
                "gcc",
                "-shared",
                "-fPIC",
                "-O1",
                f"-Wl,-soname,{soname}",
                "-I",
                str(STUB_SRC),
                "-o",
                str(root / name / soname),
                str(STUB_SRC / source),
                *flags,
            ],
            check=True,
            capture_output=True,
        )
    return Stubs(root)


@dataclass
class Result:
    exit_code: int
    report: dict
    output: str

    def codes(self, severity: str | None = None) -> list[str]:
        return [f["code"] for f in self.report["findings"] if severity in (None, f["severity"])]

    def finding(self, code: str) -> dict:
        return next(f for f in self.report["findings"] if f["code"] == code)


class Doctor:
    """Runs `mlt doctor --json` in-process against the stubs, with a clean GPU environment."""

    def __init__(self, monkeypatch, stubs: Stubs, tmp_path: Path):
        self.monkeypatch, self.stubs, self.tmp = monkeypatch, stubs, tmp_path
        for var in (
            "CUDA_VISIBLE_DEVICES",
            "NVIDIA_VISIBLE_DEVICES",
            "NVIDIA_DRIVER_CAPABILITIES",
            "KUBERNETES_SERVICE_HOST",
            "LD_PRELOAD",
            "PYTHONPATH",
            "CUDA_HOME",
        ):
            monkeypatch.delenv(var, raising=False)
        for var in [v for v in __import__("os").environ if v.startswith("FAKE_")]:
            monkeypatch.delenv(var)
        # a healthy default: driver 550.54.15 (CUDA 12.4), one H100, cudart 12.4, cuDNN 9.1.0
        self.env(
            LD_LIBRARY_PATH=stubs.dirs("nvml", "cuda", "cudart", "cudnn"),
            FAKE_DRIVER_VERSION="550.54.15",
            FAKE_CUDA_DRIVER_VERSION="12040",
            FAKE_GPUS="NVIDIA H100 80GB HBM3:9.0",
            FAKE_CUDART_VERSION="12040",
            FAKE_CUDNN_VERSION="90100",
        )
        self.root = make_root(tmp_path / "root")

    def env(self, **values: str) -> Doctor:
        for key, value in values.items():
            self.monkeypatch.setenv(key, value)
        return self

    def torch(self, **values: str) -> Doctor:
        """Put the fake torch on PYTHONPATH, configured with FAKE_TORCH_<KEY>=value."""
        paths = [str(FAKES)] + ([self._pythonpath] if getattr(self, "_pythonpath", None) else [])
        self.env(
            PYTHONPATH=":".join(paths), **{f"FAKE_TORCH_{k.upper()}": v for k, v in values.items()}
        )
        return self

    def site_packages(self, *dists: str) -> Path:
        """A fake site-packages dir with these `name-version` dist-info dirs, on PYTHONPATH."""
        site = self.tmp / "site"
        for dist in dists:
            (site / f"{dist}.dist-info").mkdir(parents=True)
        self._pythonpath = str(site)
        current = __import__("os").environ.get("PYTHONPATH")
        self.env(PYTHONPATH=":".join(filter(None, [current, str(site)])))
        return site

    def run(self, *args: str, gpu: bool = True, root: Path | None = None) -> Result:
        argv = ["doctor", "--json", "--python", sys.executable, "--root", str(root or self.root)]
        argv += ["--gpu"] if gpu else []
        result = CliRunner().invoke(app, argv + list(args), catch_exceptions=False)
        try:
            report = json.loads(result.stdout)
        except ValueError:
            report = {}
        return Result(result.exit_code, report, result.output)

    def run_text(self, *args: str, root: Path | None = None) -> str:
        """The human report (what a person reads), for the same setup, spaces collapsed
        (rich wraps long facts at the terminal width)."""
        argv = ["doctor", "--gpu", "--python", sys.executable, "--root", str(root or self.root)]
        result = CliRunner().invoke(app, argv + list(args), catch_exceptions=False)
        return " ".join(result.output.split())


@pytest.fixture
def doctor(monkeypatch, stubs, tmp_path) -> Doctor:
    return Doctor(monkeypatch, stubs, tmp_path)


@pytest.fixture(scope="session")
def wheel_site():
    """name in cuda_wheels.WHEELS -> its cached site-packages folder (downloaded once).

    Without the package index the tests skip, except in CI, where they must run.
    """

    def get(name: str) -> Path:
        try:
            return cuda_wheels.site_for(name)
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            message = f"cannot fetch {name} from the package index: {exc} {detail[-400:]!r}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)

    return get
