"""`mlt doctor` end to end: the real probe in a subprocess, stub CUDA libraries, fake roots.

Every public finding code is produced here from the stubs at least once; test_rules.py
covers the edge cases on hand-written facts.
"""

from __future__ import annotations

import os
import re
import sys
import time

from typer.testing import CliRunner

from mlt.cli import app
from tests.doctor.doctor_fakes import KERNEL_550, KERNEL_OPEN_580, make_root


def test_healthy_stub_machine_is_ok(doctor):
    r = doctor.torch().run()
    assert r.exit_code == 0, r.report["findings"]
    assert r.report["schema"] == "mlt.doctor/1"
    assert r.report["ok"] is True
    assert r.codes("error") == r.codes("warning") == []
    facts = r.report["facts"]
    assert facts["host"]["driver"]["version"] == "550.54.15"
    assert facts["nvml"]["gpus"][0]["name"] == "NVIDIA H100 80GB HBM3"
    assert facts["nvml"]["gpus"][0]["cc"] == "9.0"
    assert facts["nvml"]["gpus"][0]["brand_name"] == "nvidia"
    assert facts["cuda_driver"] == {
        "loaded": True,
        "driver_version": 12040,
        "init_rc": 0,
        "device_count": 1,
    }
    assert facts["cuda_runtime"]["cudart_version"] == 12040
    assert facts["frameworks"]["torch"]["cudnn"] == 90100
    loaded = {lib["key"]: lib["realpath"] for lib in facts["loaded_libs"]}
    assert loaded["libcudart"] == str(doctor.stubs.lib("cudart"))
    assert loaded["libcuda"] == str(doctor.stubs.lib("cuda"))
    trace = facts["trace"]["libs"]["libcudart"]
    assert trace["requested"] == ["libcudart.so.12"]
    assert trace["loaded"] == [str(doctor.stubs.lib("cudart"))]
    assert "LD_DEBUG=libs" in facts["trace"]["methods"]


def test_healthy_without_framework_loads_runtime_itself(doctor):
    r = doctor.run()
    assert r.exit_code == 0, r.report["findings"]
    spec = {s["key"]: s for s in r.report["facts"]["speculative"]}
    # the driver's major first, by path from LD_LIBRARY_PATH (never the loader cache's pick)
    assert spec["libcudart"]["loaded"] == str(doctor.stubs.lib("cudart"))
    assert spec["libcudart"]["via"] == "LD_LIBRARY_PATH"
    assert r.report["facts"]["cuda_runtime"]["cudnn_version"] == 90100


def test_open_kernel_module_format(doctor, tmp_path):
    root = make_root(tmp_path / "open", driver=KERNEL_OPEN_580)
    doctor.env(FAKE_DRIVER_VERSION="580.178.04", FAKE_CUDA_DRIVER_VERSION="13000")
    r = doctor.run(root=root)
    assert r.report["facts"]["host"]["driver"] == {
        "version": "580.178.04",
        "flavor": "open",
        "raw": KERNEL_OPEN_580.strip(),
    }
    assert r.exit_code == 0, r.report["findings"]


def test_no_driver_is_an_error_with_gpu_and_info_without(doctor, tmp_path):
    root = make_root(tmp_path / "cpu", driver=None, nodes=False)
    doctor.env(LD_LIBRARY_PATH=str(tmp_path / "empty"))
    r = doctor.run(root=root)
    assert r.exit_code == 1
    assert r.finding("no-driver")["severity"] == "error"
    assert "driver-too-old" not in r.codes()  # cudart's error 35 here means "no driver"
    r = doctor.run(root=root, gpu=False)
    assert r.exit_code == 0
    assert r.finding("no-driver")["severity"] == "info"


