"""`mlt doctor --gpu`: why can't this process use CUDA? Facts, then findings with fixes.

Layout: facts.py (host, under --root), target/ (stdlib-only scripts that run inside the
target interpreter: mlt_probe.py, its framework registry, the exit hook of a traced command),
runner.py (starts them under LD_DEBUG/strace), command.py (`-- CMD`), bounded.py (reads and
subprocesses that always end), trace.py (parsers), nvml.py (pynvml fallback), rules/ (facts
-> findings, linked to their root causes), diagnose.py (ties them together), report.py
(human output), container.py (--image).
"""

from mlt.doctor.diagnose import SCHEMA, Options, diagnose

__all__ = ["SCHEMA", "Options", "diagnose"]
