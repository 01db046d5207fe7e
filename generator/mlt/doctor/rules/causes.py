"""Root causes: which finding explains which, so one cause gives one error.

A root finding keeps its severity and lists what it explains (`explains`, plus a line of
evidence each); an explained finding becomes `info` with `caused_by` set. The codes and their
meaning stay as documented; only the severity of an explained finding changes.
"""

from __future__ import annotations

from mlt.doctor.rules.base import Finding

_DRIVER_LIBS = ("lib-not-found:libcuda.so.1", "lib-not-found:libnvidia-ml.so.1")

# root id (or code) -> ids (or codes) it explains, strongest roots first
_INIT = "cuda-init-failed"  # the symptom: cuInit fails while NVML answers

EXPLAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "container-gpu-not-exposed",
        ("no-driver", "driver-too-old", "cuda-stub-driver", *_DRIVER_LIBS, _INIT),
    ),
    ("no-driver", ("driver-too-old", *_DRIVER_LIBS, _INIT)),
    ("wsl-libcuda-shadowed", ("driver-too-old", "no-driver", _INIT)),
    ("uvm-module-not-loaded", ("device-node-missing:/dev/nvidia-uvm", _INIT)),
    ("device-node-denied", (_INIT,)),
    ("device-node-missing", (_INIT,)),
    ("mig-device-not-selected", ("no-visible-devices", _INIT)),
    ("mig-no-instances", (_INIT,)),
    ("gpu-lost", (_INIT,)),
    ("no-visible-devices", (_INIT,)),
    ("jax-plugin-mismatch", ("framework-cpu-build",)),
    ("nvml-version-mismatch", ("driver-too-old",)),
    ("cuda-stub-driver", ("driver-too-old", "no-driver")),
    ("lib-not-found:libcuda.so.1", ("driver-too-old",)),
    ("lib-not-on-search-path:libcuda.so.1", ("driver-too-old",)),
    ("cudnn-mixed", ("cudnn-mismatch", "duplicate-lib")),
    ("conflicting-cuda-packages", ("duplicate-lib", "cuda-runtime-older-than-build")),
    ("lib-shadowed", ("duplicate-lib", "cuda-runtime-older-than-build")),
)


def _matches(finding: Finding, pattern: str) -> bool:
    return finding.id == pattern or finding.code == pattern


def _related(root: Finding, other: Finding) -> bool:
    """A package conflict explains only the duplicates of the libraries those packages ship."""
    if root.code == "conflicting-cuda-packages" and other.code == "duplicate-lib":
        from mlt.doctor.rules.packages import wheel_for

        return wheel_for(other.subject) == root.subject
    if root.code == "lib-shadowed" and other.code == "duplicate-lib":
        return any(line.startswith(other.subject + ".so") for line in root.evidence)
    if root.code == "lib-shadowed" and other.code == "cuda-runtime-older-than-build":
        return any(line.startswith("libcudart.so") for line in root.evidence)
    if root.code == "jax-plugin-mismatch":
        return other.title.startswith("jax ")
    if root.code == "cudnn-mixed" and other.code == "duplicate-lib":
        return other.subject.startswith("libcudnn")
    return True


def link(findings: list[Finding]) -> list[Finding]:
    """Set caused_by / explains in place; returns the same list."""
    for root_pattern, explained in EXPLAINS:
        for root in findings:
            if not _matches(root, root_pattern) or root.caused_by or root.severity == "info":
                continue
            for other in findings:
                if other is root or other.caused_by or other.explains:
                    continue
                if any(_matches(other, p) for p in explained) and _related(root, other):
                    other.caused_by = root.id
                    other.severity = "info"
                    root.explains.append(other.id)
                    root.evidence.append(f"explains {other.id}: {other.title}")
    return findings
