"""A fake `torch` for doctor tests: the attributes the probe reads, set from FAKE_TORCH_* env.

When it claims a CUDA build it loads libcudart.so.12 / libcudnn.so.9 through the loader
(ctypes), like the real wheel, so LD_DEBUG, strace and /proc/self/maps see them.
"""

import ctypes
import os
import time
import types

if os.environ.get("FAKE_TORCH_SLEEP"):  # a hanging import, for the probe timeout
    time.sleep(float(os.environ["FAKE_TORCH_SLEEP"]))
if os.environ.get("FAKE_TORCH_HANG_GIL"):  # a C call that never returns, GIL held
    ctypes.PyDLL(None).sleep(int(os.environ["FAKE_TORCH_HANG_GIL"]))
if os.environ.get("FAKE_TORCH_SEGFAULT"):  # a crashing import, for probe-failed
    ctypes.string_at(0)

__version__ = os.environ.get("FAKE_TORCH_VERSION", "2.6.0+cu124")
_CUDA = os.environ.get("FAKE_TORCH_CUDA", "12.4") or None

_cudnn_lib = None
if _CUDA:
    ctypes.CDLL("libcudart.so.12")
    _cudnn_lib = ctypes.CDLL("libcudnn.so.9")
    _cudnn_lib.cudnnGetVersion.restype = ctypes.c_size_t
for _extra in filter(None, os.environ.get("FAKE_TORCH_EXTRA_LIBS", "").split(",")):
    ctypes.CDLL(_extra)  # e.g. a second libcudart by absolute path: duplicate-lib

version = types.SimpleNamespace(cuda=_CUDA, hip=None)


def _cudnn_version():
    return int(_cudnn_lib.cudnnGetVersion()) if _cudnn_lib else None


backends = types.SimpleNamespace(cudnn=types.SimpleNamespace(version=_cudnn_version))
_compile = os.environ.get("FAKE_TORCH_CUDNN_COMPILE", "9.1.0")
_C = types.SimpleNamespace(
    _cudnn=types.SimpleNamespace(
        getCompileVersion=lambda: tuple(int(p) for p in _compile.split("."))
    )
)


def _available():
    return bool(_CUDA) and os.environ.get("FAKE_TORCH_AVAILABLE", "1") == "1"


def _capability(index):
    major, minor = os.environ.get("FAKE_TORCH_CC", "9.0").split(".")
    return (int(major), int(minor))


cuda = types.SimpleNamespace(
    is_available=_available,
    device_count=lambda: 1 if _available() else 0,
    get_arch_list=lambda: (
        os.environ.get("FAKE_TORCH_ARCH", "sm_80 sm_86 sm_90").split() if _CUDA else []
    ),
    get_device_capability=_capability,
)
