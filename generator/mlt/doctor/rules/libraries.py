"""Rules about CUDA libraries: missing, off the search path, duplicated, cuDNN, wheels."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
    node_gpus,
)
from mlt.doctor.trace import duplicates

_CU_SUFFIX = re.compile(r"^(nvidia-[a-z0-9-]+?)-cu(\d+)$")


def _missing_sonames(f: Facts) -> dict[str, list[str]]:
    """soname -> evidence, for CUDA libraries something needed and the loader could not find."""
    missing: dict[str, list[str]] = {}
    if _get(f, "host", "driver") or node_gpus(f):
        if _get(f, "nvml", "loaded") is False:
            missing["libnvidia-ml.so.1"] = [
                f"NVML: {_get(f, 'nvml', 'detail') or 'library not found'}"
            ]
        if _get(f, "cuda_driver", "loaded") is False:
            missing["libcuda.so.1"] = [f"dlopen: {_get(f, 'cuda_driver', 'error')}"]
    texts = [
        str(v)
        for fw in frameworks(f).values()
        for k, v in fw.items()
        if "error" in k or k == "warnings"
    ]
    texts.append(_get(f, "probe", "stderr_tail") or "")
    for text in texts:
        for soname in re.findall(r"(lib[\w+-]+\.so[\w.]*): cannot open shared object file", text):
            missing.setdefault(soname, []).append(text.strip().splitlines()[-1][:300])
        for soname in re.findall(r"Could not load dynamic library '(lib[^']+)'", text):
            missing.setdefault(soname, []).append(
                f"TensorFlow: Could not load dynamic library '{soname}'"
            )
    if cuda_builds(f):
        for key, entry in (_get(f, "trace", "libs") or {}).items():
            if key in ("libcuda", "libnvidia-ml") or entry.get("loaded") or loaded_paths(f, key):
                continue
            for soname in entry.get("not_found") or []:
                missing.setdefault(soname, []).append("LD_DEBUG: searched, not found")
    return missing


def _known_copies(f: Facts, soname: str) -> list[str]:
    dirs = list(_get(f, "host", "lib_dirs") or []) + list(_get(f, "wheels", "lib_dirs") or [])
    out = []
    for entry in dirs:
        # a stub or a cuda-compat libcuda is not a substitute for the driver's own
        if soname.startswith("libcuda.") and re.search(r"/(stubs|compat)(/|$)", entry["dir"]):
            continue
        if soname in entry.get("files", []):
            out.append(str(Path(entry["dir"]) / soname))
    return out


def _lib_fix(soname: str) -> str:
    major = soname.rsplit(".so.", 1)[-1].split(".")[0] if ".so." in soname else "12"
    wheels = {
        "libcudart": "nvidia-cuda-runtime",
        "libcudnn": "nvidia-cudnn",
        "libcublas": "nvidia-cublas",
        "libnccl": "nvidia-nccl",
        "libnvJitLink": "nvidia-nvjitlink",
        "libcusparse": "nvidia-cusparse",
    }
    key = soname.split(".so", 1)[0]
    if key in ("libcuda", "libnvidia-ml"):
        return (
            "This is part of the NVIDIA driver: install the driver's user-space libraries; in a "
            "container run with `--gpus all` and NVIDIA_DRIVER_CAPABILITIES=compute,utility."
        )
    if key in wheels:
        cu = "cu12" if key == "libcudnn" or key == "libnccl" else f"cu{major}"
        return (
            f"pip install {wheels[key]}-{cu} (or the framework's [and-cuda]/cuXXX build), "
            "or add its lib dir to LD_LIBRARY_PATH."
        )
    return "Install the package that provides it, or add its directory to LD_LIBRARY_PATH."


def rule_missing_libs(f: Facts, gpu_expected: bool) -> list[Finding]:
    out = []
    working = all(fw.get("is_available") for fw in frameworks(f).values() if "is_available" in fw)
    for soname, evidence in _missing_sonames(f).items():
        tried = (_get(f, "trace", "libs", soname.split(".so", 1)[0]) or {}).get("tried") or []
        copies = _known_copies(f, soname)
        ld_path = _get(f, "host", "env", "LD_LIBRARY_PATH")
        if copies:
            where = str(Path(copies[0]).parent)
            out.append(
                Finding(
                    "lib-not-on-search-path",
                    "error",
                    f"{soname} exists but the loader does not look there",
                    evidence
                    + [f"found: {c}" for c in copies]
                    + [f"LD_LIBRARY_PATH={ld_path or '(unset)'}", f"{where} is not in ld.so.cache"],
                    f"export LD_LIBRARY_PATH={where}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}} (or "
                    f"add {where} "
                    "to /etc/ld.so.conf.d/ and run ldconfig). CUDA images since 12.8.1 no longer "
                    "list "
                    "/usr/local/nvidia/lib64 (GKE's driver mount).",
                )
            )
        else:
            severity = (
                "warning" if working and evidence == ["LD_DEBUG: searched, not found"] else "error"
            )
            out.append(
                Finding(
                    "lib-not-found",
                    severity,
                    f"{soname} cannot be found",
                    evidence + [f"tried: {t}" for t in tried[-6:]],
                    _lib_fix(soname),
                )
            )
    return out


def rule_duplicate_lib(f: Facts, gpu_expected: bool) -> list[Finding]:
    return [
        Finding(
            "duplicate-lib",
            "error",
            f"Two different copies of {key} are loaded in one process",
            [f"mapped: {p}" for p in paths],
            f"Keep one source of {key}: remove the extra directory from LD_LIBRARY_PATH or "
            "uninstall "
            "the duplicate package (mixing wheel, conda and system CUDA libraries causes this).",
        )
        for key, paths in duplicates(f.get("loaded_libs") or []).items()
    ]


def cudnn_version(value: int) -> Version:
    """cudnnGetVersion() -> (major, minor): 9 encodes 90100 = 9.1.0, 8 encodes 8906 = 8.9.6."""
    return (
        (value // 10000, value % 10000 // 100)
        if value >= 10000
        else (value // 1000, value % 1000 // 100)
    )


def rule_cudnn_mismatch(f: Facts, gpu_expected: bool) -> list[Finding]:
    fw = frameworks(f)
    loaded = _get(f, "cuda_runtime", "cudnn_version")
    where = [f"libcudnn loaded from {p}" for p in loaded_paths(f, "libcudnn")]
    torch = fw.get("torch") or {}
    problems = []
    if "incompatib" in str(torch.get("cudnn_error", "")).lower():
        problems.append(f"torch: {torch['cudnn_error'][:300]}")
    elif torch.get("cudnn_compile") and (torch.get("cudnn") or loaded):
        built = tuple(torch["cudnn_compile"][:2])
        runtime = cudnn_version(int(torch.get("cudnn") or loaded))
        if runtime[0] != built[0] or runtime < built:
            problems.append(
                f"torch was built with cuDNN {_fmt(built)} but loads cuDNN {_fmt(runtime)}"
            )
    build = fw.get("tensorflow", {}).get("build") or {}
    if build.get("cudnn_version") and loaded:
        built = _version(build["cudnn_version"])
        runtime = cudnn_version(int(loaded))
        if built and runtime[0] != built[0]:
            problems.append(
                f"tensorflow was built with cuDNN {build['cudnn_version']} but loads cuDNN "
                f"{_fmt(runtime)}"
            )
    if not problems:
        return []
    return [
        Finding(
            "cudnn-mismatch",
            "error",
            "The loaded cuDNN does not match the framework's build",
            problems + where,
            "Install the cuDNN the framework was built with (e.g. `pip install "
            "nvidia-cudnn-cu12==<that "
            "version>`), or drop the directory holding the other libcudnn from LD_LIBRARY_PATH.",
        )
    ]


def rule_conflicting_packages(f: Facts, gpu_expected: bool) -> list[Finding]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for dist in _get(f, "wheels", "dists") or []:
        if match := _CU_SUFFIX.match(dist["name"]):
            groups.setdefault(match.group(1), []).append(dict(dist, cu=match.group(2)))
    out = []
    wanted = {str(_version(v)[0]) for v in cuda_builds(f).values() if _version(v)}
    for base, dists in groups.items():
        majors = sorted({d["cu"] for d in dists})
        if len(majors) < 2:
            continue
        extra = [m for m in majors if m not in wanted] if wanted else majors[:-1]
        out.append(
            Finding(
                "conflicting-cuda-packages",
                "error",
                f"{base} is installed for CUDA {' and '.join(majors)}",
                [f"{d['name']} {d['version']} ({d['location']})" for d in dists],
                "pip uninstall "
                + " ".join(f"{base}-cu{m}" for m in extra or majors[:-1])
                + " (keep the one matching your framework's CUDA major).",
            )
        )
    return out
