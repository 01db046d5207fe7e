"""The text report at 60 and 200 columns, piped: every id, path, URL and command whole.

Rich used to fold long evidence at the console width (COLUMNS, or 80 when stdout is not a
terminal), cutting paths and URLs mid-token. The report now prints each line whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _run(doctor, *args: str, columns: int) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "mlt", "doctor", "--gpu", "--python", sys.executable]
    argv += ["--root", str(doctor.root), *args]
    env = dict(os.environ, COLUMNS=str(columns), TERM="xterm-256color")
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("columns", [60, 200])
def test_text_report_keeps_every_token_whole(doctor, tmp_path, columns):
    deep = tmp_path / "a-folder-name-long-enough-to-pass-sixty-columns-alone" / "lib64"
    other = doctor.stubs.place("cudart", deep)
    doctor.torch(extra_libs=str(other), cuda="", version="2.6.0+cpu")
    report = json.loads(_run(doctor, "--json", columns=columns).stdout)
    text = _run(doctor, columns=columns).stdout
    lines = text.splitlines()
    assert "\x1b[" not in text  # piped: no colour codes
    wanted = []
    for finding in report["findings"]:
        if finding.get("caused_by"):
            continue
        wanted.append(f"{finding['id']}: {finding['title']}")
        wanted += finding["evidence"]
        if finding["severity"] != "info":
            wanted.append(f"fix: {finding['fix']}")
    wanted += [lib["realpath"] for lib in report["facts"]["loaded_libs"]]
    assert any("https://download.pytorch.org/whl/" in w for w in wanted)  # a URL is checked
    assert any(str(other) in w for w in wanted)  # and a path longer than 60 columns
    for item in wanted:
        assert any(item in line for line in lines), f"{item!r} is cut or wrapped at {columns}"


def test_traced_command_is_shown_quoted(doctor):
    """`-- python -c 'import a; x()'` is printed as a command one can paste back."""
    doctor.torch()
    text = _run(doctor, "--", sys.executable, "-c", "import sys; sys.exit(3)", columns=200).stdout
    assert f"{sys.executable} -c 'import sys; sys.exit(3)' -> command exited with status 3" in text
    report = json.loads(
        _run(
            doctor, "--json", "--", sys.executable, "-c", "import sys; sys.exit(3)", columns=80
        ).stdout
    )
    failed = next(f for f in report["findings"] if f["id"] == "probe-failed:command")
    assert f"command: {sys.executable} -c 'import sys; sys.exit(3)'" in failed["evidence"]
