"""CUDA wheel names across CUDA majors, exact pip commands, and conflicting wheel sets.

CUDA 12 toolkit wheels carry a suffix (`nvidia-cuda-runtime-cu12`); from CUDA 13 the toolkit
wheels drop it (`nvidia-cuda-runtime` 13.x, libraries under `nvidia/cu13/lib`), while cuDNN
and NCCL keep it (`nvidia-cudnn-cu13`).
"""

from __future__ import annotations

import re
from typing import Any

from mlt.doctor.rules.base import Facts, Finding, _get, _version, cuda_builds

# library key (soname before .so) -> the wheel that ships it, without the -cuNN suffix
WHEEL_OF = {
    "libcudart": "nvidia-cuda-runtime",
    "libcublas": "nvidia-cublas",
    "libcublasLt": "nvidia-cublas",
    "libcufft": "nvidia-cufft",
    "libcurand": "nvidia-curand",
    "libcusolver": "nvidia-cusolver",
    "libcusparse": "nvidia-cusparse",
    "libnvJitLink": "nvidia-nvjitlink",
    "libnvrtc": "nvidia-cuda-nvrtc",
    "libcupti": "nvidia-cuda-cupti",
    "libnvToolsExt": "nvidia-nvtx",
    "libcufile": "nvidia-cufile",
    "libnccl": "nvidia-nccl",
}
KEEP_SUFFIX = ("nvidia-cudnn", "nvidia-nccl", "nvidia-cusparselt")
_SUFFIXED = re.compile(r"^(nvidia-[a-z0-9-]+?)-cu(\d+)$")
_TOOLKIT = set(WHEEL_OF.values()) - set(KEEP_SUFFIX)


def wheel_for(key: str) -> str | None:
    """'libcudnn_graph' -> 'nvidia-cudnn'; None for driver libraries and unknown ones."""
    if key.startswith("libcudnn"):
        return "nvidia-cudnn"
    return WHEEL_OF.get(key)


def wheel_name(base: str, major: int) -> str:
    """('nvidia-cuda-runtime', 12) -> 'nvidia-cuda-runtime-cu12'; 13 -> 'nvidia-cuda-runtime'."""
    return base if major >= 13 and base not in KEEP_SUFFIX else f"{base}-cu{major}"


def pip_install(base: str, major: int, version: str | None = None) -> str:
    """An exact command: `pip install "nvidia-cudnn-cu12==9.8.0.*"`."""
    name = wheel_name(base, major)
    if version:
        return f'pip install "{name}=={version}.*"'
    if name == base:  # unsuffixed: the version pin is what selects the CUDA major
        return f'pip install "{name}=={major}.*"'
    return f"pip install {name}"


def split_dist(name: str, version: str) -> tuple[str, int] | None:
    """A CUDA wheel's (base name, CUDA major), for either naming; None for other packages."""
    if match := _SUFFIXED.match(name):
        return match.group(1), int(match.group(2))
    parsed = _version(version)
    if name in _TOOLKIT and parsed and parsed[0] >= 13:
        return name, parsed[0]
    return None


def framework_major(f: Facts) -> int | None:
    for version in cuda_builds(f).values():
        if parsed := _version(version):
            return parsed[0]
    return None


def rule_conflicting_packages(f: Facts, gpu_expected: bool) -> list[Finding]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for dist in _get(f, "wheels", "dists") or []:
        if found := split_dist(dist["name"], str(dist.get("version", ""))):
            groups.setdefault(found[0], []).append(dict(dist, cu=found[1]))
    out = []
    wanted = framework_major(f)
    for base, dists in groups.items():
        majors = sorted({d["cu"] for d in dists})
        if len(majors) < 2:
            continue
        extra = [m for m in majors if m != wanted] if wanted in majors else majors[:-1]
        names = " ".join(wheel_name(base, m) for m in extra)
        keep = [m for m in majors if m not in extra]
        out.append(
            Finding(
                "conflicting-cuda-packages",
                "error",
                f"{base} is installed for CUDA {' and '.join(map(str, majors))}",
                [f"{d['name']} {d['version']} ({d['location']})" for d in dists]
                + ([f"the framework is built for CUDA {wanted}"] if wanted else []),
                f"pip uninstall {names}  (keeps the CUDA {'/'.join(map(str, keep))} copy"
                + (", the one your framework uses)" if wanted in keep else ")"),
                subject=base,
            )
        )
    return out
