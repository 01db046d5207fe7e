"""Rules on hand-written facts: the version oracles and each code's edge cases."""

from __future__ import annotations

import pytest

from mlt.doctor.rules import arch_covers, cudnn_version, evaluate
from tests.doctor.healthy_facts import facts


def set_driver(f: dict, version: str) -> None:
    """Kernel module and NVML agree on the driver version (else: nvml-version-mismatch)."""
    f["host"]["driver"]["version"] = version
    f["nvml"]["driver_version"] = version


def codes(f: dict, gpu: bool = True, severity: str | None = None) -> list[str]:
    return [x.code for x in evaluate(f, gpu) if severity in (None, x.severity)]


def with_torch(**values) -> dict:
    torch = dict(facts()["frameworks"]["torch"], **values)
    return {"torch": torch}


def test_healthy_machine_has_no_findings():
    assert codes(facts()) == []


# --- architectures (reference section 4 oracle tests) ----------------------------------


@pytest.mark.parametrize(
    ("arches", "cc", "expected"),
    [
        (["sm_80"], (8, 9), "sass"),  # same major, newer minor
        (["sm_80"], (9, 0), None),  # SASS never crosses a major
        (["compute_80"], (9, 0), "ptx"),  # PTX JITs forward
        (["sm_50", "sm_90"], (12, 0), None),  # Blackwell on an old build
        (["sm_90a"], (9, 0), "sass"),
        (["sm_90a"], (10, 0), None),  # arch-specific: no compatibility at all
        (["compute_90a"], (10, 0), None),
        (["sm_100f"], (10, 3), "sass"),  # family-specific
        (["sm_120"], (12, 0), "sass"),
        (["8.0"], (8, 6), "sass"),  # TF's numeric form
        ([], (9, 0), None),
    ],
)
def test_arch_covers(arches, cc, expected):
    assert arch_covers(arches, cc) == expected


def test_arch_unsupported_when_only_older_major_sass():
    f = facts(frameworks=with_torch(arch_list=["sm_70", "sm_80"]))
    found = [x for x in evaluate(f, True) if x.code == "arch-unsupported"]
    assert found and found[0].severity == "error"
    assert "sm_90" in found[0].title


def test_ptx_jit_is_info_not_error():
    f = facts(frameworks=with_torch(arch_list=["sm_80", "compute_80"]))
    assert codes(f, severity="error") == []
    assert "arch-ptx-jit" in codes(f, severity="info")


def test_l4_runs_sm_80_sass():
    f = facts(frameworks=with_torch(arch_list=["sm_80"]))
    f["nvml"]["gpus"][0].update(name="NVIDIA L4", cc="8.9")
    assert codes(f) == []


def test_arch_uses_name_table_when_nvml_has_no_cc():
    f = facts(frameworks=with_torch(arch_list=["sm_80"]))
    f["nvml"]["gpus"][0]["cc"] = None  # 'H100' -> 9.0 from compat.yaml
    assert "arch-unsupported" in codes(f)


# --- driver vs runtime (table 3a) ------------------------------------------------------


def test_old_driver_cannot_run_cuda_12_9():
    f = facts(cuda_runtime={"cudart_version": 12090})
    set_driver(f, "470.82.01")
    found = [x for x in evaluate(f, True) if x.code == "driver-too-old"]
    assert found and found[0].severity == "error"
    assert ">= 525.60.13" in found[0].fix  # the minor-compat floor, as NVIDIA writes it
    assert "CUDA <= 11.4" in found[0].fix


def test_minor_version_compat_is_not_an_error():
    f = facts(cuda_runtime={"cudart_version": 12080})
    set_driver(f, "535.54.03")
    assert codes(f, severity="error") == []
    assert "driver-minor-compat" in codes(f, severity="info")


def test_cuda_11_needs_450_80_02():
    f = facts(cuda_runtime={"cudart_version": 11080}, frameworks={})
    set_driver(f, "450.51.06")
    assert "driver-too-old" in codes(f)
    set_driver(f, "450.80.02")
    assert codes(f, severity="error") == []


