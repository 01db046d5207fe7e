"""NVML through pynvml in the mlt process, in the same shape as the probe's 'nvml' section.

The probe's NVML view (the target interpreter's loader and environment) is preferred; this
adapter fills in when the probe died before reporting NVML (interpreter missing, crash).
"""

from __future__ import annotations

from typing import Any

BRANDS = {
    0: "unknown",
    1: "quadro",
    2: "tesla",
    3: "nvs",
    4: "grid",
    5: "geforce",
    6: "titan",
    7: "nvidia_vapps",
    8: "nvidia_vpc",
    9: "nvidia_vcs",
    10: "nvidia_vws",
    11: "nvidia_cloud_gaming",
    12: "quadro_rtx",
    13: "nvidia_rtx",
    14: "nvidia",
    15: "geforce_rtx",
    16: "titan_rtx",
    17: "nvidia_dla",
    18: "nvidia_vgamedev",
    19: "nvidia_npu",
}  # pynvml NVML_BRAND_* constants, lower-cased without the prefix

FABRIC_STATES = {0: "not-supported", 1: "not-started", 2: "in-progress", 3: "completed"}


def brand_name(brand: int | str | None) -> str | None:
    """NVML brand number -> 'tesla', 'geforce', ... (names pass through)."""
    if brand is None or isinstance(brand, str):
        return brand
    return BRANDS.get(brand, str(brand))


def _error(exc: Exception) -> str:
    name = type(exc).__name__
    return name.removeprefix("NVMLError_") if name.startswith("NVMLError_") else str(exc)


def _mig(pynvml: Any, handle: Any) -> dict[str, Any]:
    try:
        current, pending = pynvml.nvmlDeviceGetMigMode(handle)
    except pynvml.NVMLError as exc:
        return {"error": _error(exc)}
    out: dict[str, Any] = {"current": current, "pending": pending, "devices": []}
    if current != pynvml.NVML_DEVICE_MIG_ENABLE:
        return out
    for index in range(pynvml.nvmlDeviceGetMaxMigDeviceCount(handle)):
        try:
            child = pynvml.nvmlDeviceGetMigDeviceHandleByIndex(handle, index)
        except pynvml.NVMLError:
            continue  # NOT_FOUND: an empty slot
        out["devices"].append(
            {
                "index": index,
                "uuid": pynvml.nvmlDeviceGetUUID(child),
                "name": pynvml.nvmlDeviceGetName(child),
            }
        )
    return out


def _extras(pynvml: Any, handle: Any, gpu: dict[str, Any]) -> None:
    """MIG mode and devices, compute mode, compute processes (as the probe reads them)."""
    gpu["mig"] = _mig(pynvml, handle)
    try:
        gpu["compute_mode"] = int(pynvml.nvmlDeviceGetComputeMode(handle))
    except pynvml.NVMLError:
        gpu["compute_mode"] = None
    try:
        gpu["processes"] = [
            {"pid": p.pid, "used_memory": p.usedGpuMemory}
            for p in pynvml.nvmlDeviceGetComputeRunningProcesses(handle)
        ]
    except pynvml.NVMLError as exc:
        gpu["processes"] = {"error": _error(exc)}


def _device(pynvml: Any, index: int) -> dict[str, Any]:
    gpu: dict[str, Any] = {"index": index}
    try:
        handle = pynvml.nvmlDeviceGetHandleByIndex(index)
    except pynvml.NVMLError as exc:
        if getattr(exc, "value", None) != pynvml.NVML_ERROR_GPU_IS_LOST:
            raise
        return {"index": index, "lost": True, "error": _error(exc)}
    for key, call in (
        ("name", lambda: pynvml.nvmlDeviceGetName(handle)),
        ("uuid", lambda: pynvml.nvmlDeviceGetUUID(handle)),
        ("cc", lambda: "{}.{}".format(*pynvml.nvmlDeviceGetCudaComputeCapability(handle))),
        ("memory_total", lambda: int(pynvml.nvmlDeviceGetMemoryInfo(handle).total)),
        ("brand", lambda: int(pynvml.nvmlDeviceGetBrand(handle))),
    ):
        try:
            gpu[key] = call()
        except pynvml.NVMLError as exc:
            gpu[key] = None
            gpu.setdefault("errors", {})[key] = _error(exc)
    try:
        info = pynvml.c_nvmlGpuFabricInfo_t()
        pynvml.nvmlDeviceGetGpuFabricInfo(handle, pynvml.byref(info))
        gpu["fabric"] = {"state": int(info.state), "status": int(info.status)}
    except pynvml.NVMLError as exc:
        gpu["fabric"] = {"error": _error(exc)}
    _extras(pynvml, handle, gpu)
    return gpu


def collect() -> dict[str, Any]:
    """NVML facts; never raises (a missing library or function becomes an error entry)."""
    try:
        import pynvml
    except ImportError:
        return {"loaded": False, "error": "pynvml not installed", "source": "pynvml"}
    out: dict[str, Any] = {"source": "pynvml", "errors": {}}
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        code = getattr(exc, "value", None)
        out.update(
            loaded=code != pynvml.NVML_ERROR_LIBRARY_NOT_FOUND, error=_error(exc), init_rc=code
        )
        return out
    out["loaded"] = True
    try:
        out["driver_version"] = pynvml.nvmlSystemGetDriverVersion()
        for key, name in (
            ("cuda_driver_version", "nvmlSystemGetCudaDriverVersion"),
            ("cuda_driver_version_v2", "nvmlSystemGetCudaDriverVersion_v2"),
        ):
            try:
                out[key] = getattr(pynvml, name)()
            except pynvml.NVMLError as exc:
                out[key] = None
                out["errors"][key] = _error(exc)
        out["gpus"] = [_device(pynvml, i) for i in range(pynvml.nvmlDeviceGetCount())]
    except pynvml.NVMLError as exc:
        out["errors"]["devices"] = _error(exc)
        out.setdefault("gpus", [])
    finally:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:
            pass
    return out
