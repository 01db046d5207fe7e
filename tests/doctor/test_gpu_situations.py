"""The failures users bring to the PyTorch / JAX / NVIDIA trackers, end to end: the real probe
in a subprocess against stub NVML / libcuda answers, fake /proc and /dev roots, fake wheels.

Each situation asserts its code, severity, evidence, the `caused_by` link of the symptom
(`cuda-init-failed`) and that no other error is reported; its healthy variant is `ok`.
Every test runs twice: on a --root whose loader cache lists a system CUDA toolkit
(/usr/local/cuda-13.0, as on many dev boxes) and on one without.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doctor.doctor_fakes import STUB_SRC, make_root

MIG0 = "MIG-00000000-5555-6666-7777-000000000000"
MIG1 = "MIG-00000000-5555-6666-7777-000000000001"
A100 = "NVIDIA A100-SXM4-80GB:8.0"
H100 = "NVIDIA H100 80GB HBM3:9.0"


def _gcc(source: str, target: Path, soname: str, *flags: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O1", f"-Wl,-soname,{soname}", "-I", str(STUB_SRC)]
        + ["-o", str(target), str(STUB_SRC / source), *flags],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture(scope="module")
def extra_stubs(tmp_path_factory) -> dict[str, Path]:
    """An LD_PRELOAD that denies open() of chosen paths, a libnccl and a libcublas."""
    if not shutil.which("gcc"):
        pytest.skip("gcc is needed to build the stub libraries")
    root = tmp_path_factory.mktemp("extra-stubs")
    return {
        "deny": _gcc("fake_deny.c", root / "deny/libfakedeny.so", "libfakedeny.so", "-ldl"),
        "nccl": _gcc("fake_nccl.c", root / "nccl/libnccl.so.2", "libnccl.so.2"),
        "cublas": _gcc("fake_cublas.c", root / "cublas/libcublas.so.12", "libcublas.so.12"),
    }


@pytest.fixture(params=["host-cuda-toolkit", "no-host-toolkit"])
def host(request, doctor, tmp_path):
    """The doctor's --root, with or without a system CUDA toolkit in its loader cache."""
    if request.param == "host-cuda-toolkit":
        toolkit = doctor.root / "usr/local/cuda-13.0/lib"
        doctor.stubs.place("cudart", toolkit).rename(toolkit / "libcudart.so.13")
        (doctor.root / "etc").mkdir(exist_ok=True)
        (doctor.root / "etc/ld.so.conf").write_text("/usr/local/cuda-13.0/lib\n")
        ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
        subprocess.run([ldconfig, "-r", str(doctor.root)], check=True, capture_output=True)
    return request.param


def errors(r) -> list[str]:
    return [f["id"] for f in r.report["findings"] if f["severity"] == "error"]


def warnings(r) -> list[str]:
    return [f["id"] for f in r.report["findings"] if f["severity"] == "warning"]


def by_id(r, finding_id: str) -> dict:
    return next(f for f in r.report["findings"] if f["id"] == finding_id)


def assert_explains_init_failure(r, root_id: str) -> None:
    """The symptom (cuInit fails while NVML answers) is info, linked to its one root cause."""
    symptom = by_id(r, "cuda-init-failed")
    assert symptom["severity"] == "info"
    assert symptom["caused_by"] == root_id
    assert "cuda-init-failed" in by_id(r, root_id)["explains"]


def assert_healthy(r) -> None:
    assert r.report["ok"] is True, errors(r)
    assert r.exit_code == 0
    assert errors(r) == warnings(r) == []


def test_host_toolkit_variant_is_what_it_says(doctor, host):
    r = doctor.run()
    listed = any("cuda-13.0" in p for p in r.report["facts"]["host"]["ld_cache"])
    assert listed is (host == "host-cuda-toolkit")
    assert_healthy(r)


# --- MIG -------------------------------------------------------------------------------


def _mig(doctor, devices: int = 2):
    return doctor.env(FAKE_GPUS=A100, FAKE_MIG_MODE="1", FAKE_MIG_DEVICES=str(devices)).torch()


