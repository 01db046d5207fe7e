"""Hand-written doctor facts of a healthy machine, for rule tests to break one section at a time."""

from __future__ import annotations


def facts(**sections) -> dict:
    """A healthy machine (driver 550.54.15, one H100, torch cu124) with sections replaced."""
    base = {
        "host": {
            "driver": {"version": "550.54.15", "flavor": "proprietary"},
            "device_nodes": [
                {"path": "/dev/nvidia0", "rw": True},
                {"path": "/dev/nvidiactl", "rw": True},
            ],
            "container": {"in_container": False, "evidence": []},
            "env": {},
            "lib_dirs": [],
            "ld_cache": [],
        },
        "nvml": {
            "loaded": True,
            "driver_version": "550.54.15",
            "cuda_driver_version": 12040,
            "gpus": [
                {
                    "index": 0,
                    "name": "NVIDIA H100 80GB HBM3",
                    "cc": "9.0",
                    "brand": 14,
                    "uuid": "GPU-8a5c1e2d-0000-1111-2222-333344445555",
                    "fabric": {"error": "Not Supported"},
                }
            ],
        },
        "cuda_driver": {"loaded": True, "init_rc": 0, "driver_version": 12040, "device_count": 1},
        "cuda_runtime": {
            "cudart_version": 12040,
            "cudnn_version": 90100,
            "cudart_device_count_rc": 0,
        },
        "frameworks": {
            "torch": {
                "version": "2.6.0+cu124",
                "cuda": "12.4",
                "cudnn": 90100,
                "cudnn_compile": [9, 1, 0],
                "arch_list": ["sm_80", "sm_90"],
                "is_available": True,
            }
        },
        "loaded_libs": [
            {
                "key": "libcudart",
                "path": "/v/nvidia/cuda_runtime/lib/libcudart.so.12",
                "realpath": "/v/nvidia/cuda_runtime/lib/libcudart.so.12",
            },
            {
                "key": "libcuda",
                "path": "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
                "realpath": "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15",
            },
        ],
        "wheels": {"dists": [], "lib_dirs": []},
        "trace": {"methods": ["LD_DEBUG=libs"], "libs": {}},
        "probe": {"error": None},
    }
    for key, value in sections.items():
        base[key] = value
    return base
