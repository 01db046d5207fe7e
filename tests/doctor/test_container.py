"""--image: the verdict on an image's CUDA against this host's driver (docker faked)."""

from __future__ import annotations

import pytest

from mlt.doctor import container


def host(driver: str | None) -> dict:
    return {"host": {"driver": {"version": driver} if driver else None}, "nvml": {}}


def test_image_cuda_from_inner_report_runtime():
    inner = {
        "schema": "mlt.doctor/1",
        "facts": {"cuda_runtime": {"cudart_version": 12080}},
        "findings": [],
    }
    info = {"image": "img", "report": inner, "cuda_env": "12.4.1"}
    assert container.image_cuda(info)[0] == (12, 8)


def test_image_cuda_from_env_when_nothing_else():
    assert container.image_cuda({"image": "img", "cuda_env": "12.4.1"}) == (
        (12, 4),
        "image env CUDA_VERSION=12.4.1",
    )


@pytest.mark.parametrize(
    ("driver", "cuda", "code", "severity"),
    [
        ("550.54.15", "12.8.1", "image-cuda-compatible", "info"),  # minor-version compatibility
        ("470.82.01", "12.4.1", "driver-too-old", "error"),
        ("570.124.06", "13.0.0", "driver-too-old", "error"),
        (None, "12.4.1", "image-cuda-unchecked", "info"),
    ],
)
def test_image_verdict(driver, cuda, code, severity):
    findings = container.image_findings({"image": "img", "cuda_env": cuda}, host(driver))
    assert [(f.code, f.severity) for f in findings] == [(code, severity)]


def test_inner_findings_are_carried_over():
    inner = {
        "schema": "mlt.doctor/1",
        "facts": {},
        "findings": [
            {
                "code": "container-gpu-not-exposed",
                "severity": "error",
                "title": "no GPU",
                "evidence": [],
                "fix": "x",
            }
        ],
    }
    findings = container.image_findings(
        {"image": "img", "report": inner, "cuda_env": None}, host("550.54.15")
    )
    assert [(f.code, f.title) for f in findings] == [
        ("container-gpu-not-exposed", "in img: no GPU"),
        ("image-cuda-unknown", "img: no CUDA runtime found in the image"),
    ]


class FakeContainer:
    def __init__(self, outputs, command):
        self.output, self.command = outputs.get(command[0], (127, "")), command
        self.removed = False

    def start(self):
        if self.output[0] == 127:
            import docker

            raise docker.errors.APIError("exec: executable file not found in $PATH")

    def wait(self, timeout):
        return {"StatusCode": self.output[0]}

    def logs(self, stdout, stderr):
        return self.output[1].encode()

    def remove(self, force):
        self.removed = True


class FakeClient:
    def __init__(self, outputs, runtimes):
        self.outputs, self.runtimes, self.created = outputs, runtimes, []
        outer = self

        class Containers:
            def create(self, image, command, **kwargs):
                outer.created.append((command, kwargs))
                return FakeContainer(outer.outputs, command)

        class Images:
            def get(self, image):
                return type(
                    "Img", (), {"attrs": {"Config": {"Env": ["CUDA_VERSION=12.4.1", "PATH=/bin"]}}}
                )()

        self.containers, self.images = Containers(), Images()

    def info(self):
        return {"Runtimes": self.runtimes}


def test_inspect_image_falls_back_to_probe_then_env(monkeypatch):
    client = FakeClient(
        {"python3": (0, '{"cuda_runtime": {"cudart_version": 12040}}\n')}, {"runc": {}}
    )
    monkeypatch.setattr(container, "_client", lambda timeout: client)
    info = container.inspect_image("img", 30)
    assert info["source"] == "probe"
    assert info["cuda_env"] == "12.4.1"
    assert container.image_cuda(info)[0] == (12, 4)
    assert [c[0][0] for c in client.created] == ["mlt", "python3"]
    assert "device_requests" not in client.created[0][1]  # no nvidia runtime: no GPU request


def test_inspect_image_requests_gpus_with_nvidia_runtime(monkeypatch):
    report = '{"schema": "mlt.doctor/1", "ok": true, "facts": {}, "findings": []}'
    client = FakeClient({"mlt": (0, report)}, {"nvidia": {}, "runc": {}})
    monkeypatch.setattr(container, "_client", lambda timeout: client)
    info = container.inspect_image("img", 30)
    assert info["source"] == "mlt doctor"
    request = client.created[0][1]["device_requests"][0]
    assert request["Count"] == -1
    assert request["Capabilities"] == [["gpu"]]
