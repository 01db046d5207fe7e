"""Ctrl-C while `mlt` is still loading its modules exits 130 with one line, no traceback.

Deterministic: an import hook sends the SIGINT exactly when a given module starts loading,
in a process that starts like the `mlt` script (argv[0] "mlt", `from mlt.cli import main`).
(Before mlt's own first line runs, only the interpreter's start-up is left: its few ms are
outside any program's reach.)
"""

from __future__ import annotations

import subprocess
import sys

import pytest

LAUNCH = """
import os, signal, sys
class Trap:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Trap())
sys.argv = ["mlt", *{args!r}]
from mlt.cli import main
main()
"""


@pytest.mark.parametrize(
    "module", ["mlt.cli", "click", "typer", "mlt.cli.root", "mlt.cli.update", "mlt.update"]
)
@pytest.mark.parametrize("args", [["check", "."], ["update", ".", "--json"]])
def test_ctrl_c_while_loading_exits_130_without_traceback(tmp_path, module, args):
    code = LAUNCH.format(module=module, args=args)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "error: interrupted"
    if "--json" in args:
        assert '"exit_code": 130' in proc.stdout
