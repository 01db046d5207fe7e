"""Rules about GPUs as the framework sees them: architecture, visibility, CPU builds."""

from __future__ import annotations

import re
from typing import Any

from mlt import compat
from mlt.doctor.rules.base import (
    Facts,
    Finding,
    Version,
    _fmt,
    _get,
    _version,
    frameworks,
    gpu_cc,
    gpus,
    kernel_driver,
)

_ARCH = re.compile(r"^(sm|compute)_(\d+)([af]?)$")


def arch_covers(arches: list[str], cc: Version) -> str | None:
    """'sass' / 'ptx' when a build with these arch flags runs on compute capability cc, else None.

    sm_XY runs on the same major with minor >= Y; compute_XY PTX JIT-compiles on any CC >= X.Y;
    arch-specific sm_90a runs on 9.0 only, family-specific sm_100f on 10.x with minor >= 0.
    """
    how = None
    for arch in arches:
        text = str(arch).strip().lower()
        if re.match(r"^\d+\.\d+$", text):  # TF may list '8.0' for sm_80
            text = "sm_" + text.replace(".", "")
        match = _ARCH.match(text)
        if not match:
            continue
        kind, number, suffix = match.groups()
        target = (int(number[:-1]), int(number[-1]))
        if suffix == "a":
            fits = cc == target
        elif kind == "sm" or suffix == "f":
            fits = cc[0] == target[0] and cc[1:2] >= target[1:2]
        else:
            fits = cc >= target
        if fits and (kind == "sm" or suffix):
            return "sass"
        if fits:
            how = "ptx"
    return how


def _arch_lists(f: Facts) -> dict[str, list[str]]:
    fw = frameworks(f)
    out = {}
    if _get(fw, "torch", "arch_list"):
        out["torch"] = list(fw["torch"]["arch_list"])
    tf_caps = _get(fw, "tensorflow", "build", "cuda_compute_capabilities")
    if tf_caps:
        out["tensorflow"] = list(tf_caps)
    return out


def rule_arch(f: Facts, gpu_expected: bool) -> list[Finding]:
    devices = [(g.get("name") or f"GPU {g.get('index')}", gpu_cc(g)) for g in gpus(f)]
    if not devices:
        caps = _get(f, "frameworks", "torch", "capabilities") or []
        devices = [(f"cuda:{i}", _version(c)) for i, c in enumerate(caps)]
    out = []
    for framework, arches in _arch_lists(f).items():
        for name, cc in devices:
            if not cc:
                continue
            how = arch_covers(arches, cc)
            evidence = [
                f"{name}: compute capability {_fmt(cc)}",
                f"{framework} arch list: {' '.join(arches)}",
            ]
            if how is None:
                out.append(
                    Finding(
                        "arch-unsupported",
                        "error",
                        f"{framework} has no kernels for {name} (sm_{''.join(map(str, cc))})",
                        evidence,
                        f"Install a {framework} build compiled for sm_{''.join(map(str, cc))}: "
                        "usually a newer "
                        "CUDA variant (e.g. cu128 wheels add Blackwell sm_120).",
                    )
                )
            elif how == "ptx":
                out.append(
                    Finding(
                        "arch-ptx-jit",
                        "info",
                        f"{framework} runs on {name} by JIT-compiling PTX",
                        evidence,
                        "Works; the first run is slower while kernels compile (cached afterwards).",
                    )
                )
    return out


def _visible(entries: list[str], gpu_list: list[dict[str, Any]]) -> tuple[list[str], str | None]:
    """CUDA's parse of CUDA_VISIBLE_DEVICES: it stops at the first invalid entry."""
    visible: list[str] = []
    for entry in entries:
        if entry.isdigit() and int(entry) < len(gpu_list):
            ok = True
        elif entry.upper().startswith(("GPU-", "MIG-")):
            uuids = [g.get("uuid") for g in gpu_list]  # with MIG devices' (MIG-<uuid>) too
            uuids += [d.get("uuid") for g in gpu_list for d in _get(g, "mig", "devices") or []]
            ok = any((u or "").upper().startswith(entry.upper()) for u in uuids)
        else:
            ok = False
        if not ok or entry in visible:
            return visible, entry
        visible.append(entry)
    return visible, None


