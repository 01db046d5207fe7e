"""Generated Kubernetes manifests: schema-valid (kubernetes-validate --strict), kustomize-ready,
and wired the way the answers say (GPU, shards, ports, probes, non-root)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from . import k8s
from .conftest import CASES, Rendered

# Manifests do not depend on the CI system: one CI per type and GPU setting is enough.
DEPLOYABLE = [c for c in CASES if c.project_type != "library" and c.ci == "jenkins"]


@pytest.fixture(params=DEPLOYABLE, ids=lambda c: c.id)
def deployable(request: pytest.FixtureRequest, renders) -> Rendered:
    return renders.get(request.param)


def manifests(rendered: Rendered) -> dict[Path, k8s.Doc]:
    return k8s.load(rendered.path / "deploy" / "k8s")


def by_kind(rendered: Rendered) -> dict[str, k8s.Doc]:
    docs = list(manifests(rendered).values())
    kinds = {doc["kind"]: doc for doc in docs}
    assert len(kinds) == len(docs), "one manifest per kind"
    return kinds


def test_manifests_pass_kubernetes_validate_strict(deployable: Rendered) -> None:
    for path, doc in manifests(deployable).items():
        if doc["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # a CRD kubernetes-validate has no schema for: test_monitoring.py
        assert k8s.schema_errors(doc) == [], path.name


def test_kustomizations_cover_every_manifest(deployable: Rendered) -> None:
    assert k8s.kustomization_problems(deployable.path / "deploy" / "k8s") == []


def test_expected_kinds(deployable: Rendered) -> None:
    expected = {
        "batch-job": {"Job", "CronJob"},
        "service": {
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "ServiceMonitor",
        },
    }[deployable.case.project_type]
    assert set(by_kind(deployable)) == expected


def test_pods_are_hardened_and_gpu_wired(deployable: Rendered) -> None:
    answers = deployable.answers
    selector = answers.get("gpu_node_selector") if answers["gpu"] else None
    needs_shm = answers["gpu"] or answers["framework"] != "none"
    for kind, doc in by_kind(deployable).items():
        if kind not in {"Deployment", "Job", "CronJob"}:
            continue
        pod = k8s.pod_template(doc)["spec"]
        assert k8s.security_problems(pod) == [], kind
        assert k8s.gpu_problems(pod, selector) == [], kind
        assert k8s.shm_problems(pod, needs_shm) == [], kind


@pytest.mark.parametrize(
    "case", [c for c in DEPLOYABLE if c.project_type == "batch-job"], ids=lambda c: c.id
)
def test_indexed_job_and_cronjob(case, renders) -> None:
    rendered = renders.get(case)
    answers, kinds = rendered.answers, by_kind(rendered)
    for kind in ("Job", "CronJob"):
        assert k8s.job_problems(kinds[kind]) == [], kind
        spec = k8s.job_spec(kinds[kind])
        pod = spec["template"]["spec"]
        # Same failure policy for both: per-shard retries need restartPolicy Never.
        assert pod["restartPolicy"] == "Never", kind
        assert spec["backoffLimitPerIndex"] >= 1 and "podFailurePolicy" in spec, kind
        assert spec["completionMode"] == "Indexed"
        assert (spec["completions"], spec["parallelism"]) == (
            answers["job_completions"],
            answers["job_parallelism"],
        )
        (container,) = pod["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert env["JOB_COMPLETION_COUNT"]["value"] == str(answers["job_completions"])
        index_ref = env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"]
        assert "batch.kubernetes.io/job-completion-index" in index_ref
        # All pods of one Job share a batch: the Job's uid, from the downward API.
        batch_ref = env["BATCH_ID"]["valueFrom"]["fieldRef"]["fieldPath"]
        assert batch_ref == "metadata.labels['batch.kubernetes.io/controller-uid']"
        assert env["JOB_OUTPUT_URI"]["value"].startswith("s3://")
        package = answers["package_name"]
        # The ConfigMap's config (test_job_config.py), not the sample baked into the image.
        config = f"/etc/{answers['project_name']}/config.yaml"
        assert container["args"] == ["python", "-m", package, "run", "--config", config]
    cron = kinds["CronJob"]["spec"]
    assert cron["schedule"] == answers["schedule"]
    assert cron["concurrencyPolicy"] == "Forbid" and cron["startingDeadlineSeconds"] > 0
    # podFailurePolicy is only legal with restartPolicy Never.
    assert "podFailurePolicy" in kinds["Job"]["spec"]


def _service_routes(project: Path) -> set[str]:
    """Paths the generated service's code actually serves (FastAPI decorators)."""
    pattern = re.compile(r"@\w+\.(?:get|api_route)\(\s*[\"'](/[^\"']*)[\"']")
    return {m for f in (project / "src").rglob("*.py") for m in pattern.findall(f.read_text())}


@pytest.mark.parametrize(
    "case", [c for c in DEPLOYABLE if c.project_type == "service"], ids=lambda c: c.id
)
def test_service_ports_probes_and_autoscaling(case, renders) -> None:
    rendered = renders.get(case)
    answers, kinds = rendered.answers, by_kind(rendered)
    deployment, service, hpa = (
        kinds["Deployment"],
        kinds["Service"],
        kinds["HorizontalPodAutoscaler"],
    )
    pod = k8s.pod_template(deployment)
    (container,) = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": answers["port"]}
    assert {"name": "PORT", "value": str(answers["port"])} in container["env"]
    probes = {kind: container[kind]["httpGet"] for kind in
              ("startupProbe", "readinessProbe", "livenessProbe")}  # fmt: skip
    assert probes["readinessProbe"]["path"] == "/readyz"
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert all(probe["port"] in ports for probe in probes.values())
    served = _service_routes(rendered.path)
    assert {probe["path"] for probe in probes.values()} <= served, served
    # The Service reaches the pods: selector matches, targetPort names a container port.
    labels = pod["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert all(p["targetPort"] in ports for p in service["spec"]["ports"])
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert "replicas" not in deployment["spec"]  # the HPA owns the replica count
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (
        answers["min_replicas"],
        answers["max_replicas"],
    )
