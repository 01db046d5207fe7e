"""Checks for the generated Kubernetes manifests that schemas cannot express.

kubernetes-validate (the schema check) accepts a Job with restartPolicy: Always, a GPU pod
without a toleration, or a root container; the functions here return one readable problem
per rule broken, so a test can assert an empty list and a negative test a specific entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

UID = 10001  # the user the curated base images run as
# Oldest Kubernetes release still in mainstream cloud support, and the newest schema shipped.
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())

Doc = dict[str, Any]


def load(directory: Path) -> dict[Path, Doc]:
    """Every manifest under `directory` except kustomizations, by path."""
    docs = {}
    for path in sorted(directory.rglob("*.yaml")):
        if path.name != "kustomization.yaml":
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            if "apiVersion" in doc:  # not a configMapGenerator's input (a job config)
                docs[path] = doc
    return docs


def schema_errors(doc: Doc) -> list[str]:
    """kubernetes-validate --strict against every version in K8S_VERSIONS."""
    errors = []
    for version in K8S_VERSIONS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"k8s {version}: {exc.message} at {'.'.join(map(str, exc.path))}")
    return errors


def pod_template(doc: Doc) -> Doc:
    """The pod template of a Deployment, Job or CronJob."""
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]
    return doc["spec"]["template"]


def job_spec(doc: Doc) -> Doc:
    """The Job spec of a Job or CronJob."""
    return doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]


def job_problems(doc: Doc) -> list[str]:
    """Job/CronJob rules the schema leaves open (it accepts restartPolicy: Always)."""
    spec = job_spec(doc)
    restart = spec["template"]["spec"].get("restartPolicy")
    problems = []
    if restart not in {"Never", "OnFailure"}:
        problems.append(f"restartPolicy {restart!r}: a Job pod must use Never or OnFailure")
    if "podFailurePolicy" in spec and restart != "Never":
        problems.append("podFailurePolicy needs restartPolicy Never")
    for field in ("backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
        if not isinstance(spec.get(field), int) or spec[field] <= 0:
            problems.append(f"{field} must be set and positive")
    return problems


def security_problems(pod: Doc) -> list[str]:
    """Non-root, no escalation, no capabilities, RuntimeDefault seccomp, read-only root."""
    problems = []
    ctx = pod.get("securityContext", {})
    if ctx.get("runAsNonRoot") is not True or ctx.get("runAsUser") != UID:
        problems.append(f"pod securityContext must set runAsNonRoot and runAsUser {UID}")
    if ctx.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod seccompProfile must be RuntimeDefault")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        sc = c.get("securityContext", {})
        name = c["name"]
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation must be false")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            problems.append(f"{name}: capabilities must drop ALL")
        if sc.get("runAsNonRoot", ctx.get("runAsNonRoot")) is not True:
            problems.append(f"{name}: must run as non-root")
        if sc.get("runAsUser", ctx.get("runAsUser")) in (0, None):
            problems.append(f"{name}: needs a numeric non-zero runAsUser")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: readOnlyRootFilesystem must be true")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        if "emptyDir" not in volumes.get(mounts.get("/tmp", ""), {}):
            problems.append(f"{name}: a read-only root needs an emptyDir at /tmp")
        for mount_name in mounts.values():
            if mount_name not in volumes:
                problems.append(f"{name}: mounts undefined volume {mount_name}")
        resources = c.get("resources", {})
        if not resources.get("requests") or "memory" not in resources.get("limits", {}):
            problems.append(f"{name}: needs resource requests and a memory limit")
    return problems


def gpu_problems(pod: Doc, node_selector: str | None) -> list[str]:
    """With node_selector (key=value) the pod must be GPU-wired; without, it must not be."""
    problems = []
    limits = [c.get("resources", {}).get("limits", {}) for c in pod["containers"]]
    has_limit = any("nvidia.com/gpu" in lim for lim in limits)
    tolerates = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod.get(
        "tolerations", []
    )
    selector = pod.get("nodeSelector")
    if node_selector is None:
        if has_limit or tolerates or selector:
            problems.append("a CPU pod must not ask for GPUs, tolerate GPU taints or pick nodes")
        return problems
    key, value = node_selector.split("=", 1)
    if not all(int(lim.get("nvidia.com/gpu", 0)) >= 1 for lim in limits):
        problems.append("every container needs an nvidia.com/gpu limit")
    if not tolerates:
        problems.append("missing the nvidia.com/gpu NoSchedule toleration (operator Exists)")
    if selector != {key: value}:
        problems.append(f"nodeSelector {selector} is not {{{key}: {value}}}")
    return problems


def shm_problems(pod: Doc, expected: bool) -> list[str]:
    """/dev/shm is a size-limited memory emptyDir when expected, absent otherwise."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        mount = next((m for m in c.get("volumeMounts", []) if m["mountPath"] == "/dev/shm"), None)
        if mount is None:
            return ["/dev/shm is not mounted"] if expected else []
        if not expected:
            return ["/dev/shm is mounted though nothing needs it"]
        empty_dir = volumes.get(mount["name"], {}).get("emptyDir", {})
        if empty_dir.get("medium") != "Memory" or not empty_dir.get("sizeLimit"):
            return ["/dev/shm must be an emptyDir with medium Memory and a sizeLimit"]
    return []


def kustomization_problems(directory: Path) -> list[str]:
    """Every kustomization under `directory` parses, lists only files that exist, renames
    only images its manifests use, and together they cover every manifest (nothing is
    silently left out of `kubectl apply -k`)."""
    problems, listed = [], set()
    kustomizations = sorted(directory.rglob("kustomization.yaml"))
    if not kustomizations:
        return [f"no kustomization.yaml under {directory}"]
    for path in kustomizations:
        where = path.relative_to(directory)
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        api = str(data.get("apiVersion", ""))
        if data.get("kind") != "Kustomization" or not api.startswith("kustomize.config.k8s.io/"):
            problems.append(f"{where}: not a Kustomization")
        images_used = set()
        for resource in data.get("resources", []):
            target = (path.parent / resource).resolve()
            if target.is_file():
                listed.add(target)
                doc = yaml.safe_load(target.read_text(encoding="utf-8"))
                if doc.get("kind") in {"Deployment", "Job", "CronJob"}:
                    containers = pod_template(doc)["spec"]["containers"]
                    images_used |= {c["image"].rsplit(":", 1)[0] for c in containers}
            elif not (target / "kustomization.yaml").is_file():
                problems.append(f"{where}: resource {resource} not found")
        for image in data.get("images", []):
            if image["name"] not in images_used:
                problems.append(f"{where}: image {image['name']} matches no container")
    for manifest in load(directory):
        if manifest.resolve() not in listed:
            problems.append(f"{manifest.relative_to(directory)} is in no kustomization")
    return problems