def rule_visible_devices(f: Facts, gpu_expected: bool) -> list[Finding]:
    cvd = _get(f, "host", "env", "CUDA_VISIBLE_DEVICES")
    if cvd is None:
        return []
    gpu_list = gpus(f)
    fix = "Unset CUDA_VISIBLE_DEVICES, or list indices 0..N-1 / UUIDs that `nvidia-smi -L` shows."
    if not cvd.strip():
        return [
            Finding(
                "no-visible-devices",
                "error",
                "CUDA_VISIBLE_DEVICES is empty: every GPU is hidden",
                ["CUDA_VISIBLE_DEVICES=''"] + [f"NVML sees {len(gpu_list)} GPU(s)"],
                fix,
            )
        ]
    if not gpu_list:
        return []  # nothing to check the entries against
    visible, invalid = _visible([e.strip() for e in cvd.split(",")], gpu_list)
    evidence = [
        f"CUDA_VISIBLE_DEVICES={cvd}",
        f"NVML sees {len(gpu_list)} GPU(s): "
        + ", ".join(f"{g.get('index')}={g.get('uuid')}" for g in gpu_list),
    ]
    if not visible:
        return [
            Finding(
                "no-visible-devices",
                "error",
                "CUDA_VISIBLE_DEVICES names no existing GPU",
                evidence,
                fix,
            )
        ]
    if invalid:
        return [
            Finding(
                "no-visible-devices",
                "warning",
                f"CUDA_VISIBLE_DEVICES entry {invalid!r} does not exist; it and later entries are "
                "ignored",
                evidence,
                fix,
            )
        ]
    return []


def _torch_fix(f: Facts) -> str:
    torch = _get(f, "frameworks", "torch", "version") or ""
    release = compat.torch_release(torch) if _version(torch) else None
    driver = kernel_driver(f)
    variants = [
        v
        for v in (release or {}).get("cuda", [])
        if not driver or compat.driver_supports(driver, v)
    ]
    if variants:
        tag = "cu" + variants[-1].replace(".", "")
        return f"pip install --force-reinstall torch=={torch.split('+')[0]} --index-url https://download.pytorch.org/whl/{tag}"
    return "Install a CUDA build of torch (https://pytorch.org/get-started/locally/)."


def rule_cpu_build(f: Facts, gpu_expected: bool) -> list[Finding]:
    if not (gpus(f) or _get(f, "cuda_driver", "device_count")):
        return []
    fw = frameworks(f)
    severity = "error" if gpu_expected else "warning"
    out = []
    torch = fw.get("torch") or {}
    if torch.get("version") and not torch.get("cuda") and not torch.get("hip"):
        out.append(
            Finding(
                "framework-cpu-build",
                severity,
                "torch is a CPU-only build on a machine with a GPU",
                [f"torch {torch['version']}: torch.version.cuda is None"],
                _torch_fix(f),
            )
        )
    build = _get(fw, "tensorflow", "build")
    if build is not None and not build.get("is_cuda_build"):
        out.append(
            Finding(
                "framework-cpu-build",
                severity,
                "tensorflow is a CPU-only build on a machine with a GPU",
                [f"tensorflow {fw['tensorflow'].get('version')}: is_cuda_build is False"],
                "pip install 'tensorflow[and-cuda]'",
            )
        )
    jax = fw.get("jax") or {}
    plugins = [
        d
        for d in _get(f, "wheels", "dists") or []
        if "cuda" in d["name"] and d["name"].startswith("jax")
    ]
    if jax.get("backend") == "cpu" and not plugins:
        out.append(
            Finding(
                "framework-cpu-build",
                severity,
                "jax has no CUDA plugin on a machine with a GPU",
                [f"jax {jax.get('version')}: default backend cpu, no jax-cuda*-plugin installed"],
                'pip install "jax[cuda12]"',
            )
        )
    return out