def test_new_major_on_old_driver_is_too_old():
    f = facts(cuda_runtime={"cudart_version": 13000}, frameworks={})
    assert "driver-too-old" in codes(f)


def test_unknown_runtime_minor_is_judged_by_major():
    f = facts(cuda_runtime={"cudart_version": 12070}, frameworks={})  # there was never a 12.7
    assert codes(f, severity="error") == []


def test_insufficient_driver_error_from_cudart():
    f = facts(cuda_runtime={"cudart_version": 12040, "cudart_device_count_rc": 35})
    assert "driver-too-old" in codes(f)


def test_forward_compat_libcuda_makes_newer_runtime_ok():
    f = facts(cuda_runtime={"cudart_version": 12080}, frameworks={})
    set_driver(f, "470.82.01")
    f["cuda_driver"]["driver_version"] = 12080
    f["loaded_libs"][1]["realpath"] = "/usr/local/cuda-12.8/compat/libcuda.so.570.124.06"
    assert codes(f, severity="error") == []


def test_no_runtime_no_driver_check():
    f = facts(cuda_runtime={}, frameworks={})
    set_driver(f, "418.40")
    assert "driver-too-old" not in codes(f)


# --- no driver / containers ------------------------------------------------------------


def no_driver_facts(**host) -> dict:
    f = facts(
        nvml={"loaded": False, "error": "LibraryNotFound"},
        cuda_driver={"loaded": False, "error": "libcuda.so.1: cannot open shared object file"},
        cuda_runtime={},
        frameworks={},
        loaded_libs=[],
    )
    f["host"].update(driver=None, device_nodes=[], **host)
    return f


def test_no_driver_severity_follows_intent():
    f = no_driver_facts()
    assert codes(f, gpu=True, severity="error") == ["no-driver"]
    assert codes(f, gpu=False) == ["no-driver"]
    assert codes(f, gpu=False, severity="info") == ["no-driver"]
    f["frameworks"] = with_torch()
    assert codes(f, gpu=False, severity="warning") == ["no-driver"]


def test_container_without_gpu_says_so_instead_of_no_driver():
    f = no_driver_facts(container={"in_container": True, "evidence": ["/.dockerenv exists"]})
    assert codes(f) == ["container-gpu-not-exposed"]


def test_container_with_void_visible_devices():
    f = facts()
    f["host"]["container"] = {"in_container": True, "evidence": ["/.dockerenv exists"]}
    f["host"]["env"] = {"NVIDIA_VISIBLE_DEVICES": "void"}
    assert "container-gpu-not-exposed" in codes(f)


def test_container_capabilities_without_compute():
    f = facts(cuda_driver={"loaded": False, "error": "not found"})
    f["host"]["container"] = {"in_container": True, "evidence": ["/.dockerenv exists"]}
    f["host"]["env"] = {"NVIDIA_DRIVER_CAPABILITIES": "utility"}
    found = [x for x in evaluate(f, True) if x.code == "container-gpu-not-exposed"]
    assert any("lacks 'compute'" in line for line in found[0].evidence)


def test_container_with_gpu_is_fine():
    f = facts()
    f["host"]["container"] = {"in_container": True, "evidence": ["/.dockerenv exists"]}
    f["host"]["env"] = {
        "NVIDIA_VISIBLE_DEVICES": "all",
        "NVIDIA_DRIVER_CAPABILITIES": "compute,utility",
    }
    assert codes(f) == []


# --- libraries ---------------------------------------------------------------------------


def test_gke_driver_mount_not_on_search_path():
    f = facts(
        cuda_driver={"loaded": False, "error": "libcuda.so.1: cannot open shared object file"}
    )
    f["host"]["lib_dirs"] = [
        {"dir": "/usr/local/nvidia/lib64", "files": ["libcuda.so.1", "libnvidia-ml.so.1"]}
    ]
    found = [x for x in evaluate(f, True) if x.code == "lib-not-on-search-path"]
    assert found and "/usr/local/nvidia/lib64" in found[0].fix


