"""The service's monitoring wiring as `kubectl apply -k` would send it: the kustomize build
(kubectl's own kustomize) validated kind by kind, and the ServiceMonitor checked against the
objects it must find.

kubernetes-validate has no schema for the Prometheus Operator's CRDs (test_kubectl_dry_run.py
sends it through `kubectl apply --dry-run=client`), so the ServiceMonitor gets the checks the
operator would make: its selector matches the Service,
its endpoint names a Service port, and its path is where the app serves /metrics.
"""

from __future__ import annotations

import pytest

from tests.support.kube import kustomize

from . import k8s
from .conftest import CASES, Rendered

SERVICES = [c for c in CASES if c.project_type == "service" and c.ci == "jenkins"]


@pytest.fixture(params=SERVICES, ids=lambda c: c.id)
def built(request: pytest.FixtureRequest, renders) -> tuple[Rendered, dict[str, dict]]:
    rendered = renders.get(request.param)
    docs = kustomize(rendered.path / "deploy" / "k8s")
    kinds = {d["kind"]: d for d in docs}
    assert len(kinds) == len(docs)
    return rendered, kinds


def test_kustomize_output_is_valid_and_monitored(built) -> None:
    _, kinds = built
    assert "ServiceMonitor" in kinds
    for kind, doc in kinds.items():
        if kind != "ServiceMonitor":
            assert k8s.schema_errors(doc) == [], kind


def test_service_monitor_finds_the_service_port_and_metrics_path(built) -> None:
    rendered, kinds = built
    monitor, service = kinds["ServiceMonitor"], kinds["Service"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["name"] == service["metadata"]["name"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    labels = service["metadata"]["labels"]
    assert selector.items() <= labels.items(), (selector, labels)
    ports = {p["name"] for p in service["spec"]["ports"]}
    app = next((rendered.path / "src").rglob("app.py")).read_text()
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["port"] in ports
        assert f'@app.get("{endpoint["path"]}")' in app