def test_container_without_gpu(doctor, tmp_path):
    root = make_root(tmp_path / "ctr", driver=KERNEL_OPEN_580, nodes=False, docker=True)
    doctor.env(LD_LIBRARY_PATH=str(tmp_path / "empty"), NVIDIA_VISIBLE_DEVICES="void")
    r = doctor.run(root=root)
    assert r.exit_code == 1
    finding = r.finding("container-gpu-not-exposed")
    assert finding["severity"] == "error"
    assert "/.dockerenv exists" in finding["evidence"]
    assert any("NVIDIA_VISIBLE_DEVICES='void'" in e for e in finding["evidence"])
    assert "--gpus all" in finding["fix"]
    assert "no-driver" not in r.codes()
    # one cause, one error: the missing driver libraries are its evidence, not more errors
    assert r.codes("error") == ["container-gpu-not-exposed"]
    assert set(finding["explains"]) == {
        "lib-not-found:libcuda.so.1",
        "lib-not-found:libnvidia-ml.so.1",
    }
    text = doctor.run_text(root=root)
    assert text.startswith("1 root cause(s): ✗ container-gpu-not-exposed:")


def test_nvml_version_mismatch(doctor):
    r = doctor.env(FAKE_NVML_INIT_RC="18").run()
    assert r.exit_code == 1
    assert "Driver/library version mismatch" in r.finding("nvml-version-mismatch")["evidence"][0]


def test_nvml_and_kernel_disagree(doctor):
    r = doctor.env(FAKE_DRIVER_VERSION="550.144.03").run()
    assert "nvml-version-mismatch" in r.codes("error")


def test_driver_too_old(doctor, tmp_path):
    root = make_root(tmp_path / "old", driver=KERNEL_550.replace("550.54.15", "470.82.01"))
    doctor.env(
        FAKE_DRIVER_VERSION="470.82.01",
        FAKE_CUDA_DRIVER_VERSION="11040",
        FAKE_CUDART_VERSION="12090",
    )
    r = doctor.torch(cuda="12.9").run(root=root)
    assert r.exit_code == 1
    finding = r.finding("driver-too-old")
    assert "CUDA 12.9" in finding["title"]
    assert "525.60.13" in finding["fix"]


def test_minor_version_compat_535_with_cudart_12_8(doctor, tmp_path):
    root = make_root(tmp_path / "r535", driver=KERNEL_550.replace("550.54.15", "535.54.03"))
    doctor.env(
        FAKE_DRIVER_VERSION="535.54.03",
        FAKE_CUDA_DRIVER_VERSION="12020",
        FAKE_CUDART_VERSION="12080",
    )
    r = doctor.torch(cuda="12.8", version="2.7.0+cu128").run(root=root)
    assert r.exit_code == 0, r.report["findings"]
    assert "driver-minor-compat" in r.codes("info")


def test_lib_not_found_libcuda(doctor):
    doctor.env(LD_LIBRARY_PATH=doctor.stubs.dirs("nvml", "cudart", "cudnn"))
    r = doctor.run()
    assert r.exit_code == 1
    finding = r.finding("lib-not-found")
    assert finding["title"] == "libcuda.so.1 cannot be found"
    assert any(e.startswith("tried: ") for e in finding["evidence"])  # from LD_DEBUG


def test_lib_not_on_search_path_gke(doctor):
    doctor.stubs.place("cuda", doctor.root / "usr/local/nvidia/lib64")
    doctor.env(LD_LIBRARY_PATH=doctor.stubs.dirs("nvml", "cudart", "cudnn"))
    r = doctor.run()
    assert r.exit_code == 1
    finding = r.finding("lib-not-on-search-path")
    assert "found: /usr/local/nvidia/lib64/libcuda.so.1" in finding["evidence"]
    assert "export LD_LIBRARY_PATH=/usr/local/nvidia/lib64" in finding["fix"]
    assert "lib-not-found" not in r.codes()


def test_duplicate_cudart(doctor, tmp_path):
    other = doctor.stubs.place("cudart", tmp_path / "usr/local/cuda-12.1/lib64")
    r = doctor.torch(extra_libs=str(other)).run()
    assert r.exit_code == 1
    evidence = r.finding("duplicate-lib")["evidence"]
    assert f"mapped: {other} (CUDA 12.4)" in evidence
    assert f"mapped: {doctor.stubs.lib('cudart')} (CUDA 12.4)" in evidence


