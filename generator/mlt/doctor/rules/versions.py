"""Rules comparing what was loaded with what the frameworks were built for: cuDNN (one
version, from one folder) and the CUDA runtime (not older than the build)."""

from __future__ import annotations

import os
from pathlib import Path

from mlt.doctor.rules.base import (
    Facts,
    Finding,
    Version,
    _fmt,
    _get,
    _version,
    cuda_builds,
    frameworks,
    loaded_paths,
)
from mlt.doctor.rules.packages import framework_major, pip_install, wheel_name


def cudnn_version(value: int) -> Version:
    """cudnnGetVersion() -> (major, minor, patch): 9 encodes 91002 = 9.10.2, 8 encodes 8906."""
    if value >= 10000:
        return (value // 10000, value % 10000 // 100, value % 100)
    return (value // 1000, value % 1000 // 100, value % 100)


def _cudnn_built(fw: dict) -> Version | None:
    torch = fw.get("torch") or {}
    if torch.get("cudnn_compile"):
        return tuple(int(p) for p in torch["cudnn_compile"][:3])
    return None


def rule_cudnn_mismatch(f: Facts, gpu_expected: bool) -> list[Finding]:
    fw = frameworks(f)
    loaded = _get(f, "cuda_runtime", "cudnn_version")
    where = [f"libcudnn loaded from {p}" for p in loaded_paths(f, "libcudnn")]
    torch = fw.get("torch") or {}
    problems, wanted = [], None
    if "incompatib" in str(torch.get("cudnn_error", "")).lower():
        problems.append(f"torch: {torch['cudnn_error'][:300]}")
        wanted = _cudnn_built(fw)
    elif (built := _cudnn_built(fw)) and (torch.get("cudnn") or loaded):
        runtime = cudnn_version(int(torch.get("cudnn") or loaded))
        if runtime[0] != built[0] or runtime[:2] < built[:2]:
            problems.append(
                f"torch was built with cuDNN {_fmt(built)} but loads cuDNN {_fmt(runtime)}"
            )
            wanted = built
    build = fw.get("tensorflow", {}).get("build") or {}
    if build.get("cudnn_version") and loaded:
        built = _version(build["cudnn_version"])
        runtime = cudnn_version(int(loaded))
        if built and runtime[0] != built[0]:
            problems.append(
                f"tensorflow was built with cuDNN {build['cudnn_version']} but loads cuDNN "
                f"{_fmt(runtime)}"
            )
            wanted = wanted or built
    if not problems:
        return []
    major = framework_major(f) or 12
    version = _fmt(wanted[:3]) if wanted else None
    return [
        Finding(
            "cudnn-mismatch",
            "error",
            "The loaded cuDNN does not match the framework's build",
            problems + where,
            f"{pip_install('nvidia-cudnn', major, version)} (the cuDNN the framework was built "
            "with), or drop the folder holding the other libcudnn from LD_LIBRARY_PATH.",
        )
    ]


def _folder_version(f: Facts, folder: str) -> str | None:
    """The cuDNN version of a folder: its wheel's version, else its front library's answer.

    The wheel comes first: the front library answers cudnnGetVersion() from whichever
    sub-library it loaded, which in a mixed setup is the other folder's.
    """
    for dist in _get(f, "wheels", "dists") or []:
        if dist["name"].startswith("nvidia-cudnn"):
            for pkg in ("cudnn", "cu13"):
                wheel_dir = Path(dist.get("location") or "/nonexistent") / "nvidia" / pkg / "lib"
                if os.path.realpath(wheel_dir) == folder:
                    return f"{dist['version']} ({dist['name']})"
    for path, value in _answers(f).items():
        if str(Path(path).parent) == folder:
            return _fmt(cudnn_version(int(value)))
    return None


def _answers(f: Facts) -> dict[str, int]:
    """Front library (realpath) -> what its cudnnGetVersion() said."""
    return {
        os.path.realpath(path): value
        for path, value in (_get(f, "cuda_runtime", "cudnn_versions") or {}).items()
        if value
    }


def rule_cudnn_mixed(f: Facts, gpu_expected: bool) -> list[Finding]:
    folders: dict[str, list[str]] = {}
    for lib in f.get("loaded_libs") or []:
        if lib.get("key", "").startswith("libcudnn"):
            real = lib.get("realpath") or lib["path"]
            names = folders.setdefault(str(Path(real).parent), [])
            if Path(real).name not in names:
                names.append(Path(real).name)
    if len(folders) < 2:
        return []
    front = next(
        (d for d, names in folders.items() if any(n.startswith("libcudnn.") for n in names)), None
    )
    evidence = [
        f"{folder} (cuDNN {_folder_version(f, folder) or 'version unknown'}): {', '.join(names)}"
        for folder, names in folders.items()
    ]
    strays = [d for d in folders if d != front]
    ld = [d for d in (_get(f, "host", "env", "LD_LIBRARY_PATH") or "").split(":") if d]
    kept = [d for d in ld if os.path.realpath(d) not in strays]
    if ld and len(kept) < len(ld):
        fix = f"export LD_LIBRARY_PATH={':'.join(kept)}" if kept else "unset LD_LIBRARY_PATH"
        fix += f"  (drops {', '.join(strays)}, so every cuDNN part comes from {front})"
    else:
        fix = (
            f"Remove the cuDNN files in {', '.join(strays)} from the search path (ld.so.conf, "
            f"RPATH) so every cuDNN part comes from {front or 'one folder'}."
        )
    evidence += [
        f"cudnnGetVersion() of {path} answers {_fmt(cudnn_version(int(value)))}"
        for path, value in _answers(f).items()
    ]
    return [
        Finding(
            "cudnn-mixed",
            "error",
            f"cuDNN parts are loaded from {len(folders)} folders",
            evidence + (["the front library libcudnn.so comes from " + front] if front else []),
            fix,
        )
    ]


def rule_runtime_older_than_build(f: Facts, gpu_expected: bool) -> list[Finding]:
    value = _get(f, "cuda_runtime", "cudart_version")
    if not value:
        return []
    runtime = (int(value) // 1000, int(value) % 1000 // 10)
    out = []
    for name, build in cuda_builds(f).items():
        built = _version(build)
        if not built or built[0] != runtime[0] or runtime >= built[:2]:
            continue
        where = ", ".join(loaded_paths(f, "libcudart")) or "libcudart"
        major = framework_major(f) or runtime[0]
        out.append(
            Finding(
                "cuda-runtime-older-than-build",
                "warning",
                f"{name} was built for CUDA {_fmt(built[:2])} but loads CUDA runtime "
                f"{_fmt(runtime)}",
                [
                    f"libcudart {_fmt(runtime)} loaded from {where}",
                    f"{name} built with CUDA {build}",
                ],
                f'pip install "{wheel_name("nvidia-cuda-runtime", major)}>={_fmt(built[:2])}" '
                "and drop older CUDA folders from LD_LIBRARY_PATH: functions added after "
                f"{_fmt(runtime)} fail with 'undefined symbol'.",
                subject=name,
            )
        )
    return out