def test_stub_dir_is_not_offered_as_the_driver():
    f = facts(
        cuda_driver={"loaded": False, "error": "libcuda.so.1: cannot open shared object file"}
    )
    f["host"]["lib_dirs"] = [{"dir": "/usr/local/cuda-12.4/lib64/stubs", "files": ["libcuda.so.1"]}]
    assert "lib-not-found" in codes(f)
    assert "lib-not-on-search-path" not in codes(f)


def test_framework_import_error_names_the_missing_library():
    f = facts(
        frameworks={
            "torch": {
                "import_error": "OSError: libcudnn.so.9: cannot open shared object file: "
                "No such file or directory"
            }
        }
    )
    found = [x for x in evaluate(f, True) if x.code == "lib-not-found"]
    assert "libcudnn.so.9" in found[0].title
    assert "nvidia-cudnn-cu12" in found[0].fix


def test_tensorflow_dso_loader_message():
    f = facts(
        frameworks={
            "tensorflow": {
                "version": "2.15.0",
                "build": {"is_cuda_build": True, "cuda_version": "12.2", "cudnn_version": "8"},
                "gpus": [],
            }
        },
        probe={
            "error": None,
            "stderr_tail": "W dso_loader.cc] Could not load dynamic library "
            "'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file",
        },
    )
    assert "lib-not-found" in codes(f)


def test_duplicate_cudart():
    f = facts()
    f["loaded_libs"].append(
        {
            "key": "libcudart",
            "path": "/usr/local/cuda-12.1/lib64/libcudart.so.12",
            "realpath": "/usr/local/cuda-12.1/lib64/libcudart.so.12.1.105",
        }
    )
    assert codes(f) == ["duplicate-lib"]


def test_cuda_stub_driver_from_path_or_return_code():
    f = facts()
    f["loaded_libs"][1]["realpath"] = "/usr/local/cuda/lib64/stubs/libcuda.so"
    assert "cuda-stub-driver" in codes(f)
    f = facts(cuda_driver={"loaded": True, "init_rc": 34})
    assert "cuda-stub-driver" in codes(f)


def test_forward_compat_on_geforce():
    f = facts()
    f["loaded_libs"][1]["realpath"] = "/usr/local/cuda-12.8/compat/libcuda.so.570.124.06"
    f["nvml"]["gpus"][0].update(name="NVIDIA GeForce RTX 4090", cc="8.9", brand=5)
    assert "forward-compat-unsupported" in codes(f)
    f["nvml"]["gpus"][0].update(brand=14)  # datacenter: fine
    assert "forward-compat-unsupported" not in codes(f)


def test_forward_compat_error_804():
    assert "forward-compat-unsupported" in codes(
        facts(cuda_driver={"loaded": True, "init_rc": 804})
    )


# --- cuDNN -----------------------------------------------------------------------------


def test_cudnn_version_decoding():
    assert cudnn_version(90100) == (9, 1, 0)
    assert cudnn_version(91002) == (9, 10, 2)
    assert cudnn_version(8906) == (8, 9, 6)


def test_cudnn_older_than_build():
    f = facts(frameworks=with_torch(cudnn=90100, cudnn_compile=[9, 10, 2]))
    assert codes(f) == ["cudnn-mismatch"]


def test_cudnn_newer_minor_is_fine():
    assert codes(facts(frameworks=with_torch(cudnn=91002, cudnn_compile=[9, 1, 0]))) == []


def test_cudnn_error_from_torch():
    f = facts(
        frameworks=with_torch(
            cudnn=None,
            cudnn_error="RuntimeError: cuDNN version incompatibility: "
            "PyTorch was compiled against (8, 5, 0) but found runtime version (8, 4, 1)",
        )
    )
    assert "cudnn-mismatch" in codes(f)


def test_cudnn_tensorflow_major():
    f = facts(
        frameworks={
            "tensorflow": {
                "version": "2.15.0",
                "build": {"is_cuda_build": True, "cuda_version": "12.2", "cudnn_version": "8"},
                "gpus": ["/physical_device:GPU:0"],
            }
        }
    )
    f["cuda_runtime"]["cudnn_version"] = 90100
    assert "cudnn-mismatch" in codes(f)