def test_cudnn_mismatch(doctor):
    doctor.env(FAKE_CUDNN_VERSION="90100")
    r = doctor.torch(cudnn_compile="9.10.2").run()
    assert r.exit_code == 1
    finding = r.finding("cudnn-mismatch")
    assert "built with cuDNN 9.10.2 but loads cuDNN 9.1.0" in finding["evidence"][0]
    # the exact wheel, version and -cuNN suffix of torch's CUDA major (fake torch: 12.4)
    assert 'pip install "nvidia-cudnn-cu12==9.10.2.*"' in finding["fix"]


def test_arch_unsupported_and_ptx_and_same_major(doctor):
    r = doctor.torch(arch="sm_70 sm_80").run()
    assert r.exit_code == 1
    assert "arch-unsupported" in r.codes("error")
    r = doctor.torch(arch="sm_80 compute_80").run()
    assert r.exit_code == 0
    assert "arch-ptx-jit" in r.codes("info")
    doctor.env(FAKE_GPUS="NVIDIA L4:8.9")
    r = doctor.torch(arch="sm_80", cc="8.9").run()
    assert r.exit_code == 0, r.report["findings"]


def test_cuda_stub_driver(doctor, tmp_path):
    stubs_dir = tmp_path / "usr/local/cuda-12.4/lib64/stubs"
    doctor.stubs.place("cuda", stubs_dir)
    doctor.env(
        LD_LIBRARY_PATH=f"{stubs_dir}:" + doctor.stubs.dirs("nvml", "cudart", "cudnn"),
        FAKE_CU_INIT_RC="34",
    )
    r = doctor.run()
    assert r.exit_code == 1
    evidence = r.finding("cuda-stub-driver")["evidence"]
    assert f"libcuda loaded from {stubs_dir}/libcuda.so.1" in evidence
    assert "cuInit -> 34 (CUDA_ERROR_STUB_LIBRARY)" in evidence


def test_forward_compat_on_geforce(doctor, tmp_path):
    compat_dir = tmp_path / "usr/local/cuda-12.8/compat"
    doctor.stubs.place("cuda", compat_dir)
    doctor.env(
        LD_LIBRARY_PATH=f"{compat_dir}:" + doctor.stubs.dirs("nvml", "cudart", "cudnn"),
        FAKE_GPUS="NVIDIA GeForce RTX 4090:8.9",
        FAKE_GPU_BRAND="5",
    )
    r = doctor.run()
    assert r.exit_code == 1
    assert any("brand geforce" in e for e in r.finding("forward-compat-unsupported")["evidence"])


def test_forward_compat_error_804(doctor):
    r = doctor.env(FAKE_CU_INIT_RC="804").run()
    assert "forward-compat-unsupported" in r.codes("error")


def test_no_visible_devices(doctor):
    r = doctor.env(CUDA_VISIBLE_DEVICES="").run()
    assert r.exit_code == 1
    assert r.finding("no-visible-devices")["title"].startswith("CUDA_VISIBLE_DEVICES is empty")
    r = doctor.env(CUDA_VISIBLE_DEVICES="2").run()
    assert r.finding("no-visible-devices")["severity"] == "error"
    r = doctor.env(CUDA_VISIBLE_DEVICES="GPU-00000000").run()  # UUID prefix of the stub GPU
    assert "no-visible-devices" not in r.codes()


def test_framework_cpu_build(doctor):
    r = doctor.torch(cuda="", version="2.6.0+cpu").run()
    assert r.exit_code == 1
    finding = r.finding("framework-cpu-build")
    assert "torch.version.cuda is None" in finding["evidence"][0]
    assert "download.pytorch.org/whl/cu12" in finding["fix"]
    r = doctor.torch(cuda="", version="2.6.0+cpu").run(gpu=False)
    assert r.finding("framework-cpu-build")["severity"] == "warning"


def test_fabric_manager_not_running(doctor):
    r = doctor.env(FAKE_FABRIC_STATE="1").run()
    assert r.exit_code == 1
    assert "fabric state not-started" in r.finding("fabric-manager-not-running")["evidence"][0]
    r = doctor.env(FAKE_FABRIC_STATE="3", FAKE_CU_INIT_RC="802").run()
    assert (
        "cuInit -> 802 (CUDA_ERROR_SYSTEM_NOT_READY)"
        in r.finding("fabric-manager-not-running")["evidence"]
    )


