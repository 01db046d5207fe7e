from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "loadtest.py"


@pytest.fixture(scope="module")
def loadtest():
    spec = importlib.util.spec_from_file_location("loadtest", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("url", ["http://localhost:8000", "http://127.0.0.1:1234/"])
def test_local_targets_allowed(loadtest, url):
    assert loadtest.check_target(url).endswith("/predict")


@pytest.mark.parametrize("url", ["http://example.com", "https://localhost:8000", "ftp://::1"])
def test_remote_targets_refused(loadtest, url):
    with pytest.raises(ValueError, match="refusing"):
        loadtest.check_target(url)


def test_request_count_is_bounded(loadtest):
    with pytest.raises(SystemExit):
        loadtest.main(["--requests", str(loadtest.MAX_REQUESTS + 1)])


def test_summary(loadtest):
    summary = loadtest.summarize([(0.01, 200), (0.02, 200), (0.03, 500)], wall=1.0)
    assert summary["requests"] == 3
    assert summary["errors"] == 1
    assert summary["rps"] == 3.0
