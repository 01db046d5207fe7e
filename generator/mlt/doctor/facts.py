"""Host facts read from the filesystem under a root ('/' normally; a tmp tree in tests, or
an exported container filesystem), plus the process environment.

Every collector returns plain data and is run through `collect`, which turns an exception
into an {"error": ...} entry so that one unreadable file never hides the other facts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlt.doctor import bounded, facts_kernel
from mlt.doctor.trace import lib_key

ENV_VARS = (
    "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
    "CUDA_VISIBLE_DEVICES",
    "LD_LIBRARY_PATH",
    "LD_PRELOAD",
    "CUDA_HOME",
    "CUDA_PATH",
    "CONDA_PREFIX",
    "VIRTUAL_ENV",
    "CUDA_MODULE_LOADING",
)

# Where drivers and CUDA libraries usually live (globs, relative to the root). GKE mounts
# the driver at /usr/local/nvidia/lib64; cuda-compat ships libcuda in /usr/local/cuda*/compat.
KNOWN_LIB_DIRS = (
    "usr/local/nvidia/lib64",
    "usr/local/nvidia/lib",
    "usr/local/cuda*/compat",
    "usr/local/cuda*/lib64",
    "usr/local/cuda*/lib",
    "usr/local/cuda*/lib64/stubs",
    "usr/local/cuda*/targets/*/lib",
    "usr/local/cuda*/targets/*/lib/stubs",
    "usr/lib/x86_64-linux-gnu",
    "usr/lib64",
    "usr/lib/wsl/lib",
)

_DRIVER = re.compile(r"NVRM version:.*?Kernel Module(?:\s+for\s+\S+)?\s+(\d+(?:\.\d+)+)")
_CONTAINER_CGROUP = re.compile(r"docker|kubepods|containerd|libpod|crio|lxc")


def collect(name: str, func: Callable[[], Any], errors: dict[str, str]) -> Any:
    """Run one collector; on failure record why and return None (cupy's _eval_or_error)."""
    try:
        return func()
    except Exception as exc:  # noqa: BLE001 - a fact collector must never end the doctor
        errors[name] = f"{type(exc).__name__}: {exc}"
        return None


def parse_driver_version(text: str) -> dict[str, Any] | None:
    """The kernel module version from /proc/driver/nvidia/version (proprietary or open)."""
    match = _DRIVER.search(text)
    if not match:
        return None
    return {
        "version": match.group(1),
        "flavor": "open" if "Open Kernel Module" in text else "proprietary",
        "raw": text.splitlines()[0].strip(),
    }


def kernel_driver(root: Path) -> dict[str, Any] | None:
    path = root / "proc/driver/nvidia/version"
    try:
        text = bounded.read_text(path, 64 << 10)
    except FileNotFoundError:
        return None
    except bounded.NotRegular as exc:  # a FIFO or a device under --root: never read it
        return {"version": None, "raw": "", "error": str(exc)}
    return parse_driver_version(text) or {"version": None, "raw": text[:200]}


def device_nodes(root: Path) -> list[dict[str, Any]]:
    """/dev/nvidia* with whether this process may open them (EPERM: cgroup lost the GPU)."""
    nodes = []
    for path in sorted(root.glob("dev/nvidia*")):
        if path.is_dir():  # /dev/nvidia-caps
            continue
        nodes.append(
            {"path": "/" + os.path.relpath(path, root), "rw": os.access(path, os.R_OK | os.W_OK)}
        )
    return nodes


def container(root: Path, env: dict[str, str]) -> dict[str, Any]:
    evidence = []
    if (root / ".dockerenv").exists():
        evidence.append("/.dockerenv exists")
    if (root / "run/.containerenv").exists():
        evidence.append("/run/.containerenv exists (podman)")
    try:
        cgroup = bounded.read_text(root / "proc/1/cgroup", 64 << 10)
    except OSError:
        cgroup = ""
    if _CONTAINER_CGROUP.search(cgroup):
        evidence.append("/proc/1/cgroup: " + _CONTAINER_CGROUP.search(cgroup).group(0))
    if env.get("KUBERNETES_SERVICE_HOST"):
        evidence.append("KUBERNETES_SERVICE_HOST is set")
    return {"in_container": bool(evidence), "evidence": evidence}


def lib_dirs(root: Path) -> list[dict[str, Any]]:
    """Known library dirs under the root that hold CUDA libraries, with those file names."""
    out, seen = [], set()
    for pattern in KNOWN_LIB_DIRS:
        for path in sorted(root.glob(pattern)):
            real = os.path.realpath(path)
            if real in seen or not path.is_dir():
                continue
            seen.add(real)
            with os.scandir(path) as entries:
                files = sorted(e.name for e in entries if lib_key(e.name))
            if files:
                out.append({"dir": "/" + os.path.relpath(path, root), "files": files})
    return out


def ld_cache(root: Path) -> list[str]:
    """CUDA library paths listed in <root>/etc/ld.so.cache (the strings in the binary cache)."""
    try:
        data = bounded.read_bytes(root / "etc/ld.so.cache", 8 << 20)  # real ones: < 1 MiB
    except OSError:
        return []
    paths = {m.decode("utf-8", "replace") for m in re.findall(rb"/[\w./+-]+\.so[\w.]*", data)}
    return sorted(p for p in paths if lib_key(p))


def cmdline(root: Path, pid: Any) -> str | None:
    """The command line of a process (a GPU's holder), shortened; None when unreadable."""
    try:
        raw = bounded.read_bytes(root / f"proc/{int(pid)}/cmdline", 4096)
    except (OSError, TypeError, ValueError):
        return None
    return " ".join(p.decode("utf-8", "replace") for p in raw.split(b"\0") if p)[:200] or None


def host_facts(root: Path, env: dict[str, str]) -> dict[str, Any]:
    """Everything about the host that doesn't need the target interpreter."""
    errors: dict[str, str] = {}
    facts: dict[str, Any] = {"root": str(root)}
    facts["driver"] = collect("driver", lambda: kernel_driver(root), errors)
    facts["device_nodes"] = collect("device_nodes", lambda: device_nodes(root), errors) or []
    facts["container"] = collect("container", lambda: container(root, env), errors)
    facts["env"] = {k: env[k] for k in ENV_VARS if k in env}
    facts["lib_dirs"] = collect("lib_dirs", lambda: lib_dirs(root), errors) or []
    facts["ld_cache"] = collect("ld_cache", lambda: ld_cache(root), errors) or []
    facts["modules"] = collect("modules", lambda: facts_kernel.modules(root), errors)
    facts["wsl"] = collect("wsl", lambda: facts_kernel.wsl(root), errors)
    facts["errors"] = errors
    return facts
