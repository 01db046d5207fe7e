"""Failures are one `error:` line on stderr and, with --json, one JSON document on stdout
({"error", "hint", "exit_code"}): bad paths, over-long names, usage errors. Real processes,
so the path through `mlt.cli:main` is the one users get."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LONG = "a" * 5000


def mlt(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlt", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["new", "library", LONG, "--defaults"], 2, "File name too long"),
        (["new", "library", "ok", "-o", f"{LONG}/x", "--defaults"], 2, "File name too long"),
        (["update", "missing-dir"], 1, "is not a directory"),
        (["check", "missing-dir"], 1, "is not a directory"),
        (["diff", "missing-dir"], 1, "is not a directory"),
        (["update", "--no-such-option"], 2, "No such option"),
    ],
)
def test_failure_is_one_line_and_one_json_document(tmp_path, args, code, says):
    plain = mlt(*args, cwd=tmp_path)
    assert plain.returncode == code
    assert "Traceback" not in plain.stderr
    errors = [line for line in plain.stderr.splitlines() if line.startswith("error:")]
    if "--no-such-option" not in args:  # click's own usage message keeps its box
        assert len(errors) == 1 and says in errors[0] and len(errors[0]) < 300, plain.stderr

    as_json = mlt(*args, "--json", cwd=tmp_path)
    assert as_json.returncode == code
    data = json.loads(as_json.stdout)
    assert data["exit_code"] == code and says in data["error"]
    assert not list(tmp_path.iterdir())  # nothing half-made
