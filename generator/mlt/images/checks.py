"""Validate the image catalog against the compatibility data (`mlt images check`).

Every rule reads compat.yaml through mlt.compat, so the catalog and the GPU doctor agree on
which CUDA, torch and TensorFlow combinations exist.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from mlt import compat
from mlt.images.catalog import Catalog, ImageSpec

# The project templates' `base_image` question offers exactly these ids.
REQUIRED_IDS = ("cpu", "cuda-runtime", "cuda-devel", "pytorch", "tensorflow")
CUDA_SOURCES = ("system", "pip", "none")
FLAVOURS = ("runtime", "devel")
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
RELEASE_RE = re.compile(r"^\d{4}\.\d{2}$")
NVIDIA_WHEEL_RE = re.compile(r"^nvidia-[a-z0-9-]+-cu(\d+)\b")
PIN_RE = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*([^\s;,]+)")


@dataclass(frozen=True)
class Finding:
    """One problem: `error` fails the check, `warning` does not."""

    level: str
    image: str | None
    message: str

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-friendly view."""
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.image}: " if self.image else ""
        return f"{self.level}: {where}{self.message}"


def _pins(requirements: tuple[str, ...]) -> dict[str, str]:
    """{'torch': '2.10.0'} for every `name==version` requirement (extras dropped)."""
    pins = {}
    for req in requirements:
        match = PIN_RE.match(req.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def _mm(version: str) -> str:
    return compat.format_version(compat.parse_version(version)[:2])


def _same_prefix(short: str, full: str) -> bool:
    """'9.3' matches '9.3.0.75'; '9.3.0.75' matches '9.3.0.75' (the shorter is the prefix)."""
    a, b = compat.parse_version(short), compat.parse_version(full)
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def check_catalog(catalog: Catalog) -> list[Finding]:
    """All findings for a catalog; an empty list means it is consistent."""
    findings: list[Finding] = []
    if not RELEASE_RE.match(catalog.release):
        findings.append(Finding("error", None, f"release '{catalog.release}' is not YYYY.MM"))
    seen: set[str] = set()
    for image in catalog.images:
        if image.id in seen:
            findings.append(Finding("error", image.id, "duplicate image id"))
        seen.add(image.id)
        findings.extend(Finding(level, image.id, msg) for level, msg in check_image(image))
    for missing in (i for i in REQUIRED_IDS if i not in seen):
        findings.append(
            Finding("error", missing, "missing: the project templates offer this base image")
        )
    return findings


def check_image(image: ImageSpec) -> list[tuple[str, str]]:
    """(level, message) pairs for one entry."""
    problems = _check_parent(image) + _check_cuda_source(image)
    if image.flavour not in FLAVOURS:
        problems.append(("error", f"flavour '{image.flavour}' is not one of {', '.join(FLAVOURS)}"))
    problems += _check_cuda(image)
    if image.framework == "pytorch":
        problems += _check_torch(image)
    elif image.framework == "tensorflow":
        problems += _check_tensorflow(image)
    elif image.framework != "none":
        problems.append(
            ("error", f"framework '{image.framework}' is not pytorch, tensorflow or none")
        )
    return problems


def _check_parent(image: ImageSpec) -> list[tuple[str, str]]:
    name, digest = image.parent.name, image.parent.digest
    problems = []
    if not name or ":" not in name.rsplit("/", 1)[-1]:
        problems.append(("error", f"parent '{name}' is not pinned by tag"))
    if not digest:
        problems.append(("error", f"parent '{name}' is not pinned by digest"))
    elif not DIGEST_RE.match(digest):
        problems.append(("error", f"parent digest '{digest}' is not sha256:<64 lowercase hex>"))
    return problems


def _nvidia_wheels(image: ImageSpec) -> list[str]:
    return [req for req in image.pip if NVIDIA_WHEEL_RE.match(req.strip())]


def _check_cuda_source(image: ImageSpec) -> list[tuple[str, str]]:
    source = image.cuda_source
    if isinstance(source, (list, tuple)) or source in ("both", "system+pip", "pip+system"):
        return [("error", "both system and pip CUDA: cuda_source must be one of system, pip, none")]
    if source not in CUDA_SOURCES:
        return [("error", f"cuda_source '{source}' is not one of {', '.join(CUDA_SOURCES)}")]
    wheels = _nvidia_wheels(image)
    system_parent = "nvidia/cuda" in image.parent.name
    if source == "system" and wheels:
        return [
            (
                "error",
                f"both system and pip CUDA: cuda_source is system but pip installs {wheels[0]}",
            )
        ]
    if source == "pip" and system_parent:
        return [
            (
                "error",
                f"both system and pip CUDA: parent {image.parent.name} already has system CUDA",
            )
        ]
    if source == "none" and (image.cuda or wheels or system_parent):
        return [("error", "cuda_source is none but the image has CUDA")]
    if source != "none" and not image.cuda:
        return [("error", f"cuda_source is {source} but no cuda version is given")]
    return []


def _check_cuda(image: ImageSpec) -> list[tuple[str, str]]:
    if not image.cuda:
        return []
    if not compat.cuda_exists(image.cuda):
        return [
            ("error", f"CUDA {image.cuda} does not exist (no such toolkit release in compat.yaml)")
        ]
    problems = []
    major = compat.parse_version(image.cuda)[0]
    for req in image.pip + image.constraints:
        match = NVIDIA_WHEEL_RE.match(req.strip())
        if match and int(match.group(1)) != major:
            problems.append(
                ("error", f"{req.split('=')[0]} is for CUDA {match.group(1)}, not {image.cuda}")
            )
    cudart = _pins(image.pip + image.constraints).get(f"nvidia-cuda-runtime-cu{major}")
    if cudart and _mm(cudart) != _mm(image.cuda):
        problems.append(
            ("error", f"nvidia-cuda-runtime-cu{major}=={cudart} is not CUDA {image.cuda}")
        )
    return problems


def _check_torch(image: ImageSpec) -> list[tuple[str, str]]:
    version = image.framework_version
    if not version:
        return [("error", "framework pytorch needs a version")]
    release = compat.torch_release(version)
    if release is None:
        return [("error", f"torch {version} is unknown to compat.yaml")]
    problems = []
    pinned = _pins(image.pip).get("torch")
    if pinned and pinned.split("+")[0] != version:
        problems.append(("error", f"pip installs torch=={pinned} but the catalog says {version}"))
    if not image.cuda:
        return problems
    variants = [str(v) for v in release["cuda"]]
    if _mm(image.cuda) not in variants:
        return problems + [
            (
                "error",
                f"torch {_mm(version)} was never built for CUDA {image.cuda} "
                f"(variants: {', '.join(variants)})",
            )
        ]
    pypi = release.get("pypi") or {}
    if pypi and str(pypi.get("cuda")) == _mm(image.cuda):
        for lib in ("cudnn", "nccl"):
            ours, theirs = getattr(image, lib), pypi.get(lib)
            if ours and theirs and not _same_prefix(ours, str(theirs)):
                problems.append(("error", f"torch {_mm(version)} pins {lib} {theirs}, not {ours}"))
    return problems


def _check_tensorflow(image: ImageSpec) -> list[tuple[str, str]]:
    version = image.framework_version
    if not version:
        return [("error", "framework tensorflow needs a version")]
    release = compat.tensorflow_release(version)
    if release is None:
        return [("error", f"tensorflow {version} is unknown to compat.yaml")]
    tf, want_cuda, want_cudnn = _mm(version), str(release["cuda"]), str(release["cudnn"])
    problems = []
    if not image.cuda or _mm(image.cuda) != want_cuda:
        problems.append(
            ("error", f"tensorflow {tf} is built for CUDA {want_cuda}, not {image.cuda}")
        )
    if not image.cudnn or not _same_prefix(want_cudnn, image.cudnn):
        problems.append(
            ("error", f"tensorflow {tf} is built for cuDNN {want_cudnn}, not {image.cudnn}")
        )
    pins = release.get("and_cuda") or {}
    for lib in ("cudnn", "nccl") if not problems else ():  # the exact pins, once the series fit
        ours, theirs = getattr(image, lib), pins.get(lib)
        if ours and theirs and not _same_prefix(ours, str(theirs)):
            problems.append(("error", f"tensorflow {tf}[and-cuda] pins {lib} {theirs}, not {ours}"))
    return problems


def errors(findings: list[Finding]) -> list[Finding]:
    """Only the findings that fail the check."""
    return [f for f in findings if f.level == "error"]