def test_conflicting_cuda_packages(doctor):
    site = doctor.site_packages("nvidia_nccl_cu11-2.14.3", "nvidia_nccl_cu12-2.21.5")
    r = doctor.run()
    assert r.exit_code == 1
    finding = r.finding("conflicting-cuda-packages")
    assert f"nvidia-nccl-cu11 2.14.3 ({site})" in finding["evidence"]


def test_old_nvml_without_newer_functions_still_reports(doctor):
    doctor.env(LD_LIBRARY_PATH=doctor.stubs.dirs("nvml-old", "cuda", "cudart", "cudnn"))
    r = doctor.run()
    assert r.exit_code == 0, r.report["findings"]
    nvml = r.report["facts"]["nvml"]
    assert nvml["errors"]["cuda_driver_version_v2"] == "FunctionNotFound"
    assert nvml["gpus"][0]["fabric"] == {"error": "FunctionNotFound"}


def test_framework_import_over_its_budget_is_abandoned(doctor):
    started = time.monotonic()
    r = doctor.torch(sleep="60").run("--timeout", "8")  # the imports get what --timeout leaves
    assert time.monotonic() - started < 8.5
    torch = r.report["facts"]["frameworks"]["torch"]
    assert torch["timed_out"] is True and 6 < torch["duration_s"] < 8  # not half of it
    assert r.report["facts"]["probe"]["stage"] == "done"  # the probe went on without it
    title = r.finding("probe-failed")["title"]
    assert title.startswith("The torch import did not finish within the ")
    assert title.endswith(" s left of --timeout")  # '7 s', never a raw float
    assert re.search(r"within the \d+ s left", title)


def test_probe_timeout_keeps_earlier_facts(doctor):
    r = doctor.torch(hang_gil="30").run("--timeout", "2")
    assert "probe-failed" in r.codes("info")
    assert "timed out after 2 s" in r.finding("probe-failed")["title"]
    assert r.report["facts"]["nvml"]["driver_version"] == "550.54.15"  # saved before the import
    assert r.report["facts"]["probe"]["stage"] == "framework:torch"


def test_probe_segfault_is_a_finding(doctor):
    r = doctor.torch(segfault="1").run()
    assert "probe killed by SIGSEGV" in r.finding("probe-failed")["title"]
    assert r.report["facts"]["cuda_driver"]["loaded"] is True


def test_no_trace(doctor):
    r = doctor.run("--no-trace")
    assert r.exit_code == 0
    assert r.report["facts"]["trace"] == {"methods": [], "libs": {}}


def test_human_output_errors_first_with_fix(doctor, monkeypatch):
    doctor.env(CUDA_VISIBLE_DEVICES="")
    doctor.torch(arch="sm_80 compute_80")
    argv = ["doctor", "--gpu", "--python", sys.executable, "--root", str(doctor.root)]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1
    out = result.output
    assert (
        out.index("✗ error no-visible-devices")
        < out.index("i info arch-ptx-jit")
        < out.index("facts")
    )
    assert "fix: Unset CUDA_VISIBLE_DEVICES" in out
    assert "NVIDIA H100 80GB HBM3" in out
    assert "doctor: 1 error(s)" in out


def test_bad_root_is_one_line(doctor, tmp_path):
    result = CliRunner().invoke(app, ["doctor", "--root", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: --root {tmp_path / 'nope'} is not a directory"
    ]


def test_bad_python_is_one_line(doctor, tmp_path):
    result = CliRunner().invoke(app, ["doctor", "--python", str(tmp_path / "python9")])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: Python interpreter not found: {tmp_path / 'python9'}")
    assert "Traceback" not in result.output


def test_image_without_docker_engine_is_one_line(doctor, tmp_path):
    os.environ["DOCKER_HOST"] = f"unix://{tmp_path}/no.sock"
    try:
        result = CliRunner().invoke(
            app,
            [
                "doctor",
                "--python",
                sys.executable,
                "--root",
                str(doctor.root),
                "--image",
                "nvidia/cuda:12.4.1-base-ubuntu22.04",
            ],
        )
    finally:
        del os.environ["DOCKER_HOST"]
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach a Docker engine for --image")
    assert "Traceback" not in result.output