@pytest.mark.parametrize("selector", ["0", "GPU-00000000-1111-2222-3333-444444444444"])
def test_mig_gpu_selected_by_index_or_gpu_uuid_selects_no_device(doctor, host, selector):
    # CUDA with MIG on: an index or a GPU UUID selects no compute instance
    r = _mig(doctor).env(CUDA_VISIBLE_DEVICES=selector, FAKE_CU_INIT_RC="100").run()
    assert r.exit_code == 1
    assert errors(r) == ["mig-device-not-selected:gpu0"]
    finding = by_id(r, "mig-device-not-selected:gpu0")
    assert (
        f"CUDA_VISIBLE_DEVICES={selector}: entry {selector!r} names the GPU itself"
        in (finding["evidence"])
    )
    assert any(
        "MIG mode is enabled (nvmlDeviceGetMigMode: current 1)" in e for e in finding["evidence"]
    )
    assert f"its MIG devices: {MIG0} (NVIDIA A100-SXM4-80GB MIG 1g.10gb)" in finding["evidence"][2]
    assert finding["fix"].startswith(f"export CUDA_VISIBLE_DEVICES={MIG0} ")
    assert "no-visible-devices" not in [f["code"] for f in r.report["findings"]]
    assert_explains_init_failure(r, "mig-device-not-selected:gpu0")
    gpu = r.report["facts"]["nvml"]["gpus"][0]
    assert gpu["mig"]["current"] == 1 and [d["uuid"] for d in gpu["mig"]["devices"]] == [MIG0, MIG1]


def test_healthy_mig_with_a_mig_uuid_selected(doctor, host):
    assert_healthy(_mig(doctor).env(CUDA_VISIBLE_DEVICES=MIG1).run())
    text = doctor.run_text()
    assert "MIG on, 2 MIG device(s)" in text
    assert f"MIG 1 NVIDIA A100-SXM4-80GB MIG 1g.10gb ({MIG1})" in text


def test_healthy_mig_with_nothing_selected(doctor, host):
    assert_healthy(_mig(doctor).run())  # CUDA enumerates the MIG device itself


def test_mig_mode_without_any_mig_device(doctor, host):
    r = _mig(doctor, devices=0).env(FAKE_CU_INIT_RC="100").run()
    assert errors(r) == ["mig-no-instances:gpu0"]
    finding = by_id(r, "mig-no-instances:gpu0")
    assert "nvidia-smi mig -i 0 -cgi 1g.10gb -C" in finding["fix"]
    assert_explains_init_failure(r, "mig-no-instances:gpu0")


# --- device nodes and kernel modules ---------------------------------------------------


def _deny(doctor, extra_stubs, *nodes: str, errno: int = 13):
    paths = ":".join(str(doctor.root / "dev" / n) for n in nodes)
    return doctor.env(
        LD_PRELOAD=str(extra_stubs["deny"]),
        FAKE_DENY_OPEN=paths,
        FAKE_DENY_ERRNO=str(errno),
        FAKE_CU_INIT_RC="999",
    )


def test_device_nodes_not_openable_by_file_mode(doctor, host, extra_stubs):
    r = _deny(doctor, extra_stubs, "nvidia0", "nvidia-uvm").torch(available="0").run()
    root_id = "device-node-denied:/dev/nvidia-uvm,/dev/nvidia0"
    assert errors(r) == [root_id]
    finding = by_id(r, root_id)
    assert finding["evidence"][0].startswith(
        "open(/dev/nvidia-uvm, O_RDWR) -> EACCES (Permission denied): mode 0644"
    )
    assert "NVML answers" in finding["evidence"]
    assert "sudo usermod -aG" in finding["fix"]
    assert_explains_init_failure(r, root_id)
    symptom = by_id(r, "cuda-init-failed")
    assert "cuInit -> 999 (CUDA_ERROR_UNKNOWN)" in symptom["evidence"]
    assert "torch.cuda.is_available() is False" in symptom["evidence"]


def test_device_node_denied_by_a_cgroup_rule(doctor, host, extra_stubs):
    r = _deny(doctor, extra_stubs, "nvidiactl", errno=1).run()
    assert errors(r) == ["device-node-denied:/dev/nvidiactl"]
    finding = by_id(r, "device-node-denied:/dev/nvidiactl")
    assert "-> EPERM (Operation not permitted)" in finding["evidence"][0]
    assert "cgroup device rule" in finding["evidence"][0]
    assert "recreate the container" in finding["fix"]


