"""Every generated kustomization as `kubectl apply -k` would send it: kubectl's own kustomize
builds it and `kubectl apply --dry-run=client` accepts every object (the ServiceMonitor
included), against a discovery-only API server on loopback (tests/support/kube.py). The
documents' schemas are checked by kubernetes-validate in test_k8s.py and test_monitoring.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.kube import RESOURCES, dry_run_applier, kustomize

from .conftest import CASES, Rendered

DEPLOYED = [c for c in CASES if c.project_type != "library" and c.ci == "jenkins"]


def kustomizations(rendered: Rendered) -> list[Path]:
    """deploy/k8s and each overlay in it (the batch job's cronjob/ and volume/)."""
    root = rendered.path / "deploy" / "k8s"
    found = [root, *(p.parent for p in sorted(root.glob("*/kustomization.yaml")))]
    # config/ holds a configMapGenerator the base includes, not something applied on its own.
    return [p for p in found if p.name != "config"]


def expected_names(docs: list[dict]) -> list[str]:
    """What `kubectl apply -o name` prints for docs: `kind.group/name` (no group for core)."""
    group_of = {kind: gv for gv, kinds in RESOURCES.items() for _, kind in kinds}
    names = []
    for doc in docs:
        group_version = group_of[doc["kind"]]
        group = "." + group_version.split("/")[0] if "/" in group_version else ""
        names.append(f"{doc['kind'].lower()}{group}/{doc['metadata']['name']}")
    return names


@pytest.mark.parametrize("case", DEPLOYED, ids=lambda c: c.id)
def test_kubectl_applies_every_kustomization(case, renders, tmp_path):
    rendered = renders.get(case)
    with dry_run_applier(tmp_path) as apply:
        for directory in kustomizations(rendered):
            docs = kustomize(directory)
            assert docs, directory
            applied = apply(yaml.safe_dump_all(docs))
            where = directory.relative_to(rendered.path)
            assert applied.returncode == 0, f"{where}: {applied.stderr}"
            assert sorted(applied.stdout.split()) == sorted(expected_names(docs)), where


def test_the_service_monitor_is_sent(renders, tmp_path):
    service = next(c for c in DEPLOYED if c.project_type == "service")
    docs = kustomize(renders.get(service).path / "deploy" / "k8s")
    with dry_run_applier(tmp_path) as apply:
        applied = apply(yaml.safe_dump_all(docs))
    assert applied.returncode == 0, applied.stderr
    assert any(
        line.startswith("servicemonitor.monitoring.coreos.com/") for line in applied.stdout.split()
    )
