# ruff: noqa: PTH105, PTH110, PTH112, PTH118, PTH119, PTH120, PTH123, PTH208, UP031
# (stdlib-only probe, kept runnable on old interpreters: os.path and %-formatting on purpose)
"""mlt doctor probe: what the target Python process sees of the GPU stack, as JSON.

Standalone and stdlib-only: `mlt doctor` runs it as `python probe.py OUT.json` with the
user's interpreter and environment (under LD_DEBUG / strace), so nothing from mlt may be
imported here, and the syntax must stay runnable on older interpreters (3.7+).

Stages, each saved to OUT.json as soon as it is done, so a crash or a timeout in a later
stage (a framework import that segfaults) still leaves the earlier facts behind:
  1. driver: NVML and libcuda through ctypes, by soname (system search, as frameworks do);
  2. wheels: nvidia-* (and framework) distributions on sys.path, nvidia/*/lib dirs;
  3. frameworks: import torch / tensorflow / jax when installed, record their build info;
  4. libs: when no framework loaded a CUDA runtime, try libcudart / libcudnn ourselves
     (by soname, then from the nvidia wheel dirs, the way frameworks preload them);
     then ask every loaded runtime library its version and read /proc/self/maps.
"""

import ctypes
import json
import os
import re
import sys
import time
import warnings

RESULT = {"schema": "mlt.doctor.probe/1", "stage": "start", "errors": {}}
OUT = None

# Library names (the part before ".so") that count as the CUDA stack.
CUDA_LIB = re.compile(
    r"^lib(cuda|cudart|cublas\w*|cudnn\w*|cufft\w*|curand|cusolver\w*|cusparse\w*|cupti|"
    r"cufile\w*|nccl|nvidia-ml|nvJitLink|nvrtc\w*|nvToolsExt|nvjpeg)$"
)
# Wheels vendored by old torch builds carry a hash: libcudart-9335f6a2.so.12.
HASHED = re.compile(r"-[0-9a-f]{8}$")

NVML_ERRORS = {
    1: "Uninitialized",
    2: "InvalidArgument",
    3: "NotSupported",
    4: "NoPermission",
    9: "DriverNotLoaded",
    12: "LibraryNotFound",
    13: "FunctionNotFound",
    18: "LibRmVersionMismatch",
    999: "Unknown",
}


def lib_key(path):
    """'/x/libcudart-9335f6a2.so.12.1' -> 'libcudart' (None for a non-CUDA library)."""
    base = os.path.basename(path)
    if ".so" not in base:
        return None
    name = HASHED.sub("", base.split(".so", 1)[0])
    return name if CUDA_LIB.match(name) else None


def save(stage):
    RESULT["stage"] = stage
    if OUT is None:
        return
    tmp = OUT + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(RESULT, handle, default=str)
    os.replace(tmp, OUT)


def guarded(name, func, *args):
    """Run one collector; an exception becomes an error entry instead of ending the probe."""
    try:
        return func(*args)
    except BaseException as exc:  # noqa: B036 - SystemExit from a framework import too
        RESULT["errors"][name] = "%s: %s" % (type(exc).__name__, exc)
        return None


def cdll(name):
    """Load a library; returns (handle, error text)."""
    try:
        return ctypes.CDLL(name), None
    except OSError as exc:
        return None, str(exc)


def call(lib, name, *args):
    """Call a C function returning an int status; 'missing' when the symbol is absent."""
    func = getattr(lib, name, None) if lib is not None else None
    if func is None:
        return "missing"
    func.restype = ctypes.c_int
    return func(*args)


# --- stage 1: driver -------------------------------------------------------------------


class NvmlMemory(ctypes.Structure):
    _fields_ = [
        ("total", ctypes.c_ulonglong),
        ("free", ctypes.c_ulonglong),
        ("used", ctypes.c_ulonglong),
    ]


class NvmlFabricInfo(ctypes.Structure):
    _fields_ = [
        ("clusterUuid", ctypes.c_uint8 * 16),
        ("status", ctypes.c_int),
        ("cliqueId", ctypes.c_uint32),
        ("state", ctypes.c_uint8),
    ]


def nvml_text(lib, name, *args):
    buf = ctypes.create_string_buffer(256)
    rc = call(lib, name, *(args + (buf, ctypes.c_uint(256))))
    return (buf.value.decode("utf-8", "replace") if rc == 0 else None), rc