def _modules(root: Path, *names: str) -> None:
    (root / "proc").mkdir(exist_ok=True)
    (root / "proc/modules").write_text(
        "".join(f"{n} 1437696 0 - Live 0x0000000000000000\n" for n in names)
    )


def test_nvidia_loaded_without_nvidia_uvm(doctor, host):
    _modules(doctor.root, "nvidia", "nvidia_modeset", "nvidia_drm", "snd_hda_intel")
    (doctor.root / "dev/nvidia-uvm").unlink()
    r = doctor.env(FAKE_CU_INIT_RC="999").run()
    assert errors(r) == ["uvm-module-not-loaded"]
    finding = by_id(r, "uvm-module-not-loaded")
    assert finding["evidence"][:2] == [
        "/proc/modules: nvidia, nvidia_drm, nvidia_modeset (no nvidia_uvm)",
        "/dev/nvidia-uvm missing",
    ]
    assert finding["fix"].startswith("`sudo modprobe nvidia-uvm")
    assert sorted(finding["explains"]) == [
        "cuda-init-failed",
        "device-node-missing:/dev/nvidia-uvm",
    ]


def test_uvm_loaded_but_its_device_node_missing(doctor, host):
    _modules(doctor.root, "nvidia", "nvidia_uvm")
    (doctor.root / "dev/nvidia-uvm").unlink()
    r = doctor.env(FAKE_CU_INIT_RC="999").run()
    assert errors(r) == ["device-node-missing:/dev/nvidia-uvm"]
    assert "nvidia-modprobe" in by_id(r, "device-node-missing:/dev/nvidia-uvm")["fix"]
    assert_explains_init_failure(r, "device-node-missing:/dev/nvidia-uvm")


def test_container_given_only_dev_nvidia0(doctor, host, tmp_path):
    root = make_root(tmp_path / "ctr", docker=True)
    (root / "dev/nvidiactl").unlink()
    r = doctor.env(FAKE_CU_INIT_RC="999").run(root=root)
    assert "device-node-missing:/dev/nvidiactl" in errors(r)
    assert "--gpus all" in by_id(r, "device-node-missing:/dev/nvidiactl")["fix"]


def test_healthy_modules_and_nodes(doctor, host):
    _modules(doctor.root, "nvidia", "nvidia_uvm", "nvidia_modeset")
    r = doctor.torch().run()
    assert_healthy(r)
    nodes = {n["path"]: n["open"] for n in r.report["facts"]["devices"]["nodes"]}
    assert nodes == {"/dev/nvidia-uvm": "ok", "/dev/nvidia0": "ok", "/dev/nvidiactl": "ok"}


# --- lost GPUs and CUDA_VISIBLE_DEVICES -------------------------------------------------


def test_gpu_fallen_off_the_bus_on_a_multi_gpu_node(doctor, host):
    doctor.env(FAKE_GPUS=f"{H100};{H100};{H100}", FAKE_GPU_LOST="0,1,0", FAKE_CU_INIT_RC="999")
    r = doctor.run()
    assert errors(r) == ["gpu-lost:gpu1"]
    finding = by_id(r, "gpu-lost:gpu1")
    assert finding["evidence"][0].startswith("GPU 1: NVML answers")
    assert "(NVML_ERROR_GPU_IS_LOST)" in finding["evidence"][0]
    assert "CUDA_VISIBLE_DEVICES=(unset): GPU 1 is visible to CUDA" in finding["evidence"]
    assert "sudo nvidia-smi -r -i 1" in finding["fix"]
    assert "CUDA_VISIBLE_DEVICES=0,2" in finding["fix"]
    assert_explains_init_failure(r, "gpu-lost:gpu1")
    assert r.report["facts"]["nvml"]["gpus"][1]["lost"] is True
    assert "GPU 1: NVML answers 'GPU is lost' (NVML_ERROR_GPU_IS_LOST)" in finding["evidence"][0]
    assert "GPU 1 lost: GPU is lost" in doctor.run_text()


