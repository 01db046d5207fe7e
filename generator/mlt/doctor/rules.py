"""Facts -> findings. Pure functions over the facts dict; version rules come from mlt.compat.

Each rule returns a list of Finding. Severity policy: a setup that works through minor-version
compatibility or PTX JIT is never an error (an info finding says so). Whether "no GPU" is an
error depends on intent: `--gpu` (gpu_expected) says the user wants one; without it, a missing
driver is a warning when the machine shows signs of wanting a GPU (device nodes, CUDA builds
of frameworks, nvidia-* wheels) and info otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlt import compat
from mlt.doctor.nvml import FABRIC_STATES, brand_name
from mlt.doctor.trace import duplicates
from mlt.errors import MltError

Version = tuple[int, ...]
Facts = dict[str, Any]


@dataclass
class Finding:
    code: str
    severity: str  # error | warning | info
    title: str
    evidence: list[str] = field(default_factory=list)
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- fact accessors --------------------------------------------------------------------


def _get(f: Facts, *path: str) -> Any:
    node: Any = f
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _version(value: Any) -> Version | None:
    try:
        return compat.parse_version(value) if value not in (None, "") else None
    except (ValueError, TypeError):
        return None


def _fmt(version: Version | None) -> str:
    return compat.format_version(version) if version else "?"


def kernel_driver(f: Facts) -> str | None:
    """The driver version: the kernel module's, else NVML's."""
    return _get(f, "host", "driver", "version") or _get(f, "nvml", "driver_version")


def gpus(f: Facts) -> list[dict[str, Any]]:
    return [g for g in (_get(f, "nvml", "gpus") or []) if isinstance(g, dict)]


def gpu_cc(gpu: dict[str, Any]) -> Version | None:
    return _version(gpu.get("cc")) or compat.compute_capability(gpu.get("name") or "")


def loaded_paths(f: Facts, key: str) -> list[str]:
    """Where the probe process mapped a library from (maps realpaths, then LD_DEBUG inits)."""
    paths = [
        lib.get("realpath") or lib["path"]
        for lib in f.get("loaded_libs") or []
        if lib.get("key") == key
    ]
    return paths or list(_get(f, "trace", "libs", key, "loaded") or [])


def frameworks(f: Facts) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in (f.get("frameworks") or {}).items() if isinstance(v, dict)}


def cuda_builds(f: Facts) -> dict[str, str]:
    """Framework -> the CUDA version it was built with (CUDA builds only)."""
    out = {}
    fw = frameworks(f)
    if _get(fw, "torch", "cuda"):
        out["torch"] = str(fw["torch"]["cuda"])
    build = _get(fw, "tensorflow", "build") or {}
    if build.get("is_cuda_build") and build.get("cuda_version"):
        out["tensorflow"] = str(build["cuda_version"])
    return out


def node_gpus(f: Facts) -> list[str]:
    return [
        n["path"]
        for n in _get(f, "host", "device_nodes") or []
        if re.search(r"/nvidia\d+$", n["path"])
    ]


def driver_present(f: Facts) -> bool:
    nvml = f.get("nvml") or {}
    return bool(
        _get(f, "host", "driver")
        or (nvml.get("loaded") and not nvml.get("error"))
        or nvml.get("init_rc") in (4, 18)  # no permission / version mismatch: a driver exists
        or _get(f, "cuda_driver", "init_rc") in (0, 802, 804)
    )


def signs_of_gpu(f: Facts) -> list[str]:
    """Why this machine looks like it wants a GPU (empty: a plain CPU box)."""
    signs = [f"{p} exists" for p in node_gpus(f)]
    signs += [f"{name} is a CUDA {v} build" for name, v in cuda_builds(f).items()]
    nvidia = [
        d["name"] for d in _get(f, "wheels", "dists") or [] if d["name"].startswith("nvidia-")
    ]
    if any(n != "nvidia-ml-py" for n in nvidia):
        signs.append("nvidia-* CUDA wheels installed: " + ", ".join(sorted(set(nvidia))[:4]))
    return signs


def _wanted_severity(f: Facts, gpu_expected: bool) -> str:
    if gpu_expected:
        return "error"
    return "warning" if signs_of_gpu(f) else "info"


# --- rules -----------------------------------------------------------------------------


def rule_no_driver(f: Facts, gpu_expected: bool) -> list[Finding]:
    if driver_present(f):
        return []
    if _get(f, "host", "container", "in_container") and not node_gpus(f):
        return []  # container-gpu-not-exposed says it better
    evidence = [
        "/proc/driver/nvidia/version: missing (no NVIDIA kernel module loaded)",
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
        evidence.append("cudaGetDeviceCount -> 35 (cudaErrorInsufficientDriver)")
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


def _missing_sonames(f: Facts) -> dict[str, list[str]]:
    """soname -> evidence, for CUDA libraries something needed and the loader could not find."""
    missing: dict[str, list[str]] = {}
    if _get(f, "host", "driver") or node_gpus(f):
        if _get(f, "nvml", "loaded") is False:
            missing["libnvidia-ml.so.1"] = [
                f"NVML: {_get(f, 'nvml', 'detail') or 'library not found'}"
            ]
        if _get(f, "cuda_driver", "loaded") is False:
            missing["libcuda.so.1"] = [f"dlopen: {_get(f, 'cuda_driver', 'error')}"]
    texts = [
        str(v)
        for fw in frameworks(f).values()
        for k, v in fw.items()
        if "error" in k or k == "warnings"
    ]
    texts.append(_get(f, "probe", "stderr_tail") or "")
    for text in texts:
        for soname in re.findall(r"(lib[\w+-]+\.so[\w.]*): cannot open shared object file", text):
            missing.setdefault(soname, []).append(text.strip().splitlines()[-1][:300])
        for soname in re.findall(r"Could not load dynamic library '(lib[^']+)'", text):
            missing.setdefault(soname, []).append(
                f"TensorFlow: Could not load dynamic library '{soname}'"
            )
    if cuda_builds(f):
        for key, entry in (_get(f, "trace", "libs") or {}).items():
            if key in ("libcuda", "libnvidia-ml") or entry.get("loaded") or loaded_paths(f, key):
                continue
            for soname in entry.get("not_found") or []:
                missing.setdefault(soname, []).append("LD_DEBUG: searched, not found")
    return missing


def _known_copies(f: Facts, soname: str) -> list[str]:
    dirs = list(_get(f, "host", "lib_dirs") or []) + list(_get(f, "wheels", "lib_dirs") or [])
    out = []
    for entry in dirs:
        # a stub or a cuda-compat libcuda is not a substitute for the driver's own
        if soname.startswith("libcuda.") and re.search(r"/(stubs|compat)(/|$)", entry["dir"]):
            continue
        if soname in entry.get("files", []):
            out.append(str(Path(entry["dir"]) / soname))
    return out


def _lib_fix(soname: str) -> str:
    major = soname.rsplit(".so.", 1)[-1].split(".")[0] if ".so." in soname else "12"
    wheels = {
        "libcudart": "nvidia-cuda-runtime",
        "libcudnn": "nvidia-cudnn",
        "libcublas": "nvidia-cublas",
        "libnccl": "nvidia-nccl",
        "libnvJitLink": "nvidia-nvjitlink",
        "libcusparse": "nvidia-cusparse",
    }
    key = soname.split(".so", 1)[0]
    if key in ("libcuda", "libnvidia-ml"):
        return (
            "This is part of the NVIDIA driver: install the driver's user-space libraries; in a "
            "container run with `--gpus all` and NVIDIA_DRIVER_CAPABILITIES=compute,utility."
        )
    if key in wheels:
        cu = "cu12" if key == "libcudnn" or key == "libnccl" else f"cu{major}"
        return (
            f"pip install {wheels[key]}-{cu} (or the framework's [and-cuda]/cuXXX build), "
            "or add its lib dir to LD_LIBRARY_PATH."
        )
    return "Install the package that provides it, or add its directory to LD_LIBRARY_PATH."


def rule_missing_libs(f: Facts, gpu_expected: bool) -> list[Finding]:
    out = []
    working = all(fw.get("is_available") for fw in frameworks(f).values() if "is_available" in fw)
    for soname, evidence in _missing_sonames(f).items():
        tried = (_get(f, "trace", "libs", soname.split(".so", 1)[0]) or {}).get("tried") or []
        copies = _known_copies(f, soname)
        ld_path = _get(f, "host", "env", "LD_LIBRARY_PATH")
        if copies:
            where = str(Path(copies[0]).parent)
            out.append(
                Finding(
                    "lib-not-on-search-path",
                    "error",
                    f"{soname} exists but the loader does not look there",
                    evidence
                    + [f"found: {c}" for c in copies]
                    + [f"LD_LIBRARY_PATH={ld_path or '(unset)'}", f"{where} is not in ld.so.cache"],
                    f"export LD_LIBRARY_PATH={where}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}} (or "
                    f"add {where} "
                    "to /etc/ld.so.conf.d/ and run ldconfig). CUDA images since 12.8.1 no longer "
                    "list "
                    "/usr/local/nvidia/lib64 (GKE's driver mount).",
                )
            )
        else:
            severity = (
                "warning" if working and evidence == ["LD_DEBUG: searched, not found"] else "error"
            )
            out.append(
                Finding(
                    "lib-not-found",
                    severity,
                    f"{soname} cannot be found",
                    evidence + [f"tried: {t}" for t in tried[-6:]],
                    _lib_fix(soname),
                )
            )
    return out


def rule_duplicate_lib(f: Facts, gpu_expected: bool) -> list[Finding]:
    return [
        Finding(
            "duplicate-lib",
            "error",
            f"Two different copies of {key} are loaded in one process",
            [f"mapped: {p}" for p in paths],
            f"Keep one source of {key}: remove the extra directory from LD_LIBRARY_PATH or "
            "uninstall "
            "the duplicate package (mixing wheel, conda and system CUDA libraries causes this).",
        )
        for key, paths in duplicates(f.get("loaded_libs") or []).items()
    ]


def cudnn_version(value: int) -> Version:
    """cudnnGetVersion() -> (major, minor): 9 encodes 90100 = 9.1.0, 8 encodes 8906 = 8.9.6."""
    return (
        (value // 10000, value % 10000 // 100)
        if value >= 10000
        else (value // 1000, value % 1000 // 100)
    )


def rule_cudnn_mismatch(f: Facts, gpu_expected: bool) -> list[Finding]:
    fw = frameworks(f)
    loaded = _get(f, "cuda_runtime", "cudnn_version")
    where = [f"libcudnn loaded from {p}" for p in loaded_paths(f, "libcudnn")]
    torch = fw.get("torch") or {}
    problems = []
    if "incompatib" in str(torch.get("cudnn_error", "")).lower():
        problems.append(f"torch: {torch['cudnn_error'][:300]}")
    elif torch.get("cudnn_compile") and (torch.get("cudnn") or loaded):
        built = tuple(torch["cudnn_compile"][:2])
        runtime = cudnn_version(int(torch.get("cudnn") or loaded))
        if runtime[0] != built[0] or runtime < built:
            problems.append(
                f"torch was built with cuDNN {_fmt(built)} but loads cuDNN {_fmt(runtime)}"
            )
    build = fw.get("tensorflow", {}).get("build") or {}
    if build.get("cudnn_version") and loaded:
        built = _version(build["cudnn_version"])
        runtime = cudnn_version(int(loaded))
        if built and runtime[0] != built[0]:
            problems.append(
                f"tensorflow was built with cuDNN {build['cudnn_version']} but loads cuDNN "
                f"{_fmt(runtime)}"
            )
    if not problems:
        return []
    return [
        Finding(
            "cudnn-mismatch",
            "error",
            "The loaded cuDNN does not match the framework's build",
            problems + where,
            "Install the cuDNN the framework was built with (e.g. `pip install "
            "nvidia-cudnn-cu12==<that "
            "version>`), or drop the directory holding the other libcudnn from LD_LIBRARY_PATH.",
        )
    ]


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
    allowed = set(compat.load()["gpus"].get("forward_compat_brands") or [])
    evidence = [f"libcuda loaded from {p} (cuda-compat)" for p in compat_libs]
    if 804 in (
        _get(f, "cuda_driver", "init_rc"),
        _get(f, "cuda_runtime", "cudart_device_count_rc"),
    ):
        evidence.append("CUDA error 804: forward compatibility was attempted on non supported HW")
    elif compat_libs:
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


def _visible(entries: list[str], gpu_list: list[dict[str, Any]]) -> tuple[list[str], str | None]:
    """CUDA's parse of CUDA_VISIBLE_DEVICES: it stops at the first invalid entry."""
    visible: list[str] = []
    for entry in entries:
        if entry.isdigit() and int(entry) < len(gpu_list):
            ok = True
        elif entry.upper().startswith(("GPU-", "MIG-")):
            ok = any((g.get("uuid") or "").upper().startswith(entry.upper()) for g in gpu_list)
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


