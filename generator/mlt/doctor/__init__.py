"""`mlt doctor --gpu`: why can't this process use CUDA? Facts, then findings with fixes.

Layout: facts.py (host, under --root), probe.py (runs inside the target interpreter),
runner.py (starts it under LD_DEBUG/strace), trace.py (parsers), nvml.py (pynvml fallback),
rules.py (facts -> findings), diagnose.py (ties them together), report.py (human output),
container.py (--image).
"""

from mlt.doctor.diagnose import SCHEMA, Options, diagnose

__all__ = ["SCHEMA", "Options", "diagnose"]