def test_lost_gpu_hidden_by_cuda_visible_devices_is_only_a_warning(doctor, host):
    doctor.env(FAKE_GPUS=f"{H100};{H100}", FAKE_GPU_LOST="0,1", CUDA_VISIBLE_DEVICES="0")
    r = doctor.run()
    assert r.report["ok"] is True, errors(r)
    assert warnings(r) == ["gpu-lost:gpu1"]


def test_healthy_multi_gpu_node_with_one_device_hidden(doctor, host):
    doctor.env(FAKE_GPUS=f"{H100};{H100}", CUDA_VISIBLE_DEVICES="1")
    assert_healthy(doctor.torch().run())


@pytest.mark.parametrize("value", ["1", "GPU-deadbeef-0000-1111-2222-333333333333"])
def test_visible_device_that_does_not_exist(doctor, host, value):
    r = doctor.env(CUDA_VISIBLE_DEVICES=value, FAKE_CU_INIT_RC="100").run()
    assert errors(r) == ["no-visible-devices"]
    finding = by_id(r, "no-visible-devices")
    assert f"CUDA_VISIBLE_DEVICES={value}" in finding["evidence"]
    assert "NVML sees 1 GPU(s): 0=GPU-00000000-1111-2222-3333-444444444444" in finding["evidence"]
    assert_explains_init_failure(r, "no-visible-devices")


# --- exclusive compute mode ------------------------------------------------------------


def test_exclusive_process_mode_with_another_process_holding_the_gpu(doctor, host):
    (doctor.root / "proc/4242").mkdir(parents=True)
    (doctor.root / "proc/4242/cmdline").write_bytes(b"python\0train.py\0")
    doctor.env(FAKE_GPUS=f"{H100};{H100}", FAKE_COMPUTE_MODE="3,0", FAKE_PROCS="0:4242:2147483648")
    r = doctor.run()
    assert errors(r) == ["gpu-exclusive-busy:gpu0"]
    finding = by_id(r, "gpu-exclusive-busy:gpu0")
    assert "compute mode EXCLUSIVE_PROCESS (nvmlDeviceGetComputeMode = 3)" in finding["evidence"][0]
    assert finding["evidence"][1] == (
        "held by pid 4242 (python train.py), 2048 MiB (nvmlDeviceGetComputeRunningProcesses)"
    )
    assert "CUDA_VISIBLE_DEVICES=1" in finding["fix"]
    assert "nvidia-smi -i 0 -c DEFAULT" in finding["fix"]


def test_exclusive_mode_on_an_idle_gpu_is_healthy(doctor, host):
    assert_healthy(doctor.env(FAKE_COMPUTE_MODE="3").torch().run())


# --- libraries shadowed by an old toolkit ------------------------------------------------


def _wheel_site(
    tmp_path: Path, extra_stubs, *dists: str, folder: str = "venv/lib/python3.11/site-packages"
) -> Path:
    """A site-packages with the wheels' libcublas / libnccl and their dist-info."""
    site = tmp_path / folder
    for name, lib, stub in (
        ("cublas", "libcublas.so.12", "cublas"),
        ("nccl", "libnccl.so.2", "nccl"),
    ):
        (site / "nvidia" / name / "lib").mkdir(parents=True)
        shutil.copy2(extra_stubs[stub], site / "nvidia" / name / "lib" / lib)
    for dist in dists:
        (site / f"{dist}.dist-info").mkdir(parents=True)
    return site


