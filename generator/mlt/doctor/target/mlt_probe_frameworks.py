# ruff: noqa: UP031
# (stdlib-only, loaded by mlt_probe.py inside the target interpreter: %-formatting on purpose)
"""The CUDA frameworks the probe imports, one entry each: adding a framework is a few lines.

Each probe function imports its framework and returns plain data (versions, the CUDA and
cuDNN it was built with, what it sees). `run_all` imports each in a daemon thread with its
share of one time budget (what is left of it when its turn comes), so a framework whose
import hangs is abandoned at the end of the budget and the probe still reports the rest.
"""

import threading
import time
import warnings


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
    info["cuda"] = build.get("cuda_version") if build.get("is_cuda_build") else None
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
    try:  # jaxlib's CUDA plugin says what it was built for
        from jax._src.lib import cuda_versions

        if cuda_versions is not None:
            info["cuda"] = str(cuda_versions.cuda_runtime_build_version())
    except Exception:
        pass
    return info


def probe_cupy():
    import cupy

    info = {"version": str(cupy.__version__)}
    runtime = cupy.cuda.runtime
    for key, func in (
        ("cuda_build", lambda: int(runtime.runtimeGetVersion())),
        ("driver", lambda: int(runtime.driverGetVersion())),
        ("device_count", lambda: int(runtime.getDeviceCount())),
        ("cuda_path", lambda: cupy.cuda.get_cuda_path()),
    ):
        try:
            info[key] = func()
        except Exception as exc:
            info[key + "_error"] = "%s: %s" % (type(exc).__name__, exc)
    if info.get("cuda_build"):
        build = info["cuda_build"]
        info["cuda"] = "%d.%d" % (build // 1000, build % 1000 // 10)
    info["is_available"] = bool(info.get("device_count"))
    return info


def probe_onnxruntime():
    import onnxruntime as ort

    # no preload_dlls(): it would load CUDA from where ort looks when asked, not from where
    # the user's program gets it; `mlt doctor -- CMD` traces a real session instead
    info = {"version": str(ort.__version__), "providers": list(ort.get_available_providers())}
    info["device"] = str(ort.get_device())
    return info


# import name -> probe; the order is the import order
REGISTRY = (
    ("torch", probe_torch),
    ("tensorflow", probe_tensorflow),
    ("jax", probe_jax),
    ("cupy", probe_cupy),
    ("onnxruntime", probe_onnxruntime),
)
NAMES = tuple(name for name, _ in REGISTRY)


def installed(name):
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def seconds(value):
    """7.96 -> '8 s', 0.54 -> '0.5 s' (what a person reads, not a raw float)."""
    value = float(value)
    return "%d s" % round(value) if value >= 2 else "%.1f s" % value


def run_one(func, budget):
    """(info, error, timed_out): the probe in a daemon thread, abandoned after `budget` s."""
    box = {}

    def target():
        try:
            box["info"] = func()
        except BaseException as exc:  # noqa: B036 - SystemExit from a framework import too
            box["error"] = "%s: %s" % (type(exc).__name__, exc)

    thread = threading.Thread(target=target, name="mlt-probe-framework", daemon=True)
    thread.start()
    thread.join(budget)
    if thread.is_alive():
        return None, "import still running after %s" % seconds(budget), True
    return box.get("info"), box.get("error"), False


def run_all(wanted, deadline, before_each):
    """{name: info} for every wanted framework that is installed; each import may use what
    is left until `deadline` (time.time())."""
    out = {}
    for name, func in REGISTRY:
        if name not in wanted or not installed(name):
            continue
        before_each(name)
        start = time.time()
        budget = max(0.1, deadline - start)
        info, error, timed_out = run_one(func, budget)
        if info is None:
            info = {"import_error": error}
        if timed_out:
            info["timed_out"] = True
            info["budget_s"] = round(budget, 1)
        info["duration_s"] = round(time.time() - start, 3)
        out[name] = info
    return out
