"""Root-cause links, CUDA 13 wheel naming and exact fix commands, on hand-written facts."""

from __future__ import annotations

from mlt.doctor.rules import evaluate
from tests.doctor.healthy_facts import facts


def test_cuda13_wheels_have_no_suffix_and_pair_with_cu12():
    from mlt.doctor.rules.packages import pip_install, split_dist, wheel_name

    assert split_dist("nvidia-cuda-runtime", "13.0.96") == ("nvidia-cuda-runtime", 13)
    assert split_dist("nvidia-cuda-runtime-cu12", "12.9.79") == ("nvidia-cuda-runtime", 12)
    assert split_dist("nvidia-cudnn-cu13", "9.13.0.50") == ("nvidia-cudnn", 13)
    assert split_dist("nvidia-ml-py", "13.580.82") is None  # not a CUDA library wheel
    assert split_dist("nvidia-cuda-runtime", "0.0.1") is None
    assert wheel_name("nvidia-cuda-runtime", 13) == "nvidia-cuda-runtime"
    assert wheel_name("nvidia-cudnn", 13) == "nvidia-cudnn-cu13"  # cuDNN keeps its suffix
    assert pip_install("nvidia-cublas", 13) == 'pip install "nvidia-cublas==13.*"'
    assert pip_install("nvidia-cudnn", 12, "9.8.0") == 'pip install "nvidia-cudnn-cu12==9.8.0.*"'


def test_cu12_and_cu13_runtime_wheels_conflict_and_the_framework_major_is_kept():
    f = facts(
        wheels={
            "dists": [
                {"name": "nvidia-cuda-runtime-cu12", "version": "12.9.79", "location": "/s"},
                {"name": "nvidia-cuda-runtime", "version": "13.0.96", "location": "/s"},
            ],
            "lib_dirs": [],
        }
    )
    f["frameworks"]["torch"]["cuda"] = "13.0"
    (found,) = [x for x in evaluate(f, True) if x.code == "conflicting-cuda-packages"]
    assert found.id == "conflicting-cuda-packages:nvidia-cuda-runtime"
    assert found.fix.startswith("pip uninstall nvidia-cuda-runtime-cu12 ")


def test_missing_cublaslt_fix_names_the_wheel_for_the_framework_cuda():
    f = facts()
    f["frameworks"]["torch"] = {
        "import_error": "OSError: libcublasLt.so.13: cannot open shared object file"
    }
    f["frameworks"]["jax"] = {"cuda": "13.0", "version": "0.7.2"}
    (found,) = [x for x in evaluate(f, True) if x.code == "lib-not-found"]
    assert found.subject == "libcublasLt.so.13"
    assert found.fix.startswith('pip install "nvidia-cublas==13.*"')


def test_error_35_without_libcuda_is_not_an_old_driver_and_container_is_one_error():
    f = facts()
    f["host"]["container"] = {"in_container": True, "evidence": ["/.dockerenv exists"]}
    f["host"]["device_nodes"] = []
    f["nvml"] = {"loaded": False, "error": "LibraryNotFound", "detail": "not found"}
    f["cuda_driver"] = {"loaded": False, "error": "libcuda.so.1: cannot open shared object"}
    f["loaded_libs"] = [lib for lib in f["loaded_libs"] if lib["key"] != "libcuda"]
    f["cuda_runtime"]["cudart_device_count_rc"] = 35
    found = evaluate(f, True)
    assert [x.id for x in found if x.severity == "error"] == ["container-gpu-not-exposed"]
    assert "driver-too-old" not in [x.code for x in found]
    root = next(x for x in found if x.code == "container-gpu-not-exposed")
    assert sorted(root.explains) == [
        "lib-not-found:libcuda.so.1",
        "lib-not-found:libnvidia-ml.so.1",
    ]
    explained = [x for x in found if x.caused_by]
    assert {x.caused_by for x in explained} == {"container-gpu-not-exposed"}
    assert all(x.severity == "info" for x in explained)
    assert root.to_dict()["explains"] == root.explains  # the JSON link


def test_runtime_older_than_the_framework_build_is_a_warning():
    f = facts()
    f["frameworks"]["torch"]["cuda"] = "12.8"
    f["cuda_runtime"]["cudart_version"] = 12040
    (found,) = [x for x in evaluate(f, True) if x.code == "cuda-runtime-older-than-build"]
    assert found.severity == "warning"
    assert found.title == "torch was built for CUDA 12.8 but loads CUDA runtime 12.4"
    assert found.fix.startswith('pip install "nvidia-cuda-runtime-cu12>=12.8"')


def test_error_35_with_a_new_enough_kernel_module_blames_the_libcuda_in_use():
    f = facts()
    f["cuda_runtime"]["cudart_device_count_rc"] = 35
    f["cuda_driver"]["driver_version"] = 11080  # a stray libcuda from an older driver
    (found,) = [x for x in evaluate(f, True) if x.code == "driver-too-old"]
    assert found.title.startswith("The libcuda in use is older than the driver 550.54.15")
    assert "Upgrade the NVIDIA driver" not in found.fix  # 550 already runs CUDA 12.4
    assert "that libcuda supports CUDA 11.8" in found.evidence