def _old_copy(stub: Path, folder: Path, real: str, soname: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(stub, folder / real)
    (folder / soname).symlink_to(real)
    return folder


def test_old_toolkit_cublas_and_system_nccl_shadow_the_wheels(doctor, host, extra_stubs, tmp_path):
    site = _wheel_site(
        tmp_path, extra_stubs, "nvidia_cublas_cu12-12.8.4.1", "nvidia_nccl_cu12-2.27.3"
    )
    old = _old_copy(
        extra_stubs["cublas"],
        tmp_path / "usr/local/cuda-12.1/lib64",
        "libcublas.so.12.1.3.1",
        "libcublas.so.12",
    )
    sysnccl = _old_copy(
        extra_stubs["nccl"],
        tmp_path / "usr/lib/x86_64-linux-gnu",
        "libnccl.so.2.18.5",
        "libnccl.so.2",
    )
    stubs = doctor.stubs.dirs("nvml", "cuda", "cudart", "cudnn")
    doctor.env(LD_LIBRARY_PATH=f"{old}:{sysnccl}:{stubs}", FAKE_NCCL_VERSION="21805")
    doctor.torch(extra_libs="libcublas.so.12,libnccl.so.2")
    doctor.env(PYTHONPATH=os.environ["PYTHONPATH"] + f":{site}")
    r = doctor.run()
    assert sorted(errors(r)) == sorted([f"lib-shadowed:{old}", f"lib-shadowed:{sysnccl}"])
    cublas = by_id(r, f"lib-shadowed:{old}")
    assert cublas["evidence"][0] == (
        f"libcublas.so.12 loaded from {old}/libcublas.so.12.1.3.1 (version 12.1.3.1), while "
        f"{site}/nvidia/cublas/lib/libcublas.so.12 ships with nvidia-cublas-cu12 12.8.4.1"
    )
    assert any(e.startswith("LD_LIBRARY_PATH=") and f"lists {old}" in e for e in cublas["evidence"])
    assert cublas["fix"].startswith(f"export LD_LIBRARY_PATH={sysnccl}:{stubs}  (drops {old};")
    nccl = by_id(r, f"lib-shadowed:{sysnccl}")
    assert nccl["evidence"][0].startswith(
        f"libnccl.so.2 loaded from {sysnccl}/libnccl.so.2.18.5 (version 2.18.5), while "
    )
    assert nccl["evidence"][0].endswith("ships with nvidia-nccl-cu12 2.27.3")


@pytest.mark.parametrize("folder", ["venv/lib/python3.11/site-packages", "wheel-cache/cublas"])
def test_wheel_libraries_first_on_the_path_are_healthy(doctor, host, extra_stubs, tmp_path, folder):
    # a wheel folder on sys.path is the wheels' copy, whatever its folder is called
    site = _wheel_site(
        tmp_path,
        extra_stubs,
        "nvidia_cublas_cu12-12.8.4.1",
        "nvidia_nccl_cu12-2.27.3",
        folder=folder,
    )
    wheel_dirs = f"{site}/nvidia/cublas/lib:{site}/nvidia/nccl/lib"
    old = _old_copy(
        extra_stubs["cublas"],
        tmp_path / "usr/local/cuda-12.1/lib64",
        "libcublas.so.12.1.3.1",
        "libcublas.so.12",
    )
    stubs = doctor.stubs.dirs("nvml", "cuda", "cudart", "cudnn")
    doctor.env(LD_LIBRARY_PATH=f"{wheel_dirs}:{old}:{stubs}")
    doctor.torch(extra_libs="libcublas.so.12,libnccl.so.2")
    doctor.env(PYTHONPATH=os.environ["PYTHONPATH"] + f":{site}")
    assert_healthy(doctor.run())


# --- WSL2 ------------------------------------------------------------------------------


def _wsl_root(doctor, tmp_path: Path) -> Path:
    root = make_root(tmp_path / "wsl", driver=None, nodes=False)
    (root / "proc").mkdir(exist_ok=True)
    (root / "proc/version").write_text(
        "Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1) (gcc (GCC) 11.2.0)\n"
    )
    (root / "dev").mkdir()
    (root / "dev/dxg").write_text("")
    wsl = root / "usr/lib/wsl/lib"
    doctor.stubs.place("cuda", wsl)
    doctor.stubs.place("nvml", wsl)
    return root


def test_healthy_wsl2_layout(doctor, host, tmp_path):
    root = _wsl_root(doctor, tmp_path)
    wsl = root / "usr/lib/wsl/lib"
    doctor.env(LD_LIBRARY_PATH=f"{wsl}:" + doctor.stubs.dirs("cudart", "cudnn"))
    r = doctor.torch().run(root=root)
    assert_healthy(r)
    assert r.report["facts"]["host"]["wsl"]["detected"] is True


def test_wsl2_libcuda_shadowed_by_a_copied_linux_driver(doctor, host, tmp_path):
    root = _wsl_root(doctor, tmp_path)
    wsl = root / "usr/lib/wsl/lib"
    linux = doctor.stubs.place("cuda", root / "usr/lib/x86_64-linux-gnu").parent
    doctor.env(
        LD_LIBRARY_PATH=f"{linux}:{wsl}:" + doctor.stubs.dirs("cudart", "cudnn"),
        FAKE_CU_INIT_RC="100",
    )
    r = doctor.run(root=root)
    assert errors(r) == ["wsl-libcuda-shadowed"]
    finding = by_id(r, "wsl-libcuda-shadowed")
    assert any(
        e.startswith("libcuda loaded from /usr/lib/x86_64-linux-gnu/libcuda.so.1")
        for e in finding["evidence"]
    )
    assert "/dev/dxg exists" in finding["evidence"]
    assert finding["fix"].startswith(
        "Delete the copied Linux driver library: `sudo rm /usr/lib/x86_64-linux-gnu/libcuda.so*`"
    )
    assert_explains_init_failure(r, "wsl-libcuda-shadowed")


# --- JAX -------------------------------------------------------------------------------


def test_jax_cuda_plugin_version_differs_from_jaxlib(doctor, host):
    site = doctor.site_packages(
        "jax-0.4.30", "jaxlib-0.4.30", "jax_cuda12_plugin-0.4.28", "jax_cuda12_pjrt-0.4.28"
    )
    r = doctor.run()
    assert errors(r) == ["jax-plugin-mismatch"]
    finding = by_id(r, "jax-plugin-mismatch")
    assert f"jaxlib 0.4.30 ({site})" in finding["evidence"]
    assert f"jax-cuda12-plugin 0.4.28 ({site})" in finding["evidence"]
    assert finding["fix"].startswith('pip install --upgrade "jax[cuda12]==0.4.30"')


def test_jax_plugin_matching_jaxlib_is_healthy(doctor, host):
    doctor.site_packages("jax-0.4.30", "jaxlib-0.4.30", "jax_cuda12_plugin-0.4.30")
    assert_healthy(doctor.run())


# --- the pynvml fallback reads the same per-device facts ---------------------------------


def test_pynvml_fallback_reads_mig_compute_mode_processes_and_lost_gpus(doctor):
    """When the probe dies before NVML, mlt asks through nvidia-ml-py: same fields, same names."""
    pytest.importorskip("pynvml")
    env = dict(
        os.environ,
        LD_LIBRARY_PATH=doctor.stubs.dirs("nvml"),
        FAKE_GPUS=f"{A100};{H100};{H100}",
        FAKE_MIG_MODE="1,0,0",
        FAKE_MIG_DEVICES="1,0,0",
        FAKE_COMPUTE_MODE="0,3,0",
        FAKE_PROCS="1:4242:1048576",
        FAKE_GPU_LOST="0,0,1",
    )
    code = "import json; from mlt.doctor import nvml; print(json.dumps(nvml.collect()))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    gpus = json.loads(out.stdout)["gpus"]
    assert gpus[0]["mig"] == {
        "current": 1,
        "pending": 1,
        "devices": [{"index": 0, "uuid": MIG0, "name": "NVIDIA A100-SXM4-80GB MIG 1g.10gb"}],
    }
    assert gpus[1]["compute_mode"] == 3
    assert gpus[1]["processes"] == [{"pid": 4242, "used_memory": 1048576}]
    assert gpus[2] == {"index": 2, "lost": True, "error": "GpuIsLost"}


def test_job_confined_to_its_gpus_is_healthy(doctor, host, extra_stubs):
    """Slurm ConstrainDevices / a device cgroup: the other GPUs' nodes are closed (EPERM)."""
    (doctor.root / "dev/nvidia1").write_text("")
    doctor.env(FAKE_GPUS=f"{H100};{H100}", CUDA_VISIBLE_DEVICES="0")
    _deny(doctor, extra_stubs, "nvidia1", errno=1).env(FAKE_CU_INIT_RC="0")
    r = doctor.torch().run()
    assert_healthy(r)
    assert by_id(r, "device-node-denied:/dev/nvidia1")["severity"] == "info"
