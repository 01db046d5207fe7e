"""Catalog validation against compat.yaml: the bundled catalog passes, bogus entries fail."""

from __future__ import annotations

import copy

import pytest
from ruamel.yaml import YAML

from mlt.errors import MltError
from mlt.images.catalog import load_catalog, parse_catalog
from mlt.images.checks import REQUIRED_IDS, check_catalog, errors
from mlt.resources import base_images_dir

GOOD_DIGEST = "sha256:" + "ab" * 32


def raw_catalog() -> dict:
    return YAML(typ="safe").load((base_images_dir() / "catalog.yaml").read_text(encoding="utf-8"))


def with_entry(image_id: str, **changes) -> dict:
    """The bundled catalog with one entry's fields replaced."""
    data = copy.deepcopy(raw_catalog())
    entry = next(e for e in data["images"] if e["id"] == image_id)
    entry.update(changes)
    return data


def messages(data: dict) -> list[str]:
    return [str(f) for f in errors(check_catalog(parse_catalog(data)))]


def test_bundled_catalog_is_consistent():
    catalog = load_catalog()
    assert catalog.release == "2026.11"
    assert catalog.ids() == list(REQUIRED_IDS)
    assert check_catalog(catalog) == []


def test_every_entry_pins_parent_by_tag_and_digest():
    for image in load_catalog().images:
        assert ":" in image.parent.name.rsplit("/", 1)[-1], image.id
        assert image.parent.digest and len(image.parent.digest) == len("sha256:") + 64


def test_cuda_sources_match_the_design():
    sources = {i.id: i.cuda_source for i in load_catalog().images}
    assert sources == {
        "cpu": "none",
        "cuda-runtime": "pip",
        "cuda-devel": "system",
        "pytorch": "pip",
        "tensorflow": "pip",
    }


def test_torch_with_a_cuda_it_never_shipped_for():
    data = with_entry(
        "pytorch",
        framework={"name": "pytorch", "version": "2.7.1"},
        cuda="12.1",
        pip=["torch==2.7.1"],
        constraints=[],
        cudnn=None,
        nccl=None,
    )
    assert messages(data) == [
        "error: pytorch: torch 2.7 was never built for CUDA 12.1 (variants: 11.8, 12.6, 12.8)"
    ]


def test_cuda_12_7_does_not_exist():
    data = with_entry("cuda-runtime", cuda="12.7", pip=[])
    assert messages(data) == [
        "error: cuda-runtime: CUDA 12.7 does not exist (no such toolkit release in compat.yaml)"
    ]


def test_tensorflow_with_the_wrong_cuda_and_cudnn():
    data = with_entry(
        "tensorflow",
        framework={"name": "tensorflow", "version": "2.15.0"},
        cuda="11.8",
        cudnn="8.6",
        nccl=None,
        pip=["tensorflow[and-cuda]==2.15.0"],
        constraints=[],
    )
    assert messages(data) == [
        "error: tensorflow: tensorflow 2.15 is built for CUDA 12.2, not 11.8",
        "error: tensorflow: tensorflow 2.15 is built for cuDNN 8.9, not 8.6",
    ]


def test_tensorflow_nccl_must_match_and_cuda_pin():
    data = with_entry("tensorflow", nccl="2.21.5")
    assert messages(data) == [
        "error: tensorflow: tensorflow 2.20[and-cuda] pins nccl 2.25.1, not 2.21.5"
    ]


@pytest.mark.parametrize("source", [["system", "pip"], "both"])
def test_both_system_and_pip_cuda_is_rejected(source):
    data = with_entry("cuda-runtime", cuda_source=source)
    assert messages(data) == [
        "error: cuda-runtime: both system and pip CUDA: "
        "cuda_source must be one of system, pip, none"
    ]


def test_system_cuda_parent_with_pip_cuda_wheels_is_rejected():
    data = with_entry("cuda-devel", pip=["nvidia-cuda-runtime-cu12==12.8.90"])
    assert messages(data) == [
        "error: cuda-devel: both system and pip CUDA: "
        "cuda_source is system but pip installs nvidia-cuda-runtime-cu12==12.8.90"
    ]


def test_pip_source_on_an_nvidia_cuda_parent_is_rejected():
    data = with_entry(
        "cuda-runtime",
        parent={"name": "docker.io/nvidia/cuda:12.8.1-base-ubuntu24.04", "digest": GOOD_DIGEST},
    )
    assert messages(data) == [
        "error: cuda-runtime: both system and pip CUDA: "
        "parent docker.io/nvidia/cuda:12.8.1-base-ubuntu24.04 already has system CUDA"
    ]


def test_missing_digest():
    data = with_entry("cpu", parent={"name": "docker.io/library/debian:bookworm-slim"})
    assert messages(data) == [
        "error: cpu: parent 'docker.io/library/debian:bookworm-slim' is not pinned by digest"
    ]


@pytest.mark.parametrize(
    "digest", ["sha256:1234", "md5:" + "a" * 64, "sha256:" + "A" * 64, "sha256:" + "g" * 64]
)
def test_bad_digest_format(digest):
    data = with_entry("cpu", parent={"name": "debian:bookworm-slim", "digest": digest})
    assert messages(data) == [
        f"error: cpu: parent digest '{digest}' is not sha256:<64 lowercase hex>"
    ]


def test_parent_without_tag():
    data = with_entry("cpu", parent={"name": "docker.io/library/debian", "digest": GOOD_DIGEST})
    assert messages(data) == ["error: cpu: parent 'docker.io/library/debian' is not pinned by tag"]


def test_cudart_wheel_must_match_cuda_version():
    data = with_entry("cuda-runtime", pip=["nvidia-cuda-runtime-cu12==12.6.77"])
    assert messages(data) == [
        "error: cuda-runtime: nvidia-cuda-runtime-cu12==12.6.77 is not CUDA 12.8"
    ]


def test_torch_cudnn_must_match_the_wheel_pins():
    data = with_entry("pytorch", cudnn="9.5.1.17")
    assert messages(data) == ["error: pytorch: torch 2.10 pins cudnn 9.10.2.21, not 9.5.1.17"]


def test_unknown_torch_version():
    data = with_entry("pytorch", framework={"name": "pytorch", "version": "3.0"})
    assert "error: pytorch: torch 3.0 is unknown to compat.yaml" in messages(data)


def test_cuda_given_on_an_image_without_cuda_source():
    data = with_entry("cpu", cuda="12.8")
    assert messages(data) == ["error: cpu: cuda_source is none but the image has CUDA"]


def test_missing_template_id_and_duplicates():
    data = copy.deepcopy(raw_catalog())
    data["images"] = [e for e in data["images"] if e["id"] != "tensorflow"]
    data["images"].append(copy.deepcopy(data["images"][0]))
    assert messages(data) == [
        "error: cpu: duplicate image id",
        "error: tensorflow: missing: the project templates offer this base image",
    ]


def test_release_format():
    data = raw_catalog() | {"release": "nov-2026"}
    assert messages(data) == ["error: release 'nov-2026' is not YYYY.MM"]


def test_malformed_catalog_is_one_error(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("images: {not: a list}\n", encoding="utf-8")
    with pytest.raises(MltError, match="must be a mapping with an 'images' list"):
        load_catalog(bad)
    bad.write_text("images: [\n", encoding="utf-8")
    with pytest.raises(MltError, match="is not valid YAML"):
        load_catalog(bad)
