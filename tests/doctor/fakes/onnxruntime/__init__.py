"""A fake `onnxruntime-gpu` for doctor tests: what the framework registry's probe reads."""

__version__ = "1.22.0"


def get_available_providers():
    return ["CUDAExecutionProvider", "CPUExecutionProvider"]


def get_device():
    return "GPU"
