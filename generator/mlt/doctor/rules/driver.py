"""Rules about the driver: presence, container wiring, NVML, version, stubs, compat, fabric."""

from __future__ import annotations

from mlt import compat
from mlt.doctor.nvml import FABRIC_STATES, brand_name
from mlt.doctor.rules.base import (
    Facts,
    Finding,
    Version,
    _fmt,
    _get,
    _version,
    _wanted_severity,
    cuda_builds,
    driver_present,
    gpus,
    kernel_driver,
    libcuda_loaded,
    loaded_paths,
    node_gpus,
    signs_of_gpu,
)
from mlt.errors import MltError


def rule_no_driver(f: Facts, gpu_expected: bool) -> list[Finding]:
    if driver_present(f):
        return []
    if _get(f, "host", "container", "in_container") and not node_gpus(f):
        return []  # container-gpu-not-exposed says it better
    evidence = [
        "/proc/driver/nvidia/version: "
        + (_get(f, "host", "driver", "error") or "missing (no NVIDIA kernel module loaded)"),
        f"NVML: {_get(f, 'nvml', 'error') or 'not loaded'}",
        "libcuda.so.1: "
        + (_get(f, "cuda_driver", "error") or f"cuInit -> {_get(f, 'cuda_driver', 'init_rc')}"),
        "device nodes: " + (", ".join(node_gpus(f)) or "no /dev/nvidia<N>"),
    ]
    severity = _wanted_severity(f, gpu_expected)
    evidence += signs_of_gpu(f)
    if severity == "info":
        evidence.append("nothing here asks for a GPU; run `mlt doctor --gpu` to require one")
    return [
        Finding(
            "no-driver",
            severity,
            "No NVIDIA driver found",
            evidence,
            "Install the NVIDIA driver (then reboot or load the nvidia module), or run on a "
            "machine "
            "with a GPU attached. Ignore this on a CPU-only machine.",
        )
    ]


def rule_container_not_exposed(f: Facts, gpu_expected: bool) -> list[Finding]:
    if not _get(f, "host", "container", "in_container"):
        return []
    env = _get(f, "host", "env") or {}
    problems = []
    if not node_gpus(f):
        problems.append("no /dev/nvidia<N> device nodes in this container")
    visible = env.get("NVIDIA_VISIBLE_DEVICES")
    if visible is not None and visible.strip().lower() in ("", "void", "none"):
        problems.append(f"NVIDIA_VISIBLE_DEVICES={visible!r}: the NVIDIA runtime injects no GPU")
    caps = env.get("NVIDIA_DRIVER_CAPABILITIES")
    if caps is not None:
        have = {c.strip().lower() for c in caps.split(",")}
        if "all" not in have and "compute" not in have and not _get(f, "cuda_driver", "loaded"):
            problems.append(
                f"NVIDIA_DRIVER_CAPABILITIES={caps!r} lacks 'compute': libcuda.so.1 is not mounted"
            )
        if "all" not in have and "utility" not in have and not _get(f, "nvml", "loaded"):
            problems.append(
                f"NVIDIA_DRIVER_CAPABILITIES={caps!r} lacks 'utility': NVML/nvidia-smi are not "
                "mounted"
            )
    if not problems:
        return []
    evidence = _get(f, "host", "container", "evidence") + problems
    return [
        Finding(
            "container-gpu-not-exposed",
            _wanted_severity(f, gpu_expected),
            "This container was started without GPU access",
            evidence,
            "Start it with GPUs: `docker run --gpus all ...` (Compose: "
            "deploy.resources.reservations."
            "devices; Kubernetes: resources.limits nvidia.com/gpu) and keep "
            "NVIDIA_DRIVER_CAPABILITIES=compute,utility (or all).",
        )
    ]


def rule_nvml_mismatch(f: Facts, gpu_expected: bool) -> list[Finding]:
    nvml = f.get("nvml") or {}
    kernel = _get(f, "host", "driver", "version")
    evidence = []
    if nvml.get("init_rc") == 18 or "mismatch" in str(nvml.get("error", "")).lower():
        evidence.append(f"nvmlInit: {nvml.get('error') or 'Driver/library version mismatch'}")
    elif kernel and nvml.get("driver_version") and nvml["driver_version"] != kernel:
        evidence.append(
            f"NVML user-space driver {nvml['driver_version']} != kernel module {kernel}"
        )
    if not evidence:
        return []
    if kernel:
        evidence.append(f"kernel module: {kernel} (/proc/driver/nvidia/version)")
    evidence += [f"libnvidia-ml loaded from {p}" for p in loaded_paths(f, "libnvidia-ml")]
    return [
        Finding(
            "nvml-version-mismatch",
            "error",
            "Driver user-space libraries and kernel module have different versions",
            evidence,
            "Reboot (or unload and reload the nvidia kernel modules) so the module matches the "
            "upgraded libraries; pin the driver packages to stop unattended upgrades doing this.",
        )
    ]