def nvml_error(lib, rc):
    if rc == "missing":
        return "FunctionNotFound"
    func = getattr(lib, "nvmlErrorString", None)
    if func is not None:
        func.restype = ctypes.c_char_p
        try:
            return (func(rc) or b"").decode("utf-8", "replace") or NVML_ERRORS.get(rc, str(rc))
        except Exception:
            pass
    return NVML_ERRORS.get(rc, str(rc))


def nvml_device(lib, index, errors):
    handle = ctypes.c_void_p()
    rc = call(lib, "nvmlDeviceGetHandleByIndex_v2", ctypes.c_uint(index), ctypes.byref(handle))
    if rc != 0:
        errors["handle%d" % index] = nvml_error(lib, rc)
        return {"index": index}
    gpu = {"index": index}
    gpu["name"], _ = nvml_text(lib, "nvmlDeviceGetName", handle)
    gpu["uuid"], _ = nvml_text(lib, "nvmlDeviceGetUUID", handle)
    major, minor = ctypes.c_int(), ctypes.c_int()
    rc = call(
        lib, "nvmlDeviceGetCudaComputeCapability", handle, ctypes.byref(major), ctypes.byref(minor)
    )
    gpu["cc"] = "%d.%d" % (major.value, minor.value) if rc == 0 else None
    mem = NvmlMemory()
    rc = call(lib, "nvmlDeviceGetMemoryInfo", handle, ctypes.byref(mem))
    gpu["memory_total"] = mem.total if rc == 0 else None
    brand = ctypes.c_int()
    rc = call(lib, "nvmlDeviceGetBrand", handle, ctypes.byref(brand))
    gpu["brand"] = brand.value if rc == 0 else None
    fabric = NvmlFabricInfo()
    rc = call(lib, "nvmlDeviceGetGpuFabricInfo", handle, ctypes.byref(fabric))
    if rc == 0:
        gpu["fabric"] = {"state": fabric.state, "status": fabric.status}
    else:
        gpu["fabric"] = {"error": nvml_error(lib, rc)}
    return gpu


def probe_nvml():
    lib, err = cdll("libnvidia-ml.so.1")
    if lib is None:
        return {"loaded": False, "error": "LibraryNotFound", "detail": err}
    out = {"loaded": True, "errors": {}}
    init = "nvmlInitWithFlags" if hasattr(lib, "nvmlInitWithFlags") else "nvmlInit_v2"
    rc = call(lib, init, ctypes.c_uint(0)) if init == "nvmlInitWithFlags" else call(lib, init)
    if rc != 0:
        out.update(init_rc=rc if rc != "missing" else 13, error=nvml_error(lib, rc))
        return out
    out["driver_version"], _ = nvml_text(lib, "nvmlSystemGetDriverVersion")
    for key, name in (
        ("cuda_driver_version", "nvmlSystemGetCudaDriverVersion"),
        ("cuda_driver_version_v2", "nvmlSystemGetCudaDriverVersion_v2"),
    ):
        value = ctypes.c_int()
        rc = call(lib, name, ctypes.byref(value))
        out[key] = value.value if rc == 0 else None
        if rc != 0:
            out["errors"][key] = nvml_error(lib, rc)
    count = ctypes.c_uint()
    rc = call(lib, "nvmlDeviceGetCount_v2", ctypes.byref(count))
    if rc != 0:
        out["errors"]["count"] = nvml_error(lib, rc)
        out["gpus"] = []
    else:
        out["gpus"] = [nvml_device(lib, i, out["errors"]) for i in range(count.value)]
    call(lib, "nvmlShutdown")
    return out


def probe_libcuda():
    lib, err = cdll("libcuda.so.1")
    if lib is None:
        return {"loaded": False, "error": err}
    out = {"loaded": True}
    version = ctypes.c_int()
    if call(lib, "cuDriverGetVersion", ctypes.byref(version)) == 0:
        out["driver_version"] = version.value
    rc = call(lib, "cuInit", ctypes.c_uint(0))
    out["init_rc"] = rc
    if rc not in (0, "missing"):
        name = ctypes.c_char_p()
        if call(lib, "cuGetErrorName", ctypes.c_int(rc), ctypes.byref(name)) == 0 and name.value:
            out["init_error"] = name.value.decode("utf-8", "replace")
    else:
        count = ctypes.c_int()
        if call(lib, "cuDeviceGetCount", ctypes.byref(count)) == 0:
            out["device_count"] = count.value
    return out


