"""The probe starts while the CLI loads (mlt.doctor.prestart): taken when the options match,
killed when nobody takes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from mlt.doctor import prestart


def test_only_the_plain_form_starts_early():
    assert prestart.parse(["--gpu", "--json", "--python", "/x/python", "--timeout=30"]) == {
        "--gpu": "1",
        "--json": "1",
        "--python": "/x/python",
        "--timeout": "30",
    }
    for argv in (
        ["--gpu", "--", "python", "train.py"],
        ["--gpu", "--image", "nvidia/cuda:12.4.1-base-ubuntu22.04"],
        ["--gpu", "--k8s-job", "."],
        ["--help"],
        ["--python"],
    ):
        assert prestart.parse(argv) is None, argv


def test_cli_takes_the_early_probe(doctor):
    doctor.torch()
    argv = [sys.executable, "-m", "mlt", "doctor", "--gpu", "--json", "--python", sys.executable]
    out = subprocess.run(
        [*argv, "--root", str(doctor.root)], capture_output=True, text=True, timeout=120
    )
    report = json.loads(out.stdout)
    assert report["facts"]["probe"]["started_early"] is True
    assert out.returncode == 0, report["findings"]
    assert report["facts"]["frameworks"]["torch"]["cuda"] == "12.4"
    # in-process (no console script) the probe starts the normal way, with the same result
    assert doctor.torch().run().report["facts"]["probe"]["started_early"] is False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_an_early_probe_nobody_takes_is_killed(doctor):
    doctor.torch(sleep="60")
    prestart.from_argv(["--gpu", "--python", sys.executable, "--root", str(doctor.root)])
    early = prestart._early
    assert early is not None
    pid, tmp = early.run.traced.process.pid, Path(early.run.tmp.name)
    assert _alive(pid)
    prestart.discard()
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert not tmp.exists()
    assert prestart.take(sys.executable, True, doctor.root, 60.0) is None


def test_other_options_do_not_take_it(doctor):
    doctor.torch(sleep="60")
    prestart.from_argv(["--python", sys.executable, "--root", str(doctor.root)])
    pid = prestart._early.run.traced.process.pid
    assert prestart.take(sys.executable, False, doctor.root, 60.0) is None  # --no-trace wanted
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
