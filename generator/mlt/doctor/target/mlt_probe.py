# ruff: noqa: PTH100, PTH105, PTH110, PTH112, PTH118, PTH119, PTH120, PTH123, PTH208, UP031
# (stdlib-only probe, kept runnable on old interpreters: os.path and %-formatting on purpose)
"""mlt doctor probe: what the target Python process sees of the GPU stack, as JSON.

Standalone and stdlib-only: `mlt doctor` runs it as `python mlt_probe.py OUT.json` with the
user's interpreter and environment (under LD_DEBUG / strace), so nothing from mlt may be
imported here, and the syntax must stay runnable on older interpreters (3.7+).

Stages, each saved to OUT.json as soon as it is done, so a crash or a timeout in a later
stage (a framework import that segfaults) still leaves the earlier facts behind:
  1. driver: NVML and libcuda through ctypes, by soname (system search, as frameworks do);
  2. wheels: nvidia-* (and framework) distributions on sys.path, nvidia/*/lib dirs;
  3. frameworks: import each installed one (mlt_probe_frameworks.REGISTRY), each with its
     share of the time budget ($MLT_PROBE_BUDGET seconds from the probe's start: what is
     left of it when its turn comes), and record its build info;
  4. libs: when no framework loaded a CUDA runtime, load libcudart / libcudnn ourselves from
     LD_LIBRARY_PATH and the nvidia wheel dirs by path (never the loader cache's first
     copy); with $MLT_PROBE_LOAD, exactly the files a traced command mapped. Then ask every
     loaded runtime library its version and read /proc/self/maps.
"""

import ctypes
import json
import os
import re
import sys
import time

import mlt_probe_devices as devices
import mlt_probe_frameworks as registry

if sys.path and os.path.dirname(os.path.abspath(__file__)) == os.path.abspath(sys.path[0] or "."):
    del sys.path[0]  # the probe's folder must not shadow the user's modules

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
        gpu = {"index": index, "error": nvml_error(lib, rc)}
        if rc == devices.NVML_ERROR_GPU_IS_LOST:  # fell off the bus (Xid 79)
            gpu["lost"] = True
        return gpu
    gpu = {"index": index}
    gpu["name"], rc = nvml_text(lib, "nvmlDeviceGetName", handle)
    if rc == devices.NVML_ERROR_GPU_IS_LOST:
        gpu.update(lost=True, error=nvml_error(lib, rc))
        return gpu
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
    return devices.nvml_extras(lib, handle, gpu, (call, nvml_error, nvml_text))


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
INTERESTING = re.compile(
    r"^(nvidia[-_]|cuda[-_]|torch$|tensorflow|jax|cupy|onnxruntime|tensorrt|tf[-_]nightly)", re.I
)


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


def probe_frameworks(names, deadline):
    RESULT["frameworks"] = {}

    def before_each(name):
        RESULT["frameworks"][name] = {"importing": True}
        save("framework:" + name)  # if the import crashes, this says which one

    RESULT["frameworks"] = registry.run_all(names, deadline, before_each)


# --- stage 4: libraries ----------------------------------------------------------------

# key, sonames newest first, the nvidia wheel folders (nvidia/<pkg>/lib) that ship them
SPECULATIVE = (
    (
        "libcudart",
        ("libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"),
        ("cu13", "cuda_runtime"),
    ),
    ("libcudnn", ("libcudnn.so.9", "libcudnn.so.8"), ("cu13", "cudnn")),
)
MAPS_LIMIT = 8 << 20


def read_maps(pid="self"):
    with open("/proc/%s/maps" % pid, "rb") as handle:
        text = handle.read(MAPS_LIMIT).decode("utf-8", "replace")
    libs, seen = [], set()
    for line in text.splitlines():
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


