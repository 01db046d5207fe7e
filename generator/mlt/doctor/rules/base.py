"""The Finding type and fact accessors shared by every rule."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from mlt import compat

Version = tuple[int, ...]
Facts = dict[str, Any]


@dataclass
class Finding:
    code: str
    severity: str  # error | warning | info
    title: str
    evidence: list[str] = field(default_factory=list)
    fix: str = ""
    subject: str = ""  # what it is about when a code can repeat ('libcuda.so.1')
    caused_by: str | None = None  # id of the root cause that explains this finding
    explains: list[str] = field(default_factory=list)  # ids of the findings this one causes

    @property
    def id(self) -> str:
        """Unique within a report: the code, with the subject when there is one."""
        return f"{self.code}:{self.subject}" if self.subject else self.code

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **asdict(self)}


# --- fact accessors --------------------------------------------------------------------


def _get(f: Facts, *path: str) -> Any:
    node: Any = f
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _version(value: Any) -> Version | None:
    try:
        return compat.parse_version(value) if value not in (None, "") else None
    except (ValueError, TypeError):
        return None


def _fmt(version: Version | None) -> str:
    return compat.format_version(version) if version else "?"


def kernel_driver(f: Facts) -> str | None:
    """The driver version: the kernel module's, else NVML's."""
    return _get(f, "host", "driver", "version") or _get(f, "nvml", "driver_version")


def gpus(f: Facts) -> list[dict[str, Any]]:
    return [g for g in (_get(f, "nvml", "gpus") or []) if isinstance(g, dict)]


def gpu_cc(gpu: dict[str, Any]) -> Version | None:
    return _version(gpu.get("cc")) or compat.compute_capability(gpu.get("name") or "")


def loaded_paths(f: Facts, key: str) -> list[str]:
    """Where the probe process mapped a library from (maps realpaths, then LD_DEBUG inits)."""
    paths = [
        lib.get("realpath") or lib["path"]
        for lib in f.get("loaded_libs") or []
        if lib.get("key") == key
    ]
    # a traced command's processes may each map the same file: list it once
    return list(dict.fromkeys(paths)) or list(_get(f, "trace", "libs", key, "loaded") or [])


def frameworks(f: Facts) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in (f.get("frameworks") or {}).items() if isinstance(v, dict)}


def cuda_builds(f: Facts) -> dict[str, str]:
    """Framework -> the CUDA version it was built with (CUDA builds only)."""
    out = {}
    for name, info in frameworks(f).items():
        build = info.get("build") or {}
        if info.get("cuda"):
            out[name] = str(info["cuda"])
        elif build.get("is_cuda_build") and build.get("cuda_version"):  # older probe facts
            out[name] = str(build["cuda_version"])
    return out


def cuda_major(f: Facts) -> int | None:
    """The CUDA major the frameworks were built for (the -cuNN suffix their wheels need)."""
    for version in cuda_builds(f).values():
        if parsed := _version(version):
            return parsed[0]
    runtime = _get(f, "cuda_runtime", "cudart_version")
    return int(runtime) // 1000 if runtime else None


def libcuda_loaded(f: Facts) -> bool:
    """Whether any libcuda (the driver's user-space library) was found at all."""
    return bool(_get(f, "cuda_driver", "loaded") or loaded_paths(f, "libcuda"))


def node_gpus(f: Facts) -> list[str]:
    return [
        n["path"]
        for n in _get(f, "host", "device_nodes") or []
        if re.search(r"/nvidia\d+$", n["path"])
    ]


def driver_present(f: Facts) -> bool:
    nvml = f.get("nvml") or {}
    return bool(
        (_get(f, "host", "driver") and not _get(f, "host", "driver", "error"))
        or (nvml.get("loaded") and not nvml.get("error"))
        or nvml.get("init_rc") in (4, 18)  # no permission / version mismatch: a driver exists
        or _get(f, "cuda_driver", "init_rc") in (0, 802, 804)
    )


def signs_of_gpu(f: Facts) -> list[str]:
    """Why this machine looks like it wants a GPU (empty: a plain CPU box)."""
    signs = [f"{p} exists" for p in node_gpus(f)]
    signs += [f"{name} is a CUDA {v} build" for name, v in cuda_builds(f).items()]
    nvidia = [
        d["name"] for d in _get(f, "wheels", "dists") or [] if d["name"].startswith("nvidia-")
    ]
    if any(n != "nvidia-ml-py" for n in nvidia):
        signs.append("nvidia-* CUDA wheels installed: " + ", ".join(sorted(set(nvidia))[:4]))
    return signs


def _wanted_severity(f: Facts, gpu_expected: bool) -> str:
    if gpu_expected:
        return "error"
    return "warning" if signs_of_gpu(f) else "info"


# --- rules -----------------------------------------------------------------------------