# --- stage 2: wheels -------------------------------------------------------------------

DIST = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+)\.(dist|egg)-info$")
INTERESTING = re.compile(r"^(nvidia[-_]|torch$|tensorflow|jax|cupy|tf[-_]nightly)", re.I)


def probe_wheels():
    dists, lib_dirs, seen = [], [], set()
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for name in names:
            match = DIST.match(name)
            if not match:
                continue
            dist = match.group("name").replace("_", "-").lower()
            if INTERESTING.match(dist) and (dist, entry) not in seen:
                seen.add((dist, entry))
                dists.append({"name": dist, "version": match.group("version"), "location": entry})
        nvidia = os.path.join(entry, "nvidia")
        if os.path.isdir(nvidia):
            for pkg in sorted(os.listdir(nvidia)):
                lib = os.path.join(nvidia, pkg, "lib")
                if os.path.isdir(lib):
                    lib_dirs.append({"dir": lib, "files": sorted(os.listdir(lib))})
    return {"dists": dists, "lib_dirs": lib_dirs}


# --- stage 3: frameworks ---------------------------------------------------------------


def find_spec(name):
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def probe_torch():
    info = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import torch

        info["version"] = str(torch.__version__)
        info["cuda"] = getattr(torch.version, "cuda", None)
        info["hip"] = getattr(torch.version, "hip", None)
        for key, func in (
            ("cudnn", lambda: torch.backends.cudnn.version()),
            ("cudnn_compile", lambda: list(torch._C._cudnn.getCompileVersion())),
            ("arch_list", lambda: list(torch.cuda.get_arch_list())),
            ("is_available", lambda: bool(torch.cuda.is_available())),
            ("device_count", lambda: int(torch.cuda.device_count())),
        ):
            try:
                info[key] = func()
            except Exception as exc:
                info[key + "_error"] = "%s: %s" % (type(exc).__name__, exc)
        if info.get("is_available"):
            caps = []
            for index in range(info.get("device_count") or 0):
                try:
                    caps.append("%d.%d" % tuple(torch.cuda.get_device_capability(index)))
                except Exception as exc:
                    info["capability_error"] = str(exc)
            info["capabilities"] = caps
    info["warnings"] = [str(w.message)[:500] for w in caught]
    return info


def probe_tensorflow():
    import tensorflow as tf

    info = {"version": str(tf.__version__)}
    build = dict(tf.sysconfig.get_build_info())
    info["build"] = {
        k: (v if isinstance(v, (str, int, bool, list)) else str(v)) for k, v in build.items()
    }
    info["gpus"] = [d.name for d in tf.config.list_physical_devices("GPU")]
    return info


def probe_jax():
    import jax

    info = {"version": str(jax.__version__)}
    try:
        info["backend"] = jax.default_backend()
        info["devices"] = [str(d) for d in jax.devices()]
    except Exception as exc:
        info["backend_error"] = "%s: %s" % (type(exc).__name__, exc)
    return info


def probe_frameworks(names):
    RESULT["frameworks"] = {}
    for name, func in (
        ("torch", probe_torch),
        ("tensorflow", probe_tensorflow),
        ("jax", probe_jax),
    ):
        if name not in names or not find_spec(name):
            continue
        start = time.time()
        RESULT["frameworks"][name] = {"importing": True}
        save("framework:" + name)  # if the import crashes, this says which one
        info = guarded("framework:" + name, func)
        if info is None:
            info = {"import_error": RESULT["errors"].pop("framework:" + name)}
        info["duration_s"] = round(time.time() - start, 3)
        RESULT["frameworks"][name] = info


# --- stage 4: libraries ----------------------------------------------------------------

# soname candidates newest first, and the nvidia wheel package that ships each
SPECULATIVE = (
    (
        "libcudart",
        ("libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"),
        ("cu13", "cuda_runtime"),
    ),
    ("libcudnn", ("libcudnn.so.9", "libcudnn.so.8"), ("cudnn",)),
)


