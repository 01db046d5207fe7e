"""The compatibility rules that the image catalog and the GPU doctor both rely on."""

import pytest

from mlt import compat
from mlt.errors import MltError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.8.1", (12, 8, 1)),
        ("2.7.1+cu126", (2, 7, 1)),
        (12090, (12, 9)),
        ("v580.95.05", (580, 95, 5)),
    ],
)
def test_parse_version(text, expected):
    assert compat.parse_version(text) == expected


def test_parse_version_rejects_garbage():
    with pytest.raises(ValueError, match="not a version"):
        compat.parse_version("cuda")


def test_cuda_12_7_never_existed():
    # A third-party table lists 12.7 -> 565.57; NVIDIA never shipped it.
    assert not compat.cuda_exists("12.7")
    assert compat.cuda_exists("12.8") and compat.cuda_exists("12.6.3")
    with pytest.raises(MltError, match="unknown CUDA version 12.7"):
        compat.driver_requirement("12.7")


def test_minor_version_compat_lets_old_12x_driver_run_newer_runtime():
    req = compat.driver_requirement("12.8")
    assert req.toolkit_driver == (570, 26)
    assert req.minor_compat_floor == (525, 60, 13)
    assert compat.driver_supports("535.104.05", "12.8")
    assert not compat.driver_supports("520.61.05", "12.0")


def test_driver_too_old_across_majors():
    assert not compat.driver_supports("470.82.01", 12090)  # cudaErrorInsufficientDriver case
    assert not compat.driver_supports("575.57.08", "13.0")
    assert compat.driver_supports("580.95.05", "13.1")


def test_before_cuda_11_there_is_no_minor_compat():
    assert compat.min_driver("10.2") == (440, 33)


def test_max_cuda_for_driver():
    assert compat.max_cuda_for_driver("550.54.15") == (12, 4)
    assert compat.max_cuda_for_driver("400.0") is None


def test_framework_tables():
    assert "12.8" in compat.torch_release("2.7.1+cu128")["cuda"]
    assert "12.1" not in compat.torch_release("2.7.0")["cuda"]
    assert compat.torch_release("0.4.1") is None
    assert compat.tensorflow_release("2.15.0")["cuda"] == "12.2"


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("NVIDIA H100 80GB HBM3", (9, 0)),
        ("NVIDIA A10G", (8, 6)),  # longest match wins over "A10"
        ("NVIDIA A100-SXM4-40GB", (8, 0)),
        ("NVIDIA L40S", (8, 9)),
        ("Tesla T4", (7, 5)),
        ("NVIDIA GeForce RTX 5090", (12, 0)),
        ("Some Future GPU", None),
    ],
)
def test_compute_capability_by_name(name, cc):
    assert compat.compute_capability(name) == cc


def test_every_table_cites_a_source():
    data = compat.load()
    for section in ("cuda_driver", "pytorch", "tensorflow", "gpus"):
        assert data[section]["sources"], section


@pytest.mark.parametrize(
    ("text", "shown"),
    [("580.65.06", "580.65.06"), ("555.42.02", "555.42.02"), ("570.26", "570.26")],
)
def test_driver_versions_keep_nvidias_zero_padding(text, shown):
    assert compat.format_driver(compat.parse_version(text)) == shown
