"""The pytorch image, built for real: torch's CUDA/cuDNN match the catalog and compat.yaml, the
doctor finds the CUDA libraries in the image's own folders, the size stays near its payload.

CI does not build this image: a cold build downloads ~4 GB of wheels and took 284 s here on
2 cores (plus ~60 s to test), more than the suite's whole budget for new tests. The test runs
against an image that is already there: MLT_PYTORCH_IMAGE=TAG, else the benchmark's tag
(`python benchmarks/bench_images.py --images pytorch --keep` leaves it); MLT_TEST_PYTORCH=1
makes the test build it itself (and remove it afterwards).
"""

from __future__ import annotations

import json
import os

import pytest

from mlt import compat
from mlt.images import _docker
from mlt.images.catalog import load_catalog
from tests.images.images_docker_support import build_test_image, run_in

pytestmark = [pytest.mark.docker, pytest.mark.slow]
CATALOG = load_catalog()
IMAGE = CATALOG.get("pytorch")
SIZE_ABOVE_PAYLOAD_MAX = 600_000_000


@pytest.fixture(scope="module")
def pytorch_tag(docker_api) -> str:
    if os.environ.get("MLT_TEST_PYTORCH") == "1":
        return build_test_image("pytorch").tag
    tag = os.environ.get("MLT_PYTORCH_IMAGE") or f"mlt-bench/pytorch:{CATALOG.release}"
    if _docker.image_info(docker_api, tag) is None:
        pytest.skip(f"no pytorch image {tag} (build it: MLT_TEST_PYTORCH=1, or see the module doc)")
    return tag


@pytest.fixture(scope="module")
def site(docker_api, pytorch_tag) -> str:
    """The image's site-packages, as its own interpreter reports it (the catalog's Python
    decides the folder name)."""
    code, out = run_in(
        docker_api,
        pytorch_tag,
        "python",
        "-c",
        "import sysconfig; print(sysconfig.get_path('purelib'))",
    )
    assert code == 0, out
    return out.strip()


def _cudnn_number(version: str) -> int:
    major, minor, patch = (int(part) for part in version.split(".")[:3])
    return major * 10000 + minor * 100 + patch  # torch.backends.cudnn.version()'s encoding


def test_torch_cuda_and_cudnn_match_the_catalog_and_compat(docker_api, pytorch_tag):
    code, out = run_in(
        docker_api,
        pytorch_tag,
        "python",
        "-W",
        "error",  # numpy is in the image: torch must import without a warning
        "-c",
        "import torch; "
        "print(torch.__version__, torch.version.cuda, torch.backends.cudnn.version())",
    )
    assert code == 0, out
    version, cuda, cudnn = out.split()
    assert version.split("+")[0] == IMAGE.framework_version
    assert cuda == IMAGE.cuda
    assert int(cudnn) == _cudnn_number(IMAGE.cudnn)
    minor = ".".join(IMAGE.framework_version.split(".")[:2])
    pypi = compat.load()["pytorch"]["releases"][minor]["pypi"]
    assert (cuda, IMAGE.cudnn) == (pypi["cuda"], pypi["cudnn"])


def test_doctor_finds_cuda_libraries_in_the_image_folders(docker_api, pytorch_tag, site):
    code, out = run_in(docker_api, pytorch_tag, "mlt", "doctor", "--gpu", "--json")
    report = json.loads(out[out.index("{") :])
    assert report["ok"] is False and code == 1  # no GPU is passed to the container
    loaded = {lib["key"]: lib["path"] for lib in report["facts"]["loaded_libs"]}
    for key, folder in (("libcudnn", "cudnn"), ("libcublas", "cublas"), ("libnccl", "nccl")):
        assert loaded[key].startswith(f"{site}/nvidia/{folder}/lib/"), loaded
    assert all(path.startswith(f"{site}/nvidia/") for path in loaded.values()), loaded


def test_size_stays_within_600_mb_of_the_payload(docker_api, pytorch_tag, site):
    code, out = run_in(
        docker_api, pytorch_tag, "sh", "-c", f"cd {site} && du -sb torch nvidia triton"
    )
    assert code == 0, out
    payload = sum(int(line.split()[0]) for line in out.splitlines())
    size = _docker.image_info(docker_api, pytorch_tag)["Size"]
    assert size - payload <= SIZE_ABOVE_PAYLOAD_MAX, (size, payload)