def read_maps():
    libs, seen = [], set()
    with open("/proc/self/maps") as handle:
        for line in handle:
            parts = line.split(None, 5)
            if len(parts) < 6:
                continue
            path = parts[5].strip()
            if path in seen or not path.startswith("/"):
                continue
            seen.add(path)
            key = lib_key(path)
            if key:
                libs.append({"key": key, "path": path, "realpath": os.path.realpath(path)})
    return libs


def driver_major():
    """CUDA major of the driver (libcuda, else NVML), to try the runtime it can run first."""
    for section, key in (("cuda_driver", "driver_version"), ("nvml", "cuda_driver_version")):
        value = (RESULT.get(section) or {}).get(key)
        if value:
            return str(value // 1000)
    return None


def speculative_loads(wheels):
    attempts = []
    dirs = [d["dir"] for d in (wheels or {}).get("lib_dirs", [])]
    major = driver_major()
    for key, sonames, packages in SPECULATIVE:
        record = {"key": key, "tried": [], "loaded": None, "via": None}
        if key == "libcudart" and major:
            # stable sort: the driver's own major first, the rest newest first
            sonames = sorted(sonames, key=lambda s: s.split(".so.")[1].split(".")[0] != major)
        for soname in sonames:
            record["tried"].append(soname)
            lib, err = cdll(soname)
            if lib is not None:
                record.update(loaded=soname, via="loader")
                break
            candidates = [
                os.path.join(d, soname)
                for d in dirs
                if os.path.basename(os.path.dirname(d)) in packages
            ]
            for path in candidates:
                if os.path.exists(path):
                    record["tried"].append(path)
                    if cdll(path)[0] is not None:
                        record.update(loaded=path, via="wheel")
                        break
            if record["loaded"]:
                break
        attempts.append(record)
    return attempts


def runtime_versions(maps):
    """Ask each loaded runtime library (by its mapped path) for its own version."""
    out = {}
    paths = {}
    for lib in maps:
        paths.setdefault(lib["key"], lib["path"])
    if "libcudart" in paths:
        lib, _ = cdll(paths["libcudart"])
        value = ctypes.c_int()
        if call(lib, "cudaRuntimeGetVersion", ctypes.byref(value)) == 0:
            out["cudart_version"] = value.value
        if call(lib, "cudaDriverGetVersion", ctypes.byref(value)) == 0:
            out["cudart_driver_version"] = value.value
        rc = call(lib, "cudaGetDeviceCount", ctypes.byref(value))
        out["cudart_device_count_rc"] = rc
        if rc == 0:
            out["cudart_device_count"] = value.value
    if "libcudnn" in paths:
        lib, _ = cdll(paths["libcudnn"])
        func = getattr(lib, "cudnnGetVersion", None)
        if func is not None:
            func.restype = ctypes.c_size_t
            out["cudnn_version"] = int(func())
    if "libnccl" in paths:
        lib, _ = cdll(paths["libnccl"])
        value = ctypes.c_int()
        if call(lib, "ncclGetVersion", ctypes.byref(value)) == 0:
            out["nccl_version"] = value.value
    return out


def main(argv):
    global OUT
    OUT = argv[1] if len(argv) > 1 and argv[1] != "-" else None
    frameworks = os.environ.get("MLT_PROBE_FRAMEWORKS", "torch,tensorflow,jax").split(",")
    RESULT["python"] = {
        "executable": sys.executable,
        "realpath": os.path.realpath(sys.executable),
        "version": sys.version.split()[0],
        "prefix": sys.prefix,
        "pid": os.getpid(),
    }
    start = time.time()
    RESULT["nvml"] = guarded("nvml", probe_nvml)
    RESULT["cuda_driver"] = guarded("cuda_driver", probe_libcuda)
    save("driver")
    RESULT["wheels"] = guarded("wheels", probe_wheels)
    save("wheels")
    guarded("frameworks", probe_frameworks, [f.strip() for f in frameworks if f.strip()])
    save("frameworks")
    maps = guarded("maps", read_maps) or []
    if not any(lib["key"] == "libcudart" for lib in maps):
        RESULT["speculative"] = guarded("speculative", speculative_loads, RESULT.get("wheels"))
        maps = guarded("maps", read_maps) or []
    RESULT["loaded_libs"] = maps
    RESULT["cuda_runtime"] = guarded("cuda_runtime", runtime_versions, maps)
    RESULT["duration_s"] = round(time.time() - start, 3)
    save("done")
    if OUT is None:
        sys.stdout.write(json.dumps(RESULT, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
