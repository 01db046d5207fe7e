"""The doctor always ends, within --timeout, with a report or one error line.

Interpreters and commands that hang, ignore SIGTERM, leave a grandchild holding the output
open, or print bytes that are not UTF-8.
"""

from __future__ import annotations

import os
import time

from tests.doctor.doctor_fakes import make_root

HANG_IGNORING_TERM = "#!/bin/sh\ntrap '' TERM\nsleep 60\n"


def _script(path, text):
    path.write_text(text)
    path.chmod(0o755)
    return path


def test_interpreter_shim_that_hangs_and_ignores_sigterm_is_killed_at_the_timeout(doctor, tmp_path):
    shim = _script(tmp_path / "python3", HANG_IGNORING_TERM)
    started = time.monotonic()
    r = doctor.run("--python", str(shim), "--timeout", "3")
    took = time.monotonic() - started
    assert r.exit_code == 2
    assert "did not answer within 3 s" in r.output
    assert "Traceback" not in r.output
    assert took < 5, took


def test_probe_that_ignores_sigterm_and_leaves_a_grandchild_is_killed_at_the_timeout(
    doctor, tmp_path
):
    site = tmp_path / "hook"
    site.mkdir()
    # the interpreter ignores SIGTERM, forks a grandchild in a new session that keeps the
    # inherited output open, and hangs
    (site / "sitecustomize.py").write_text(
        "import os, signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    time.sleep(8)\n"
        "    os._exit(0)\n"
        "time.sleep(60)\n"
    )
    doctor.env(PYTHONPATH=str(site))
    started = time.monotonic()
    r = doctor.run("--timeout", "3")
    took = time.monotonic() - started
    assert took < 5, took
    assert "probe timed out after 3 s" in r.finding("probe-failed")["title"]
    assert r.report["facts"]["host"]["driver"]["version"] == "550.54.15"


def test_interpreter_printing_bytes_that_are_not_utf8_is_one_error_line(doctor, tmp_path):
    shim = _script(tmp_path / "python3", "#!/bin/sh\nprintf '\\377\\376 not utf-8\\n'\n")
    r = doctor.run("--python", str(shim))
    assert r.exit_code == 2
    assert "did not report a runnable sys.executable" in r.output
    assert "Traceback" not in r.output


def test_probe_stderr_that_is_not_utf8_is_kept_readable(doctor, tmp_path):
    site = tmp_path / "hook"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import os\nos.write(2, b'\\xff\\xfe broken \\x80 bytes\\n')\nos._exit(3)\n"
    )
    doctor.env(PYTHONPATH=str(site))
    r = doctor.run()
    finding = r.finding("probe-failed")
    assert "exited with status 3" in finding["title"]
    assert any("broken" in line and "\ufffd" in line for line in finding["evidence"])


def test_traced_command_that_hangs_and_ignores_sigterm_ends_at_the_timeout(doctor):
    started = time.monotonic()
    r = doctor.run("--timeout", "4", "--", "sh", "-c", "trap '' TERM; sleep 60")
    took = time.monotonic() - started
    assert took < 6, took
    command = r.report["facts"]["command"]
    assert command["returncode"] is None
    assert "command timed out" in command["error"]
    # the probe still ran after it, in the time kept for it
    assert r.report["facts"]["nvml"]["driver_version"] == "550.54.15"
    assert os.environ.get("MLT_DOCTOR_MAPS_DIR") is None


def test_fifo_as_the_driver_version_under_root_does_not_hang_the_cli(doctor, tmp_path):
    root = make_root(tmp_path / "fifo-root")
    version = root / "proc/driver/nvidia/version"
    version.unlink()
    os.mkfifo(version)  # opening it for reading would wait for a writer forever
    started = time.monotonic()
    r = doctor.run(root=root)
    assert time.monotonic() - started < 10
    assert "is not a regular file" in r.report["facts"]["host"]["driver"]["error"]
    assert r.report["facts"]["nvml"]["driver_version"] == "550.54.15"  # NVML still answers