_CU_SUFFIX = re.compile(r"^(nvidia-[a-z0-9-]+?)-cu(\d+)$")


def rule_conflicting_packages(f: Facts, gpu_expected: bool) -> list[Finding]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for dist in _get(f, "wheels", "dists") or []:
        if match := _CU_SUFFIX.match(dist["name"]):
            groups.setdefault(match.group(1), []).append(dict(dist, cu=match.group(2)))
    out = []
    wanted = {str(_version(v)[0]) for v in cuda_builds(f).values() if _version(v)}
    for base, dists in groups.items():
        majors = sorted({d["cu"] for d in dists})
        if len(majors) < 2:
            continue
        extra = [m for m in majors if m not in wanted] if wanted else majors[:-1]
        out.append(
            Finding(
                "conflicting-cuda-packages",
                "error",
                f"{base} is installed for CUDA {' and '.join(majors)}",
                [f"{d['name']} {d['version']} ({d['location']})" for d in dists],
                "pip uninstall "
                + " ".join(f"{base}-cu{m}" for m in extra or majors[:-1])
                + " (keep the one matching your framework's CUDA major).",
            )
        )
    return out


def rule_probe_failed(f: Facts, gpu_expected: bool) -> list[Finding]:
    probe = f.get("probe") or {}
    if not probe.get("error"):
        return []
    tail = [line for line in (probe.get("stderr_tail") or "").splitlines() if line.strip()][-5:]
    return [
        Finding(
            "probe-failed",
            "info",
            f"The interpreter probe did not finish: {probe['error']}",
            [
                f"interpreter: {_get(probe, 'interpreter', 'path')}",
                f"last stage: {probe.get('stage')}",
            ]
            + tail,
            "Facts gathered before the failure are still used. Try --timeout, or --python with "
            "another interpreter.",
        )
    ]


RULES: tuple[Callable[[Facts, bool], list[Finding]], ...] = (
    rule_no_driver,
    rule_container_not_exposed,
    rule_nvml_mismatch,
    rule_driver_too_old,
    rule_missing_libs,
    rule_duplicate_lib,
    rule_cudnn_mismatch,
    rule_arch,
    rule_stub_driver,
    rule_forward_compat,
    rule_visible_devices,
    rule_cpu_build,
    rule_fabric_manager,
    rule_conflicting_packages,
    rule_probe_failed,
)

_ORDER = {"error": 0, "warning": 1, "info": 2}


def evaluate(facts: Facts, gpu_expected: bool) -> list[Finding]:
    """All findings, errors first. A rule that fails on odd facts reports itself, never raises."""
    out: list[Finding] = []
    for rule in RULES:
        try:
            out += rule(facts, gpu_expected)
        except Exception as exc:  # noqa: BLE001 - a rule bug must not hide the other findings
            out.append(
                Finding(
                    "rule-failed", "info", f"{rule.__name__} failed: {type(exc).__name__}: {exc}"
                )
            )
    return sorted(out, key=lambda x: _ORDER.get(x.severity, 3))
