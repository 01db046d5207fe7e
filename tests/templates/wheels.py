"""Local wheel folders for tests that must not download big wheels (torch): from
MLT_TEST_WHEELS (folders separated by os.pathsep), else pip's own PIP_FIND_LINKS."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest


def wheel_dirs() -> list[Path]:
    """Existing folders named by MLT_TEST_WHEELS, else by PIP_FIND_LINKS (space-separated)."""
    raw = os.environ.get("MLT_TEST_WHEELS")
    parts = raw.split(os.pathsep) if raw else os.environ.get("PIP_FIND_LINKS", "").split()
    return [
        Path(p.removeprefix("file://")) for p in parts if Path(p.removeprefix("file://")).is_dir()
    ]


def cpu_torch_wheels() -> list[Path]:
    return sorted(w for d in wheel_dirs() for w in d.glob("torch-*+cpu-*.whl"))


def cpu_torch_index(root: Path) -> str:
    """A PEP 503 simple index under `root` serving the local CPU torch wheels (file:// URL),
    for a child's `torch_index_url`; skips (fails under CI=true) when there is none."""
    wheels = cpu_torch_wheels()
    if not wheels:
        message = "no torch-*+cpu wheel in MLT_TEST_WHEELS / PIP_FIND_LINKS"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    page = root / "simple" / "torch" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    links = "".join(f'<a href="{html.escape(w.as_uri())}">{w.name}</a>\n' for w in wheels)
    page.write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n", encoding="utf-8")
    return (root / "simple").as_uri()
