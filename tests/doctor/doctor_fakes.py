"""Fake filesystem roots for the doctor tests (importable by name: tests have no packages)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
STUB_SRC = HERE / "stubs"  # C sources of the stub CUDA/NVML libraries
FAKES = HERE / "fakes"

KERNEL_550 = (
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
    "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n"
)
KERNEL_OPEN_580 = (
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.178.04  Release Build  "
    "(dvs-builder@U16-I2-C04-35-2)  Thu Apr 30 00:00:00 UTC 2026\n"
)


def make_root(
    base: Path, *, driver: str | None = KERNEL_550, nodes: bool = True, docker: bool = False
) -> Path:
    """A fake filesystem root: /proc/driver/nvidia/version, /dev/nvidia*, /.dockerenv."""
    base.mkdir(parents=True, exist_ok=True)
    if driver:
        (base / "proc/driver/nvidia").mkdir(parents=True)
        (base / "proc/driver/nvidia/version").write_text(driver)
    if nodes:
        (base / "dev").mkdir()
        for name in ("nvidia0", "nvidiactl", "nvidia-uvm"):
            (base / "dev" / name).write_text("")
    if docker:
        (base / ".dockerenv").write_text("")
    return base