def runtime_in_use(f: Facts) -> tuple[Version, str] | None:
    """The CUDA runtime the target process uses: the loaded libcudart, else a framework build."""
    rt = _get(f, "cuda_runtime", "cudart_version")
    if rt:
        where = ", ".join(loaded_paths(f, "libcudart")) or "libcudart"
        return compat.parse_version(
            int(rt)
        ), f"CUDA runtime {_fmt(compat.parse_version(int(rt)))} ({where})"
    for name, version in cuda_builds(f).items():
        if parsed := _version(version):
            return parsed[:2], f"{name} built with CUDA {version}"
    return None


def _driver_cuda(f: Facts) -> Version | None:
    value = _get(f, "nvml", "cuda_driver_version") or _get(f, "cuda_driver", "driver_version")
    return compat.parse_version(int(value)) if value else None


def _forward_compat_ok(f: Facts, runtime: Version) -> bool:
    """A cuda-compat libcuda newer than the kernel driver can run newer runtimes (datacenter)."""
    libcuda = loaded_paths(f, "libcuda")
    version = _get(f, "cuda_driver", "driver_version")
    return (
        bool(version)
        and any("/compat/" in p for p in libcuda)
        and compat.parse_version(int(version)) >= runtime
    )


def rule_driver_too_old(f: Facts, gpu_expected: bool) -> list[Finding]:
    found = runtime_in_use(f)
    if not found or not driver_present(f):
        return []  # without any driver, cudart's error 35 means "no driver": no-driver says so
    runtime, source = found
    driver = kernel_driver(f)
    evidence = [source]
    if _get(f, "cuda_runtime", "cudart_device_count_rc") == 35:
        if not libcuda_loaded(f):
            # cudart says "insufficient driver" when libcuda is missing altogether: that is
            # no-driver / container-gpu-not-exposed / lib-not-found, not an old driver
            return []
        evidence.append("cudaGetDeviceCount -> 35 (cudaErrorInsufficientDriver)")
        if driver and _kernel_is_enough(driver, runtime):
            return [_old_libcuda(f, runtime, driver, evidence)]
        return [_too_old(f, runtime, driver, evidence)]
    if not driver:
        drv_cuda = _driver_cuda(f)
        if drv_cuda and runtime[0] > drv_cuda[0]:
            evidence.append(f"driver supports CUDA {_fmt(drv_cuda)} (NVML)")
            return [_too_old(f, runtime, None, evidence)]
        return []
    evidence.append(f"driver {driver}")
    try:
        req = compat.driver_requirement(_fmt(runtime[:2]))
    except MltError:  # a runtime newer (or odder) than the table: judge by major only
        newest = compat.max_cuda_for_driver(driver)
        if newest and runtime[0] > newest[0] and not _forward_compat_ok(f, runtime):
            return [_too_old(f, runtime, driver, evidence)]
        return []
    drv = compat.parse_version(driver)
    if drv >= req.toolkit_driver or _forward_compat_ok(f, runtime):
        return []
    if req.minor_compat_floor and drv >= req.minor_compat_floor:
        own = compat.format_driver(req.toolkit_driver)
        floor = compat.format_driver(req.minor_compat_floor)
        return [
            Finding(
                "driver-minor-compat",
                "info",
                f"CUDA {_fmt(runtime)} runs on driver {driver} through minor-version compatibility",
                [
                    *evidence,
                    f"CUDA {_fmt(runtime)} ships with driver >= {own}; "
                    f"CUDA {runtime[0]}.x runs on >= {floor}",
                ],
                "Nothing to do. Code that JIT-compiles PTX from a newer toolkit (Triton, NVRTC) "
                f"may still need driver >= {own}.",
            )
        ]
    return [_too_old(f, runtime, driver, evidence)]


def _kernel_is_enough(driver: str, runtime: Version) -> bool:
    try:
        return compat.parse_version(driver) >= compat.min_driver(_fmt(runtime[:2]))
    except (MltError, ValueError):
        return False


def _old_libcuda(f: Facts, runtime: Version, driver: str, evidence: list[str]) -> Finding:
    """Error 35 although the kernel module is new enough: the libcuda in use is older."""
    libcuda = loaded_paths(f, "libcuda")
    cuda = _get(f, "cuda_driver", "driver_version")
    evidence = evidence + [f"kernel module {driver} is new enough for CUDA {_fmt(runtime)}"]
    evidence += [f"libcuda loaded from {p}" for p in libcuda]
    if cuda:
        evidence.append(f"that libcuda supports CUDA {_fmt(compat.parse_version(int(cuda)))}")
    return Finding(
        "driver-too-old",
        "error",
        f"The libcuda in use is older than the driver {driver} and too old for CUDA "
        f"{_fmt(runtime)}",
        evidence,
        "Remove the older libcuda's folder from LD_LIBRARY_PATH / ld.so.conf (a copy from "
        "another driver or a container image), so the driver's own libcuda.so.1 is loaded; "
        "or reinstall the driver's user-space libraries.",
    )


