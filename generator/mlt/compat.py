"""Read the compatibility data in base_images/compat.yaml and answer version questions.

Shared by the image catalog checks and the GPU doctor, so both apply the same rules.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlt.errors import MltError
from mlt.resources import base_images_dir

Version = tuple[int, ...]


def parse_version(text: str | int) -> Version:
    """'12.8.1' -> (12, 8, 1); CUDA ints such as 12080 -> (12, 8); '2.7.1+cu126' -> (2, 7, 1)."""
    if isinstance(text, int):
        return (text // 1000, (text % 1000) // 10)
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(text))
    if not match:
        raise ValueError(f"not a version: {text!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def format_version(version: Version) -> str:
    """(12, 8) -> '12.8'."""
    return ".".join(str(part) for part in version)


def format_driver(version: Version) -> str:
    """A driver version as NVIDIA writes it, two-digit minor/patch: (580, 65, 6) -> '580.65.06'."""
    head, *rest = version
    return ".".join([str(head), *(f"{part:02d}" for part in rest)])


def _prefix_match(full: Version, prefix: Version) -> bool:
    return full[: len(prefix)] == prefix


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MltError(f"cannot read compatibility data {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise MltError(f"compatibility data {path} is not a mapping")
    return data


def load() -> dict[str, Any]:
    """The raw compatibility data."""
    return _load(str(base_images_dir() / "compat.yaml"))


@dataclass(frozen=True)
class DriverRequirement:
    """What a CUDA toolkit version needs from the Linux kernel driver."""

    cuda: Version
    toolkit_driver: Version  # the driver released with that toolkit
    minor_compat_floor: Version | None  # lowest driver that runs it through minor-version compat


def known_cuda_versions() -> list[Version]:
    """Every toolkit release in the table, oldest first."""
    table = load()["cuda_driver"]["toolkit_driver"]
    return sorted(parse_version(k) for k in table)


def cuda_exists(cuda: str | int) -> bool:
    """True when a released toolkit matches this version ("12.8" matches 12.8.1)."""
    wanted = parse_version(cuda)
    return any(_prefix_match(v, wanted) for v in known_cuda_versions())


def driver_requirement(cuda: str | int) -> DriverRequirement:
    """Driver needs of a CUDA version; '12.8' is taken as its first release (12.8.0)."""
    wanted = parse_version(cuda)
    table = {
        parse_version(k): parse_version(v)
        for k, v in load()["cuda_driver"]["toolkit_driver"].items()
    }
    matches = sorted(v for v in table if _prefix_match(v, wanted))
    if not matches:
        raise MltError(f"unknown CUDA version {format_version(wanted)}")
    floors = load()["cuda_driver"]["minor_compat_floor"]
    floor = floors.get(str(wanted[0]))
    return DriverRequirement(
        cuda=wanted,
        toolkit_driver=table[matches[0]],
        minor_compat_floor=parse_version(floor) if floor else None,
    )


def min_driver(cuda: str | int) -> Version:
    """The lowest driver that can run this CUDA runtime (minor-version compatibility considered)."""
    req = driver_requirement(cuda)
    return req.minor_compat_floor or req.toolkit_driver


def driver_supports(driver: str, cuda: str | int) -> bool:
    """Can a kernel driver of this version run a CUDA runtime of this version?"""
    return parse_version(driver) >= min_driver(cuda)


def max_cuda_for_driver(driver: str) -> Version | None:
    """The newest CUDA major.minor whose own toolkit driver is <= this driver (no compat needed)."""
    drv = parse_version(driver)
    table = load()["cuda_driver"]["toolkit_driver"]
    ok = [parse_version(k)[:2] for k, v in table.items() if parse_version(v) <= drv]
    return max(ok) if ok else None


def _release_entry(section: str, version: str) -> dict[str, Any] | None:
    wanted = parse_version(version)[:2]
    for key, entry in load()[section]["releases"].items():
        if parse_version(key)[:2] == wanted:
            return dict(entry)
    return None


def torch_release(version: str) -> dict[str, Any] | None:
    """{'cuda': [...variants], 'pypi': {...pins}} for a torch version, or None if unknown."""
    return _release_entry("pytorch", version)


def tensorflow_release(version: str) -> dict[str, Any] | None:
    """{'cuda': 'X.Y', 'cudnn': 'X.Y', 'and_cuda': {...}} for a TF version, or None if unknown."""
    return _release_entry("tensorflow", version)


def compute_capability(gpu_name: str) -> Version | None:
    """Compute capability of a GPU from its NVML name, by the longest matching model substring."""
    table = load()["gpus"]["compute_capability"]
    name = gpu_name.lower()
    for model in sorted(table, key=len, reverse=True):
        if model.lower() in name:
            return parse_version(table[model])
    return None
