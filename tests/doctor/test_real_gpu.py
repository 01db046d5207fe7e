"""Real hardware: captured `mlt doctor --gpu --json` reports, replayed.

scripts/capture-real-gpu-fixtures.sh writes them into fixtures/real-gpu/ on a machine with an
NVIDIA GPU: healthy torch cu12 / cu13 venvs (`*.json`) and broken cases
(`broken--CODE--*.json`, whose only error must be CODE). Each is checked as captured, and its
facts are judged again by today's rules, which must reach the same verdict. Without a capture
these tests skip, saying how to make one; the replay itself is exercised on stub runs below.
A live run is also offered under the `gpu` marker for machines with a GPU.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlt.doctor.rules import evaluate

CAPTURES = sorted((Path(__file__).parent / "fixtures" / "real-gpu").glob("*.json"))
NO_CAPTURE = (
    "no real-GPU capture in tests/doctor/fixtures/real-gpu/ yet: run "
    "scripts/capture-real-gpu-fixtures.sh on a machine with an NVIDIA GPU"
)
GPU_FIELDS = (
    "index",
    "name",
    "uuid",
    "cc",
    "memory_total",
    "brand",
    "fabric",
    "mig",
    "compute_mode",
)


def expected_error(name: str) -> str | None:
    """'broken--no-visible-devices--torch-cu12.json' -> 'no-visible-devices'."""
    parts = name.split("--")
    return parts[1] if parts[0] == "broken" and len(parts) > 2 else None


def check_report(report: dict, expected: str | None = None) -> None:
    assert report["schema"] == "mlt.doctor/1"
    errors = [f["code"] for f in report["findings"] if f["severity"] == "error"]
    facts = report["facts"]
    assert facts["host"]["driver"]["version"]
    assert facts["nvml"]["driver_version"] == facts["host"]["driver"]["version"]
    gpu = facts["nvml"]["gpus"][0]
    for key in GPU_FIELDS:
        assert key in gpu, key
    assert any(lib["key"] == "libcuda" for lib in facts["loaded_libs"])
    if expected is None:
        assert report["ok"] is True, errors
        assert facts["cuda_driver"]["init_rc"] == 0
    else:
        assert report["ok"] is False
        assert errors == [expected]


def replay(report: dict, expected: str | None = None) -> None:
    """Today's rules on the captured facts reach the captured verdict."""
    gpu = report["facts"]["options"]["gpu"]
    errors = [f.code for f in evaluate(report["facts"], gpu) if f.severity == "error"]
    assert errors == ([expected] if expected else [])


@pytest.mark.skipif(not CAPTURES, reason=NO_CAPTURE)
@pytest.mark.parametrize("capture", CAPTURES, ids=[c.name for c in CAPTURES])
def test_captured_real_gpu_report(capture):
    report = json.loads(capture.read_text())
    check_report(report, expected_error(capture.name))
    replay(report, expected_error(capture.name))


def test_replay_on_stub_runs(doctor):
    """The replay accepts what the stub machine reports, healthy and broken (same fields)."""
    healthy = doctor.torch().run().report
    check_report(healthy)
    replay(healthy)
    broken = doctor.env(CUDA_VISIBLE_DEVICES="1").run().report
    name = "broken--no-visible-devices--torch-cu12.json"
    check_report(broken, expected_error(name))
    replay(broken, expected_error(name))


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
