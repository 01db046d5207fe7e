from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "data" / "transactions.csv"
# The suite computes on the CPU unless DEVICE says otherwise (a GPU runner may set
# DEVICE=cuda); tests marked `gpu` ask for CUDA themselves and run with `pytest -m gpu`.
os.environ.setdefault("DEVICE", "cpu")
# The suite runs the sample data on purpose, also on CI runners that are Kubernetes pods, where
# the job would refuse an input inside the project (tests that check the refusal set it).
os.environ.pop("KUBERNETES_SERVICE_HOST", None)


@pytest.fixture
def project_dir():
    """The project's root folder."""
    return PROJECT


@pytest.fixture
def data_file():
    """The shipped sample input."""
    return DATA


@pytest.fixture
def config_file(tmp_path):
    """A copy of the shipped config that reads the shipped data and writes under tmp_path."""
    data = yaml.safe_load((PROJECT / "config.yaml").read_text())
    data["input"]["uri"] = str(DATA)
    data["output"]["uri"] = str(tmp_path / "out")
    data["output"]["partition"] = "dt=test"
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
