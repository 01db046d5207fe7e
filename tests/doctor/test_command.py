"""`mlt doctor --gpu -- CMD`: the user's own command is traced and what it loads is judged."""

from __future__ import annotations

import sys

from mlt.doctor.command import parse_maps, python_of


def test_what_the_command_maps_is_judged_not_what_the_probe_would_load(doctor, tmp_path):
    # the probe alone would load the stub cudart 12.4 from LD_LIBRARY_PATH; the command loads
    # a copy from elsewhere, and that copy is the one reported and asked for its version
    other = doctor.stubs.place("cudart", tmp_path / "elsewhere")
    script = f"import ctypes; ctypes.CDLL({str(other)!r})"
    r = doctor.run("--", sys.executable, "-c", script)
    facts = r.report["facts"]
    assert facts["command"]["returncode"] == 0
    assert facts["command"]["samples"] >= 1 and facts["command"]["exit_maps"] == 1
    cudart = [lib["realpath"] for lib in facts["loaded_libs"] if lib["key"] == "libcudart"]
    assert cudart == [str(other)]
    assert facts["cuda_runtime"]["cudart_versions"] == {str(other): 12040}
    assert "speculative" not in facts or facts["speculative"] is None
    assert facts["trace"]["libs"]["libcudart"]["loaded"] == [str(other)]  # LD_DEBUG of CMD
    assert r.exit_code == 0, r.report["findings"]


def test_exit_hook_hands_over_to_the_users_sitecustomize(doctor, tmp_path):
    site = tmp_path / "user-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("print('user sitecustomize ran')\n")
    doctor.env(PYTHONPATH=str(site))
    r = doctor.run("--", sys.executable, "-c", "print('hello')")
    command = r.report["facts"]["command"]
    assert command["output_tail"].split() == ["user", "sitecustomize", "ran", "hello"]
    assert command["exit_maps"] == 1


def test_a_command_that_cannot_start_is_a_finding_not_a_crash(doctor):
    r = doctor.run("--", "/nonexistent/train")
    assert "cannot start /nonexistent/train" in r.report["facts"]["command"]["error"]
    assert "traced command did not finish cleanly" in r.finding("probe-failed")["title"]
    assert "Traceback" not in r.output


def test_python_of_and_maps_parsing():
    env = {"PATH": "/usr/bin:/bin"}
    assert python_of(["/opt/py/bin/python3.11", "x.py"], env) == "/opt/py/bin/python3.11"
    assert python_of(["bash", "run.sh"], env) is None
    maps = (
        "7f00-7f01 r--p 00000000 08:01 12 /v/nvidia/cu13/lib/libcudart.so.13\n"
        "7f01-7f02 r-xp 00001000 08:01 12 /v/nvidia/cu13/lib/libcudart.so.13\n"
        "7f02-7f03 r--p 00000000 08:01 13 /usr/lib/libc.so.6\n"
        "7f03-7f04 rw-p 00000000 00:00 0 [heap]\n"
    )
    assert parse_maps(maps, 7) == [
        {"key": "libcudart", "path": "/v/nvidia/cu13/lib/libcudart.so.13", "pid": 7}
    ]


def test_every_installed_framework_of_the_registry_is_probed_and_reported(doctor):
    doctor.torch()  # the fakes folder holds torch and onnxruntime
    r = doctor.run()
    frameworks = r.report["facts"]["frameworks"]
    assert set(frameworks) >= {"torch", "onnxruntime"}
    assert frameworks["onnxruntime"]["providers"][0] == "CUDAExecutionProvider"
    assert all("duration_s" in info for info in frameworks.values())
    text = doctor.run_text()
    assert "onnxruntime 1.22.0 (CUDAExecutionProvider, CPUExecutionProvider)" in text
    assert "torch 2.6.0+cu124 (CUDA 12.4, cuDNN 9.1.0," in text
