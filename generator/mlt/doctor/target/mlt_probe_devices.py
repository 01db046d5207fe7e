# ruff: noqa: PTH110, PTH112, PTH116, PTH118, PTH119, PTH208, UP031
# (stdlib-only, loaded by mlt_probe.py inside the target interpreter: os.path, %-formatting)
"""Per-device facts the probe reads in the target process: NVML's MIG mode, MIG devices,
compute mode and compute processes of each GPU, and whether this process may open each
/dev/nvidia* node (the check cuInit makes: NVML can answer while it fails).

The helpers of mlt_probe (call, nvml_error, nvml_text) are passed in, so this module imports
nothing from it.
"""

import ctypes
import errno
import os
import re
import stat

NVML_ERROR_NOT_FOUND = 6
NVML_ERROR_INSUFFICIENT_SIZE = 7
NVML_ERROR_GPU_IS_LOST = 15
NODE = re.compile(r"^(nvidia(\d+|ctl|-uvm|-uvm-tools|-modeset)|dxg)$")


class ProcessInfo(ctypes.Structure):  # nvmlProcessInfo_t (v2/v3 layout)
    _fields_ = [
        ("pid", ctypes.c_uint),
        ("usedGpuMemory", ctypes.c_ulonglong),
        ("gpuInstanceId", ctypes.c_uint),
        ("computeInstanceId", ctypes.c_uint),
    ]


def mig(lib, handle, helpers):
    """{'current': 0|1, 'pending': 0|1, 'devices': [{'index', 'uuid', 'name'}]} or None."""
    call, nvml_error, nvml_text = helpers
    current, pending = ctypes.c_uint(), ctypes.c_uint()
    rc = call(lib, "nvmlDeviceGetMigMode", handle, ctypes.byref(current), ctypes.byref(pending))
    if rc != 0:  # NOT_SUPPORTED on GPUs without MIG, FunctionNotFound on old drivers
        return {"error": nvml_error(lib, rc)}
    out = {"current": current.value, "pending": pending.value, "devices": []}
    if current.value != 1:
        return out
    count = ctypes.c_uint()
    if call(lib, "nvmlDeviceGetMaxMigDeviceCount", handle, ctypes.byref(count)) != 0:
        return out
    for index in range(count.value):
        child = ctypes.c_void_p()
        rc = call(
            lib,
            "nvmlDeviceGetMigDeviceHandleByIndex",
            handle,
            ctypes.c_uint(index),
            ctypes.byref(child),
        )
        if rc == NVML_ERROR_NOT_FOUND:
            continue  # an empty slot: no compute instance there
        if rc != 0:
            out.setdefault("errors", []).append(nvml_error(lib, rc))
            continue
        uuid, _ = nvml_text(lib, "nvmlDeviceGetUUID", child)
        name, _ = nvml_text(lib, "nvmlDeviceGetName", child)
        out["devices"].append({"index": index, "uuid": uuid, "name": name})
    return out


def processes(lib, handle, helpers):
    """Compute processes on the GPU: [{'pid', 'used_memory'}], or {'error': ...}."""
    call, nvml_error, _ = helpers
    name = "nvmlDeviceGetComputeRunningProcesses_v3"
    if getattr(lib, name, None) is None:
        name = "nvmlDeviceGetComputeRunningProcesses_v2"
    count = ctypes.c_uint(0)
    rc = call(lib, name, handle, ctypes.byref(count), None)
    if rc == 0:
        return []
    if rc != NVML_ERROR_INSUFFICIENT_SIZE:
        return {"error": nvml_error(lib, rc)}
    count.value = count.value * 2 + 5  # room for processes started meanwhile
    infos = (ProcessInfo * count.value)()
    rc = call(lib, name, handle, ctypes.byref(count), infos)
    if rc != 0:
        return {"error": nvml_error(lib, rc)}
    return [
        {"pid": infos[i].pid, "used_memory": infos[i].usedGpuMemory} for i in range(count.value)
    ]


def nvml_extras(lib, handle, gpu, helpers):
    """Add MIG, compute mode and compute processes to one GPU's facts."""
    call, nvml_error, _ = helpers
    gpu["mig"] = mig(lib, handle, helpers)
    mode = ctypes.c_int()
    rc = call(lib, "nvmlDeviceGetComputeMode", handle, ctypes.byref(mode))
    gpu["compute_mode"] = mode.value if rc == 0 else None
    if rc == NVML_ERROR_GPU_IS_LOST:
        gpu["lost"] = True
    gpu["processes"] = processes(lib, handle, helpers)
    return gpu


def _group(gid):
    try:
        import grp

        return grp.getgrgid(gid).gr_name
    except (ImportError, KeyError):
        return str(gid)


def device_access(root):
    """/dev/nvidia* (and WSL's /dev/dxg) under root: kind, mode, owner, and whether this
    process may open it read-write as CUDA does (EACCES: file mode; EPERM: a cgroup rule)."""
    dev = os.path.join(root or "/", "dev")
    nodes = []
    names = sorted(n for n in os.listdir(dev) if NODE.match(n)) if os.path.isdir(dev) else []
    for name in names:
        path = os.path.join(dev, name)
        node = {"path": "/dev/" + name}
        try:
            info = os.stat(path)
        except OSError as exc:
            node["error"] = errno.errorcode.get(exc.errno, str(exc.errno))
            nodes.append(node)
            continue
        node.update(
            char=stat.S_ISCHR(info.st_mode),
            mode="%04o" % stat.S_IMODE(info.st_mode),
            uid=info.st_uid,
            group=_group(info.st_gid),
        )
        try:
            fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
            os.close(fd)
            node["open"] = "ok"
        except OSError as exc:
            node["open"] = errno.errorcode.get(exc.errno, str(exc.errno))
            node["open_error"] = exc.strerror
        nodes.append(node)
    groups = sorted({_group(g) for g in os.getgroups()})
    return {"nodes": nodes, "uid": os.geteuid(), "groups": groups}
