"""Rules about which copy of a library the process actually loaded: a CUDA library of an old
toolkit (or a system NCCL) that shadows the copy the framework's wheels ship, the Linux
driver's libcuda copied into WSL2 in front of the Windows driver's, and JAX's CUDA plugin
at another version than jaxlib.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mlt.doctor.rules.base import Facts, Finding, _get, _version
from mlt.doctor.rules.packages import wheel_for

_WHEEL_DIR = re.compile(r"/(site|dist)-packages/nvidia/")
# the libraries whose mixed versions fail with undefined symbols (cuDNN has its own rules)
_SHADOWABLE = (
    "libcudart",
    "libcublas",
    "libcublasLt",
    "libcufft",
    "libcurand",
    "libcusolver",
    "libcusparse",
    "libnvJitLink",
    "libnvrtc",
    "libcupti",
    "libnccl",
)


def host_path(f: Facts, path: str) -> str:
    """A path as seen on the machine under --root ('/usr/lib/wsl/lib/...' for root/usr/...)."""
    root = _get(f, "host", "root") or "/"
    if root not in ("/", "") and path.startswith(root.rstrip("/") + "/"):
        return path[len(root.rstrip("/")) :]
    return path


def _file_version(real: str) -> str | None:
    """'libcublas.so.12.1.3.1' -> '12.1.3.1'; None when the name has only the soname major."""
    tail = Path(real).name.split(".so.", 1)[-1] if ".so." in Path(real).name else ""
    return tail if tail.count(".") >= 1 else None


def soname(name: str) -> str:
    """'libcublas.so.12.1.3.1' -> 'libcublas.so.12' (maps list the file, not the link)."""
    match = re.match(r"^(.*?\.so\.\d+)", name)
    return match.group(1) if match else name


def _wheel_copies(f: Facts, wanted: str) -> list[tuple[str, dict[str, Any] | None]]:
    """(folder, its distribution) of every wheel folder that ships this soname."""
    out = []
    for entry in _get(f, "wheels", "lib_dirs") or []:
        if wanted not in {soname(n) for n in entry.get("files") or []}:
            continue
        dist = None
        base = wheel_for(wanted.split(".so", 1)[0])
        for d in _get(f, "wheels", "dists") or []:
            site = str(d.get("location") or "")
            if base and d["name"].startswith(base) and entry["dir"].startswith(site + "/"):
                dist = d
        out.append((entry["dir"], dist))
    return out


def _same_version(system: str | None, wheel: dict[str, Any] | None) -> bool | None:
    if not system or not wheel:
        return None
    a, b = _version(system), _version(str(wheel.get("version")))
    return None if not a or not b else a[:3] == b[:3]


def _nccl(value: Any) -> str | None:
    """ncclGetVersion() 21805 -> '2.18.5' (22703 -> '2.27.3')."""
    if not value:
        return None
    value = int(value)
    return f"{value // 10000}.{value % 10000 // 100}.{value % 100}"


def rule_lib_shadowed(f: Facts, gpu_expected: bool) -> list[Finding]:
    folders: dict[str, list[str]] = {}
    fresh: list[str] = []
    verdicts: dict[str, list[bool | None]] = {}
    seen = set()
    wheel_dirs = {
        os.path.realpath(d["dir"]) for d in _get(f, "wheels", "lib_dirs") or [] if d.get("dir")
    }
    for lib in f.get("loaded_libs") or []:
        real = lib.get("realpath") or lib["path"]
        if real in seen:
            continue
        seen.add(real)
        in_wheel = os.path.realpath(str(Path(lib["path"]).parent)) in wheel_dirs
        if in_wheel or _WHEEL_DIR.search(real):
            fresh.append(real)
            continue
        if lib.get("key") not in _SHADOWABLE:
            continue
        name = soname(Path(lib["path"]).name)
        copies = _wheel_copies(f, name)
        if not copies:
            continue  # no wheel ships it: a system copy is the only one
        wheel_dir, dist = copies[0]
        version = _file_version(real)
        if lib["key"] == "libnccl":
            version = _nccl(_get(f, "cuda_runtime", "nccl_version")) or version
        same = _same_version(version, dist)
        if same:
            continue
        folder = str(Path(lib["path"]).parent)
        verdicts.setdefault(folder, []).append(same)
        folders.setdefault(folder, []).append(
            f"{name} loaded from {host_path(f, real)}"
            + (f" (version {version})" if version else "")
            + f", while {host_path(f, wheel_dir)}/{name} ships with "
            + (f"{dist['name']} {dist['version']}" if dist else "the wheels")
        )
    out = []
    ld = [d for d in (_get(f, "host", "env", "LD_LIBRARY_PATH") or "").split(":") if d]
    for folder, lines in folders.items():
        real_folder = os.path.realpath(folder)
        on_path = [d for d in ld if os.path.realpath(d) == real_folder]
        kept = [d for d in ld if os.path.realpath(d) != real_folder]
        evidence = list(lines)
        evidence += [
            f"the framework's other CUDA libraries come from its wheels: {p}" for p in fresh[:3]
        ]
        if on_path:
            evidence.append(
                f"LD_LIBRARY_PATH={':'.join(ld)} lists {on_path[0]}, which the loader searches "
                "before the wheels' RUNPATH"
            )
            fix = f"export LD_LIBRARY_PATH={':'.join(kept)}" if kept else "unset LD_LIBRARY_PATH"
            fix += f"  (drops {on_path[0]}; put it in your shell profile instead of the old line)"
        else:
            fix = (
                f"Remove {host_path(f, folder)} from /etc/ld.so.conf.d/ (then `sudo ldconfig`) "
                "or uninstall that old toolkit, so the wheels' libraries are loaded."
            )
        known_diff = any(v is False for v in verdicts[folder])
        out.append(
            Finding(
                "lib-shadowed",
                "error" if known_diff else "warning",
                f"CUDA libraries from {host_path(f, folder)} shadow the wheels' copies: one "
                "process mixes " + ("versions" if known_diff else "two builds (versions unknown)"),
                evidence,
                fix,
                subject=host_path(f, folder),
            )
        )
    return out


def rule_wsl_libcuda(f: Facts, gpu_expected: bool) -> list[Finding]:
    if not _get(f, "host", "wsl", "detected"):
        return []
    wrong = [
        lib
        for lib in f.get("loaded_libs") or []
        if lib.get("key") == "libcuda"
        and not host_path(f, lib["path"]).startswith("/usr/lib/wsl/")
        and not host_path(f, lib.get("realpath") or lib["path"]).startswith("/usr/lib/wsl/")
    ]
    if not wrong:
        return []
    evidence = list(_get(f, "host", "wsl", "evidence") or [])
    for lib in wrong:
        real = host_path(f, lib.get("realpath") or lib["path"])
        evidence.append(f"libcuda loaded from {host_path(f, lib['path'])} (file {real})")
    if "libcuda.so.1" in (_get(f, "host", "wsl", "lib_files") or []):
        evidence.append("the Windows driver's libcuda is /usr/lib/wsl/lib/libcuda.so.1, unused")
    rc = _get(f, "cuda_driver", "init_rc")
    if rc not in (0, None, "missing"):
        evidence.append(f"cuInit -> {rc}")
    folder = str(Path(host_path(f, wrong[0]["path"])).parent)
    return [
        Finding(
            "wsl-libcuda-shadowed",
            "error",
            "WSL2: a Linux driver's libcuda shadows the Windows driver's /usr/lib/wsl/lib",
            evidence,
            f"Delete the copied Linux driver library: `sudo rm {folder}/libcuda.so*` (or "
            "`sudo apt remove --purge 'libnvidia-compute-*'`), then `sudo ldconfig`. Inside "
            "WSL2 never install a Linux NVIDIA driver: the Windows driver provides libcuda, and "
            "/etc/ld.so.conf.d/ld.wsl.conf lists /usr/lib/wsl/lib.",
        )
    ]


_JAX_PLUGIN = re.compile(r"^jax-cuda(\d+)-(plugin|pjrt)$")


def rule_jax_plugin(f: Facts, gpu_expected: bool) -> list[Finding]:
    dists = {d["name"]: d for d in _get(f, "wheels", "dists") or []}
    jaxlib = dists.get("jaxlib")
    plugins = [d for name, d in dists.items() if _JAX_PLUGIN.match(name)]
    if not plugins or not jaxlib:
        return []
    bad = [d for d in plugins if _version(d["version"]) != _version(jaxlib["version"])]
    if not bad:
        return []
    major = _JAX_PLUGIN.match(bad[0]["name"]).group(1)
    jax = dists.get("jax")
    target = (jax or jaxlib)["version"]
    backend = _get(f, "frameworks", "jax", "backend")
    return [
        Finding(
            "jax-plugin-mismatch",
            "error",
            f"{bad[0]['name']} {bad[0]['version']} does not match jaxlib {jaxlib['version']}: "
            "JAX ignores the plugin and runs on the CPU",
            [f"jaxlib {jaxlib['version']} ({jaxlib['location']})"]
            + [f"{d['name']} {d['version']} ({d['location']})" for d in bad]
            + ([f"jax {jax['version']}"] if jax else [])
            + ([f"jax default backend: {backend}"] if backend else []),
            f'pip install --upgrade "jax[cuda{major}]=={target}"  (pins jax, jaxlib and the CUDA '
            "plugins to one version)",
        )
    ]


__all__ = ["host_path", "rule_jax_plugin", "rule_lib_shadowed", "rule_wsl_libcuda"]
