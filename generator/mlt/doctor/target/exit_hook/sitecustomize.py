# ruff: noqa: PTH100, PTH118, PTH120, PTH123, UP031
"""Put on PYTHONPATH of a command traced by `mlt doctor --gpu -- CMD`: at interpreter exit,
copy /proc/self/maps to $MLT_DOCTOR_MAPS_DIR, so libraries loaded after the last sample (or
unloaded before it) are still seen. Then hands over to the user's own sitecustomize.
"""

import atexit
import os
import sys


def _dump_maps():
    folder = os.environ.get("MLT_DOCTOR_MAPS_DIR")
    if not folder:
        return
    try:
        with open("/proc/self/maps", "rb") as src:
            data = src.read(8 << 20)
        with open(os.path.join(folder, "exit-%d.maps" % os.getpid()), "wb") as dst:
            dst.write(data)
    except OSError:
        pass


atexit.register(_dump_maps)

_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
_self = sys.modules.pop("sitecustomize", None)
try:  # the user's (or the distribution's) sitecustomize, as if we were never here
    import sitecustomize  # noqa: F401
except ImportError:
    # none: the import machinery expects this module back under its name
    sys.modules["sitecustomize"] = _self