def preferred_major():
    """The CUDA major to try first: the frameworks' build, else the driver's."""
    for info in (RESULT.get("frameworks") or {}).values():
        cuda = info.get("cuda") if isinstance(info, dict) else None
        if cuda:
            return str(cuda).split(".")[0]
    for section, key in (("cuda_driver", "driver_version"), ("nvml", "cuda_driver_version")):
        value = (RESULT.get(section) or {}).get(key)
        if value:
            return str(value // 1000)
    return None


def speculative_loads(wheels):
    """Load libcudart / libcudnn the way the project would find them, by absolute path.

    Only from LD_LIBRARY_PATH (the user asked the loader to look there) and the target
    interpreter's nvidia wheels; never by bare soname, which would pick whatever the system
    loader cache lists first (a host CUDA toolkit the project never uses).
    """
    ld_dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    wheel_dirs = [d["dir"] for d in (wheels or {}).get("lib_dirs", [])]
    major = preferred_major()
    attempts = []
    for key, sonames, packages in SPECULATIVE:
        record = {"key": key, "tried": [], "loaded": None, "via": None}
        if major:  # stable sort: the preferred major first, the rest newest first
            sonames = sorted(sonames, key=lambda s: s.split(".so.")[1].split(".")[0] != major)
        dirs = [(d, "LD_LIBRARY_PATH") for d in ld_dirs] + [
            (d, "wheel") for d in wheel_dirs if os.path.basename(os.path.dirname(d)) in packages
        ]
        for soname in sonames:
            for folder, via in dirs:
                path = os.path.join(folder, soname)
                if not os.path.exists(path):
                    continue
                record["tried"].append(path)
                if cdll(path)[0] is not None:
                    record.update(loaded=path, via=via)
                    break
            if record["loaded"]:
                break
        attempts.append(record)
    return attempts


def load_exact(paths):
    """Load the files another process mapped (`-- CMD`), to ask them their versions."""
    return [{"path": p, "error": cdll(p)[1]} for p in paths if p]


def _int_call(lib, name):
    value = ctypes.c_int()
    rc = call(lib, name, ctypes.byref(value))
    return (value.value if rc == 0 else None), rc


def runtime_versions(maps, order=()):
    """Ask each loaded runtime library (every mapped copy) for its own version.

    `order`: the files in the order the traced program loaded them (the first copy of a
    library is the one its symbols resolve to); else the maps order.
    """
    out = {"cudart_versions": {}, "cudnn_versions": {}}
    by_key = {}
    rank = {os.path.realpath(p): i for i, p in enumerate(order)}
    maps = sorted(maps, key=lambda lib: rank.get(lib["realpath"], len(rank)))
    for lib in maps:
        by_key.setdefault(lib["key"], [])
        if lib["path"] not in by_key[lib["key"]]:
            by_key[lib["key"]].append(lib["path"])
    for path in by_key.get("libcudart", []):
        lib, _ = cdll(path)
        version, _ = _int_call(lib, "cudaRuntimeGetVersion")
        out["cudart_versions"][path] = version
        if "cudart_version" in out:
            continue  # the first copy is the one symbols resolve to
        out["cudart_version"] = version
        drv, _ = _int_call(lib, "cudaDriverGetVersion")
        if drv is not None:
            out["cudart_driver_version"] = drv
        count, rc = _int_call(lib, "cudaGetDeviceCount")
        out["cudart_device_count_rc"] = rc
        if rc == 0:
            out["cudart_device_count"] = count
    for path in by_key.get("libcudnn", []):
        lib, _ = cdll(path)
        func = getattr(lib, "cudnnGetVersion", None)
        if func is not None:
            func.restype = ctypes.c_size_t
            out["cudnn_versions"][path] = int(func())
            out.setdefault("cudnn_version", int(func()))
    if "libnccl" in by_key:
        lib, _ = cdll(by_key["libnccl"][0])
        version, rc = _int_call(lib, "ncclGetVersion")
        if version is not None:
            out["nccl_version"] = version
    return out


def main(argv):
    global OUT
    OUT = argv[1] if len(argv) > 1 and argv[1] != "-" else None
    default = ",".join(registry.NAMES)
    frameworks = os.environ.get("MLT_PROBE_FRAMEWORKS", default).split(",")
    deadline = time.time() + float(os.environ.get("MLT_PROBE_BUDGET") or 30)
    exact = [p for p in os.environ.get("MLT_PROBE_LOAD", "").split(os.pathsep) if p]
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
    root = os.environ.get("MLT_PROBE_ROOT") or "/"
    RESULT["devices"] = guarded("devices", devices.device_access, root)
    save("driver")
    RESULT["wheels"] = guarded("wheels", probe_wheels)
    save("wheels")
    wanted = [f.strip() for f in frameworks if f.strip()]
    guarded("frameworks", probe_frameworks, wanted, deadline)
    save("frameworks")
    if exact:
        RESULT["loaded_exact"] = guarded("loaded_exact", load_exact, exact)
    maps = guarded("maps", read_maps) or []
    if not exact and not any(lib["key"] == "libcudart" for lib in maps):
        RESULT["speculative"] = guarded("speculative", speculative_loads, RESULT.get("wheels"))
        maps = guarded("maps", read_maps) or []
    RESULT["loaded_libs"] = maps
    RESULT["cuda_runtime"] = guarded("cuda_runtime", runtime_versions, maps, exact)
    RESULT["duration_s"] = round(time.time() - start, 3)
    save("done")
    if OUT is None:
        sys.stdout.write(json.dumps(RESULT, default=str) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    # a framework import abandoned in its thread, or a library's atexit handler, must not
    # keep the probe alive once its result is saved
    os._exit(code)
