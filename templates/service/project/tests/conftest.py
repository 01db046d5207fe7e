from __future__ import annotations

import os

# The suite computes on the CPU unless DEVICE says otherwise (a GPU runner may set
# DEVICE=cuda); tests marked `gpu` ask for CUDA themselves and run with `pytest -m gpu`.
os.environ.setdefault("DEVICE", "cpu")
