"""Rules about CUDA libraries: missing, off the search path, duplicated, cuDNN, wheels."""

from __future__ import annotations

import re
from pathlib import Path

from mlt.doctor.rules.base import (
    Facts,
    Finding,
    _get,
    cuda_builds,
    cuda_major,
    frameworks,
    loaded_paths,
    node_gpus,
)
from mlt.doctor.rules.packages import pip_install, wheel_for
from mlt.doctor.trace import duplicates


def _missing_sonames(f: Facts) -> dict[str, list[str]]:
    """soname -> evidence, for CUDA libraries something needed and the loader could not find."""
    missing: dict[str, list[str]] = {}
    if _get(f, "host", "driver", "version") or node_gpus(f):
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
    texts.append(_get(f, "command", "output_tail") or "")
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


def _lib_fix(f: Facts, soname: str) -> str:
    key = soname.split(".so", 1)[0]
    if key in ("libcuda", "libnvidia-ml"):
        return (
            "This is part of the NVIDIA driver: install the driver's user-space libraries; in a "
            "container run with `--gpus all` and NVIDIA_DRIVER_CAPABILITIES=compute,utility."
        )
    base = wheel_for(key)
    if base is None:
        return "Install the package that provides it, or add its directory to LD_LIBRARY_PATH."
    tail = soname.rsplit(".so.", 1)[-1].split(".")[0] if ".so." in soname else ""
    # the soname's major is the CUDA major for toolkit libraries, not for cuDNN / NCCL
    major = int(tail) if tail.isdigit() and base not in ("nvidia-cudnn", "nvidia-nccl") else None
    major = major or cuda_major(f) or 12
    return (
        f"{pip_install(base, major)} (or the framework's own CUDA build, e.g. the cu{major}X "
        "torch wheel or tensorflow[and-cuda]), or add the folder holding it to LD_LIBRARY_PATH."
    )


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
                    subject=soname,
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
                    _lib_fix(f, soname),
                    subject=soname,
                )
            )
    return out


def _version_of(f: Facts, path: str) -> str:
    """' (CUDA 12.9)' for a runtime copy the probe asked, else ''."""
    for copy, value in (_get(f, "cuda_runtime", "cudart_versions") or {}).items():
        if value and Path(copy).resolve() == Path(path).resolve():
            return f" (CUDA {value // 1000}.{value % 1000 // 10})"
    return ""


def rule_duplicate_lib(f: Facts, gpu_expected: bool) -> list[Finding]:
    return [
        Finding(
            "duplicate-lib",
            "error",
            f"Two different copies of {key} are loaded in one process",
            [f"mapped: {p}{_version_of(f, p)}" for p in paths],
            f"Keep one source of {key}: remove the extra directory from LD_LIBRARY_PATH or "
            "uninstall "
            "the duplicate package (mixing wheel, conda and system CUDA libraries causes this).",
            subject=key,
        )
        for key, paths in duplicates(f.get("loaded_libs") or []).items()
    ]
