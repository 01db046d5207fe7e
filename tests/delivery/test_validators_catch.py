"""Each validator the delivery tests rely on rejects a broken file, so a passing run means
something: break a good render in one known way and expect that exact failure."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from . import jenkins, k8s, schemas
from .conftest import Case


@pytest.fixture(scope="module")
def gpu_batch_job(renders):
    return renders.get(Case("batch-job", "jenkins", True))


@pytest.fixture(scope="module")
def cpu_service(renders):
    return renders.get(Case("service", "jenkins", False))


def test_tree_sitter_flags_a_missing_brace(gpu_batch_job) -> None:
    text = (gpu_batch_job.path / "Jenkinsfile").read_text()
    assert jenkins.parse(text).errors == []
    broken = text.replace("steps {", "steps ", 1)  # an unbalanced closure
    assert jenkins.parse(broken).errors != []


def test_structure_check_sees_a_renamed_gpu_label(gpu_batch_job) -> None:
    text = (gpu_batch_job.path / "Jenkinsfile").read_text().replace("label 'gpu'", "label 'cpu'")
    assert "gpu" not in jenkins.parse(text).root.strings("label")


def test_github_schemas_catch_typos_and_missing_timeouts(renders, tmp_path: Path) -> None:
    good = renders.get(Case("service", "github", True)).path / ".github/workflows/ci.yml"
    text = good.read_text()
    typo, untimed = tmp_path / "typo.yml", tmp_path / "untimed.yml"
    typo.write_text(text.replace("timeout-minutes: 15", "timeout-minute: 15", 1))
    untimed.write_text(text.replace("    timeout-minutes: 15\n", "", 1))
    vendor = schemas.check("vendor.github-workflows", [good, typo, untimed])
    assert vendor[good] == [] and vendor[untimed] == []
    assert any("timeout-minute" in e for e in vendor[typo])
    timeouts = schemas.check("custom.github-workflows-require-timeout", [good, untimed])
    assert timeouts[good] == [] and timeouts[untimed] != []


def test_gitlab_schema_catches_bad_keywords(renders, tmp_path: Path) -> None:
    good = renders.get(Case("batch-job", "gitlab", False)).path / ".gitlab-ci.yml"
    text = good.read_text()
    scripts, when = tmp_path / "scripts.yml", tmp_path / "when.yml"
    scripts.write_text(
        text.replace("  script:\n    - uv run ruff", "  scripts:\n    - uv run ruff")
    )
    when.write_text(text.replace("      when: never", "      when: sometimes"))
    errors = schemas.check(
        "vendor.gitlab-ci", [good, scripts, when], "--data-transform", "gitlab-ci"
    )
    assert errors[good] == []
    assert errors[scripts] != [] and errors[when] != []


def _doc(rendered, name: str) -> k8s.Doc:
    return yaml.safe_load((rendered.path / "deploy/k8s" / name).read_text())


def test_kubernetes_validate_rejects_unknown_fields(cpu_service) -> None:
    doc = _doc(cpu_service, "deployment.yaml")
    assert k8s.schema_errors(doc) == []
    container = k8s.pod_template(doc)["spec"]["containers"][0]
    container["resource"] = container.pop("resources")  # the classic typo
    assert len(k8s.schema_errors(doc)) == len(k8s.K8S_VERSIONS)


def test_job_checks_reject_restart_always(gpu_batch_job) -> None:
    job = _doc(gpu_batch_job, "job.yaml")
    job["spec"].pop("podFailurePolicy")
    job["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    assert k8s.schema_errors(job) == []  # why this check exists: the schema lets it through
    assert any("restartPolicy 'Always'" in p for p in k8s.job_problems(job))


def test_gpu_checks_catch_missing_and_stray_wiring(gpu_batch_job, cpu_service) -> None:
    selector = gpu_batch_job.answers["gpu_node_selector"]
    gpu_pod = k8s.pod_template(_doc(gpu_batch_job, "job.yaml"))["spec"]
    assert k8s.gpu_problems(gpu_pod, selector) == []
    untolerated = copy.deepcopy(gpu_pod)
    untolerated.pop("tolerations")
    assert any("toleration" in p for p in k8s.gpu_problems(untolerated, selector))
    cpu_pod = k8s.pod_template(_doc(cpu_service, "deployment.yaml"))["spec"]
    cpu_pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] = 1
    assert k8s.gpu_problems(cpu_pod, None) != []


def test_security_checks_catch_root_and_writable_root(cpu_service) -> None:
    pod = k8s.pod_template(_doc(cpu_service, "deployment.yaml"))["spec"]
    assert k8s.security_problems(pod) == []
    pod["securityContext"]["runAsUser"] = 0
    container = pod["containers"][0]
    container["securityContext"]["readOnlyRootFilesystem"] = False
    container["volumeMounts"] = [m for m in container["volumeMounts"] if m["mountPath"] != "/tmp"]
    problems = k8s.security_problems(pod)
    assert any("runAsUser" in p for p in problems)
    assert any("readOnlyRootFilesystem" in p for p in problems)
    assert any("/tmp" in p for p in problems)


def test_kustomization_check_catches_missing_and_orphan_files(cpu_service, tmp_path) -> None:
    deploy = tmp_path / "k8s"
    shutil.copytree(cpu_service.path / "deploy/k8s", deploy)
    assert k8s.kustomization_problems(deploy) == []
    (deploy / "hpa.yaml").rename(deploy / "autoscaler.yaml")
    problems = k8s.kustomization_problems(deploy)
    assert "kustomization.yaml: resource hpa.yaml not found" in problems
    assert "autoscaler.yaml is in no kustomization" in problems