# --- devices, builds, fabric, packages ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "error"),
        ("1", "error"),  # one GPU: index 1 doesn't exist
        ("GPU-deadbeef", "error"),
        ("0,3", "warning"),
        ("0", None),
        ("GPU-8a5c1e2d", None),  # CUDA accepts a unique UUID prefix
    ],
)
def test_cuda_visible_devices(value, expected):
    f = facts()
    f["host"]["env"] = {"CUDA_VISIBLE_DEVICES": value}
    found = [x.severity for x in evaluate(f, True) if x.code == "no-visible-devices"]
    assert found == ([expected] if expected else [])


def test_cpu_torch_on_gpu_machine():
    f = facts(
        frameworks={"torch": {"version": "2.6.0+cpu", "cuda": None, "hip": None}}, cuda_runtime={}
    )
    found = [x for x in evaluate(f, True) if x.code == "framework-cpu-build"]
    assert found[0].severity == "error"
    assert "download.pytorch.org/whl/cu126" in found[0].fix  # newest 2.6 variant driver 550 runs
    assert [x.severity for x in evaluate(f, False) if x.code == "framework-cpu-build"] == [
        "warning"
    ]


def test_cpu_torch_without_gpu_is_not_this_finding():
    f = no_driver_facts()
    f["frameworks"] = {"torch": {"version": "2.6.0+cpu", "cuda": None}}
    assert "framework-cpu-build" not in codes(f)


def test_cpu_tensorflow_and_jax():
    f = facts(
        frameworks={
            "tensorflow": {"version": "2.15.0", "build": {"is_cuda_build": False}},
            "jax": {"version": "0.4.30", "backend": "cpu"},
        },
        cuda_runtime={},
    )
    assert codes(f).count("framework-cpu-build") == 2


@pytest.mark.parametrize(
    ("state", "status", "bad"), [(1, 0, True), (2, 0, True), (3, 0, False), (3, 1, True)]
)
def test_fabric_state(state, status, bad):
    f = facts()
    f["nvml"]["gpus"][0]["fabric"] = {"state": state, "status": status}
    assert ("fabric-manager-not-running" in codes(f)) is bad


def test_fabric_cuinit_802():
    assert "fabric-manager-not-running" in codes(
        facts(cuda_driver={"loaded": True, "init_rc": 802})
    )


def test_conflicting_nccl_packages():
    f = facts(
        wheels={
            "dists": [
                {"name": "nvidia-nccl-cu11", "version": "2.14.3", "location": "/site"},
                {"name": "nvidia-nccl-cu12", "version": "2.21.5", "location": "/site"},
                {"name": "nvidia-cudnn-cu12", "version": "9.1.0.70", "location": "/site"},
            ],
            "lib_dirs": [],
        }
    )
    found = [x for x in evaluate(f, True) if x.code == "conflicting-cuda-packages"]
    assert len(found) == 1
    assert found[0].fix.startswith("pip uninstall nvidia-nccl-cu11 ")  # torch is a CUDA 12 build


def test_nvml_mismatch_by_init_code_and_by_versions():
    f = facts(nvml={"loaded": True, "init_rc": 18, "error": "Driver/library version mismatch"})
    assert "nvml-version-mismatch" in codes(f)
    f = facts()
    f["nvml"]["driver_version"] = "550.144.03"
    assert "nvml-version-mismatch" in codes(f)


def test_rules_never_raise_on_garbage():
    found = evaluate({"host": "garbage", "nvml": {"gpus": "x"}, "frameworks": {"torch": 3}}, True)
    assert all(x.severity in ("error", "warning", "info") for x in found)


def test_errors_sort_first():
    f = facts(
        frameworks=with_torch(arch_list=["sm_80", "compute_80"]),
        cuda_driver={"loaded": True, "init_rc": 34},
    )
    severities = [x.severity for x in evaluate(f, True)]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
