"""Host facts about the kernel side of the driver stack, under --root: which nvidia kernel
modules are loaded (`nvidia` without `nvidia_uvm` lets NVML answer while cuInit fails), and
whether this is WSL2, where the GPU comes through /dev/dxg and the Windows driver's
libcuda lives in /usr/lib/wsl/lib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlt.doctor import bounded

WSL_LIB = "usr/lib/wsl/lib"


def modules(root: Path) -> dict[str, Any] | None:
    """{'loaded': ['nvidia', 'nvidia_uvm', ...]} from /proc/modules; None when unreadable."""
    try:
        text = bounded.read_text(root / "proc/modules", 1 << 20)
    except OSError:
        return None
    names = sorted({line.split()[0] for line in text.splitlines() if line.strip()})
    return {"loaded": [n for n in names if n.startswith("nvidia")], "source": "/proc/modules"}


def wsl(root: Path) -> dict[str, Any]:
    """Signs of WSL2 and the CUDA libraries of its driver folder."""
    evidence = []
    try:
        version = bounded.read_text(root / "proc/version", 4096)
    except OSError:
        version = ""
    if "microsoft" in version.lower() or "wsl" in version.lower():
        evidence.append("/proc/version: " + version.split("(")[0].strip())
    if (root / "dev/dxg").exists():
        evidence.append("/dev/dxg exists")
    lib = root / WSL_LIB
    files = sorted(p.name for p in lib.iterdir()) if lib.is_dir() else []
    if files:
        evidence.append(f"/{WSL_LIB} holds {', '.join(f for f in files if 'cuda' in f)[:200]}")
    return {
        "detected": bool(evidence) and bool(files or version),
        "evidence": evidence,
        "lib_files": files,
    }
