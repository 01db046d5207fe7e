"""The doctor on real CUDA wheels from the package index (no GPU needed).

The wheels (cuda_wheels.WHEELS) are the real libcudart 12.9 / 13.0 and cuDNN 9.1 / 9.10
libraries and cupy-cuda12x; the driver is the gcc-built stub NVML + libcuda, or absent.
Breakages are built from them: two runtimes in one process, cu12 + cu13 wheels, mixed cuDNN
folders, a missing library, a container without GPUs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doctor.cuda_wheels import lib_dir
from tests.doctor.doctor_fakes import FAKES, make_root

pytestmark = pytest.mark.slow  # downloads ~1.5 GB once, then cached


def _setup(doctor, *sites: Path, ld: list[str] | None = None, torch: bool = False) -> None:
    """Driver stubs only (no runtime) on LD_LIBRARY_PATH, the given wheels on PYTHONPATH."""
    path = [str(FAKES)] if torch else []
    doctor.env(
        PYTHONPATH=":".join(path + [str(s) for s in sites]),
        LD_LIBRARY_PATH=":".join([doctor.stubs.dirs("nvml", "cuda"), *(ld or [])]),
    )


def _errors(r) -> list[str]:
    return [f["id"] for f in r.report["findings"] if f["severity"] == "error"]


def _root_with_host_cuda13(tmp_path: Path, cudart13: Path) -> Path:
    """A --root whose loader cache lists a CUDA 13 toolkit runtime (as on many dev boxes)."""
    root = make_root(tmp_path / "host")
    toolkit = root / "usr/local/cuda-13.0/targets/x86_64-linux/lib"
    toolkit.mkdir(parents=True)
    shutil.copy2(lib_dir(cudart13) / "libcudart.so.13", toolkit)
    (root / "etc").mkdir()
    (root / "etc/ld.so.conf").write_text("/usr/local/cuda-13.0/targets/x86_64-linux/lib\n")
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    subprocess.run([ldconfig, "-r", str(root)], check=True, capture_output=True)
    return root


def test_venv_runtime_is_judged_not_a_host_toolkit_in_the_loader_cache(
    doctor, wheel_site, tmp_path
):
    cudart12 = wheel_site("cudart12")
    root = _root_with_host_cuda13(tmp_path, wheel_site("cudart13"))
    _setup(doctor, cudart12)
    r = doctor.run(root=root)
    facts = r.report["facts"]
    assert any("cuda-13.0" in p and "libcudart" in p for p in facts["host"]["ld_cache"])
    assert facts["cuda_runtime"]["cudart_version"] == 12090  # the wheel's, not 13.0
    loaded = [lib["realpath"] for lib in facts["loaded_libs"] if lib["key"] == "libcudart"]
    assert loaded == [str(lib_dir(cudart12) / "libcudart.so.12")]
    assert {s["key"]: s["via"] for s in facts["speculative"]}["libcudart"] == "wheel"
    # 12.9 on driver 550 (CUDA 12.4) runs through minor-version compatibility
    assert "driver-minor-compat" in r.codes("info")
    assert r.exit_code == 0, _errors(r)


def test_without_any_runtime_in_the_project_none_is_judged(doctor, tmp_path):
    """This machine may have CUDA 13 in its real ld.so.cache: the doctor must not load it."""
    _setup(doctor)
    r = doctor.run()
    facts = r.report["facts"]
    assert not [lib for lib in facts["loaded_libs"] if lib["key"] == "libcudart"]
    assert "cudart_version" not in facts["cuda_runtime"]
    assert "driver-too-old" not in r.codes()
    assert r.exit_code == 0, _errors(r)


def test_two_runtimes_in_one_process_from_cu12_and_cu13_wheels(doctor, wheel_site):
    cudart12, cudart13 = wheel_site("cudart12"), wheel_site("cudart13")
    _setup(doctor, cudart12, cudart13)
    script = (
        "import ctypes; "
        f"ctypes.CDLL('{lib_dir(cudart12)}/libcudart.so.12'); "
        f"ctypes.CDLL('{lib_dir(cudart13)}/libcudart.so.13')"
    )
    r = doctor.run("--", sys.executable, "-c", script)
    facts = r.report["facts"]
    assert facts["command"]["returncode"] == 0
    assert sorted(facts["cuda_runtime"]["cudart_versions"].values()) == [12090, 13000]
    # judged: the copy loaded first (its symbols win), known from the command's LD_DEBUG
    assert facts["cuda_runtime"]["cudart_version"] == 12090
    # one root cause: both wheel flavours installed; the duplicate it explains is info
    assert _errors(r) == ["conflicting-cuda-packages:nvidia-cuda-runtime"]
    root = r.finding("conflicting-cuda-packages")
    assert any(e.startswith("nvidia-cuda-runtime 13.0.96") for e in root["evidence"])
    assert any(e.startswith("nvidia-cuda-runtime-cu12 12.9.79") for e in root["evidence"])
    assert root["explains"] == ["duplicate-lib:libcudart"]
    duplicate = r.finding("duplicate-lib")
    assert duplicate["caused_by"] == root["id"] and duplicate["severity"] == "info"
    assert sorted(duplicate["evidence"]) == sorted(
        [
            f"mapped: {lib_dir(cudart12)}/libcudart.so.12 (CUDA 12.9)",
            f"mapped: {lib_dir(cudart13)}/libcudart.so.13 (CUDA 13.0)",
        ]
    )


def test_mixed_cudnn_folders_are_named_with_their_versions(doctor, wheel_site):
    new, old = wheel_site("cudnn910"), wheel_site("cudnn91")
    # the framework loads the front library from its wheel; the sub-libraries come from an
    # old folder on LD_LIBRARY_PATH (what torch does with a stale cuDNN exported)
    _setup(doctor, new, old, ld=[str(lib_dir(old))])
    script = (
        "import ctypes; "
        f"ctypes.CDLL('{lib_dir(new)}/libcudnn.so.9'); "
        "ctypes.CDLL('libcudnn_graph.so.9')"
    )
    r = doctor.run("--", sys.executable, "-c", script)
    assert _errors(r) == ["cudnn-mixed"]
    finding = r.finding("cudnn-mixed")
    evidence = "\n".join(finding["evidence"])
    assert f"{lib_dir(new)} (cuDNN 9.10.2.21 (nvidia-cudnn-cu12)): libcudnn.so.9" in evidence
    # the 9.10 front library answers with the version of the 9.1 sub-library it picked up
    assert f"cudnnGetVersion() of {lib_dir(new)}/libcudnn.so.9 answers 9.1.0" in evidence
    assert f"{lib_dir(old)} (cuDNN 9.1.0.70 (nvidia-cudnn-cu12)): libcudnn_graph.so.9" in evidence
    assert finding["fix"].startswith(f"export LD_LIBRARY_PATH={doctor.stubs.dirs('nvml', 'cuda')}")
    assert str(lib_dir(old)) not in finding["fix"].split()[1]


def test_cudnn_older_than_the_framework_build_gets_an_exact_fix(doctor, wheel_site):
    cudart12, cudnn = wheel_site("cudart12"), wheel_site("cudnn91")
    _setup(doctor, cudart12, cudnn, ld=[str(lib_dir(cudart12)), str(lib_dir(cudnn))], torch=True)
    doctor.env(FAKE_TORCH_CUDA="12.8", FAKE_TORCH_CUDNN_COMPILE="9.10.2")
    r = doctor.run()
    finding = r.finding("cudnn-mismatch")
    assert "built with cuDNN 9.10.2 but loads cuDNN 9.1.0" in finding["evidence"][0]
    assert 'pip install "nvidia-cudnn-cu12==9.10.2.*"' in finding["fix"]
    text = doctor.run_text()
    assert "torch 2.6.0+cu124 (CUDA 12.8, cuDNN 9.1.0," in text  # not 90100
    assert "nvidia-cudnn-cu12 9.1.0.70" in text  # the installed packages
    assert text.index("root cause") < text.index("error cudnn-mismatch")


def test_a_missing_library_names_the_wheel_for_the_framework_cuda(doctor, wheel_site):
    cudart12 = wheel_site("cudart12")
    _setup(doctor, cudart12, ld=[str(lib_dir(cudart12))], torch=True)
    doctor.env(FAKE_TORCH_CUDA="12.8")  # imports libcudnn.so.9: nowhere to be found
    r = doctor.run()
    finding = r.finding("lib-not-found")
    assert finding["id"] == "lib-not-found:libcudnn.so.9"
    assert "pip install nvidia-cudnn-cu12 " in finding["fix"]


def test_container_without_gpus_is_one_error_on_a_real_runtime(doctor, wheel_site, tmp_path):
    # the host's kernel module shows through /proc, but no device nodes, NVML or libcuda
    root = make_root(tmp_path / "c", nodes=False, docker=True)
    cudart12 = wheel_site("cudart12")
    _setup(doctor, cudart12)
    doctor.env(LD_LIBRARY_PATH="")
    r = doctor.run(root=root)
    assert r.report["facts"]["cuda_runtime"]["cudart_device_count_rc"] == 35
    assert _errors(r) == ["container-gpu-not-exposed"]
    root_cause = r.finding("container-gpu-not-exposed")
    assert set(root_cause["explains"]) == {
        "lib-not-found:libcuda.so.1",
        "lib-not-found:libnvidia-ml.so.1",
    }
    assert "driver-too-old" not in r.codes()  # error 35 without libcuda is not an old driver
    for finding in r.report["findings"]:
        if finding["id"] in root_cause["explains"]:
            assert finding["caused_by"] == "container-gpu-not-exposed"


def test_no_driver_at_all_is_one_error_on_a_real_runtime(doctor, wheel_site, tmp_path):
    root = make_root(tmp_path / "bare", driver=None, nodes=False)
    _setup(doctor, wheel_site("cudart12"))
    doctor.env(LD_LIBRARY_PATH="")
    r = doctor.run(root=root)
    assert _errors(r) == ["no-driver"]
    assert "driver-too-old" not in r.codes()


def test_cupy_is_probed_and_a_command_importing_two_frameworks_is_traced(doctor, wheel_site):
    cupy, cudart13 = wheel_site("cupy"), wheel_site("cudart13")
    _setup(doctor, cupy, cudart13, torch=True)
    # the second framework (the fake torch) loads the CUDA 13 wheel's runtime by path
    doctor.env(FAKE_TORCH_CUDA="", FAKE_TORCH_EXTRA_LIBS=f"{lib_dir(cudart13)}/libcudart.so.13")
    script = "import cupy; print(cupy.cuda.runtime.runtimeGetVersion()); import torch"
    r = doctor.run("--timeout", "120", "--", sys.executable, "-c", script)
    facts = r.report["facts"]
    # cupy-cuda12x 14 links its CUDA 12.9 runtime statically: its build facts say so
    assert facts["frameworks"]["cupy"]["version"] == "14.2.0"
    assert facts["frameworks"]["cupy"]["cuda"] == "12.9"
    command = facts["command"]
    assert command["returncode"] == 0, command["output_tail"]
    assert command["output_tail"].strip() == "12090"  # nothing else: the exit hook is silent
    assert command["exit_maps"] >= 1
    runtimes = [lib["realpath"] for lib in facts["loaded_libs"] if lib["key"] == "libcudart"]
    assert runtimes == [str(lib_dir(cudart13) / "libcudart.so.13")]
    # what the command loaded is judged: CUDA 13.0 on driver 550 (CUDA 12.4), libcuda present
    assert facts["cuda_runtime"]["cudart_version"] == 13000
    assert "The driver 550.54.15 is too old for CUDA 13.0" in r.finding("driver-too-old")["title"]