def _too_old(f: Facts, runtime: Version, driver: str | None, evidence: list[str]) -> Finding:
    try:
        need = compat.format_driver(compat.min_driver(_fmt(runtime[:2])))
    except MltError:
        need = f"one that supports CUDA {_fmt(runtime)}"
    newest = compat.max_cuda_for_driver(driver) if driver else None
    alt = (
        f", or use a build for CUDA <= {_fmt(newest)} (e.g. an older cuXXX wheel or base image)"
        if newest
        else ""
    )
    return Finding(
        "driver-too-old",
        "error",
        f"The driver{' ' + driver if driver else ''} is too old for CUDA {_fmt(runtime)}",
        evidence,
        f"Upgrade the NVIDIA driver to >= {need}{alt}. cuda-compat can help on datacenter GPUs "
        "only.",
    )


def rule_stub_driver(f: Facts, gpu_expected: bool) -> list[Finding]:
    stubs = [p for p in loaded_paths(f, "libcuda") if "/stubs/" in p]
    evidence = [f"libcuda loaded from {p}" for p in stubs]
    if _get(f, "cuda_driver", "init_rc") == 34:
        evidence.append("cuInit -> 34 (CUDA_ERROR_STUB_LIBRARY)")
    if not evidence:
        return []
    ld = _get(f, "host", "env", "LD_LIBRARY_PATH")
    return [
        Finding(
            "cuda-stub-driver",
            "error",
            "libcuda is the toolkit's link-time stub, not the driver",
            evidence + ([f"LD_LIBRARY_PATH={ld}"] if ld else []),
            "Remove the .../lib64/stubs directory from LD_LIBRARY_PATH (and ld.so.conf); stubs "
            "are for "
            "linking only.",
        )
    ]


def rule_forward_compat(f: Facts, gpu_expected: bool) -> list[Finding]:
    compat_libs = [p for p in loaded_paths(f, "libcuda") if "/compat/" in p]
    evidence = [f"libcuda loaded from {p} (cuda-compat)" for p in compat_libs]
    if 804 in (
        _get(f, "cuda_driver", "init_rc"),
        _get(f, "cuda_runtime", "cudart_device_count_rc"),
    ):
        evidence.append("CUDA error 804: forward compatibility was attempted on non supported HW")
    elif compat_libs:
        allowed = set(compat.load()["gpus"].get("forward_compat_brands") or [])
        bad = [g for g in gpus(f) if brand_name(g.get("brand")) not in allowed | {None}]
        if not bad:
            return []
        evidence += [
            f"{g.get('name')}: brand {brand_name(g.get('brand'))} "
            f"(supported: {', '.join(sorted(allowed))})"
            for g in bad
        ]
    else:
        return []
    return [
        Finding(
            "forward-compat-unsupported",
            "error",
            "A cuda-compat libcuda is used on a GPU that does not support it",
            evidence,
            "Remove the cuda-compat directory (e.g. /usr/local/cuda/compat) from LD_LIBRARY_PATH "
            "and "
            "ld.so.conf so the driver's own libcuda is used, or upgrade the host driver instead.",
        )
    ]


def rule_fabric_manager(f: Facts, gpu_expected: bool) -> list[Finding]:
    evidence = []
    for gpu in gpus(f):
        fabric = gpu.get("fabric") or {}
        state, status = fabric.get("state"), fabric.get("status")
        if state in (1, 2) or (state == 3 and status not in (0, None)):
            evidence.append(
                f"GPU {gpu.get('index')} {gpu.get('name')}: fabric state "
                f"{FABRIC_STATES.get(state, state)}, status {status}"
            )
    if _get(f, "cuda_driver", "init_rc") == 802:
        evidence.append("cuInit -> 802 (CUDA_ERROR_SYSTEM_NOT_READY)")
    if not evidence:
        return []
    branch = (kernel_driver(f) or "<driver branch>").split(".")[0]
    return [
        Finding(
            "fabric-manager-not-running",
            "error",
            "NVSwitch fabric is not initialised (fabric manager not running)",
            evidence,
            "Install and start the fabric manager matching the driver: `apt install "
            f"nvidia-fabricmanager-{branch}` "
            "then `systemctl enable --now nvidia-fabricmanager`.",
        )
    ]
