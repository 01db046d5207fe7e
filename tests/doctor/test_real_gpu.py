"""Real hardware: a captured `mlt doctor --gpu --json` must be ok and shaped like the stub runs.

The capture lives in fixtures/real-gpu/*.json; without one these tests skip, saying so.
A live run is also offered under the `gpu` marker for machines with a GPU.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CAPTURES = sorted((Path(__file__).parent / "fixtures" / "real-gpu").glob("*.json"))


def check_report(report: dict) -> None:
    assert report["schema"] == "mlt.doctor/1"
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert report["ok"] is True, errors
    facts = report["facts"]
    assert facts["host"]["driver"]["version"]
    assert facts["nvml"]["driver_version"] == facts["host"]["driver"]["version"]
    gpu = facts["nvml"]["gpus"][0]
    for key in ("index", "name", "uuid", "cc", "memory_total", "brand", "fabric"):
        assert key in gpu
    assert facts["cuda_driver"]["init_rc"] == 0
    assert any(lib["key"] == "libcuda" for lib in facts["loaded_libs"])


@pytest.mark.skipif(
    not CAPTURES, reason="no real-GPU capture in tests/doctor/fixtures/real-gpu/ yet"
)
@pytest.mark.parametrize("capture", CAPTURES, ids=[c.name for c in CAPTURES])
def test_captured_real_gpu_report_is_ok(capture):
    check_report(json.loads(capture.read_text()))


@pytest.mark.gpu
def test_live_gpu(tmp_path):
    if not Path("/proc/driver/nvidia/version").exists() or not shutil.which("nvidia-smi"):
        pytest.skip("no NVIDIA GPU on this machine")
    out = subprocess.run(
        [sys.executable, "-m", "mlt", "doctor", "--gpu", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    check_report(json.loads(out.stdout))
