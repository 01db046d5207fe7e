"""`mlt doctor --gpu --k8s-job CHILD`: a Kubernetes Job that runs the doctor where the workload
runs: in the child's own image, with its GPU requests, node selector, tolerations, affinity,
security context and CUDA/NVIDIA environment, read from the child's deploy/k8s/ manifests.

The child's image does not contain mlt (its dependencies are the project's own), and mlt is
installed from source, not from a package index a cluster could reach. So the Job carries
the doctor with it: a ConfigMap holds `mlt-doctor.pyz`, a zip of mlt's doctor (stdlib only,
with the compatibility data as JSON; see standalone.py), which the container runs with the
image's own `python`: `python /opt/mlt-doctor/mlt-doctor.pyz --gpu --json`, the same report
as `mlt doctor --gpu --json`. It needs no network and nothing installed in the image.

Kustomize layouts are followed through `resources` (and old `bases`): an overlay's base
manifests are read, and the `images` overrides (newName, newTag, digest) are applied, the
overlay's last. Patches are not applied.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from mlt.errors import UsageError

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")
GPU_RESOURCE = re.compile(r"^nvidia\.com/(gpu|mig-[\w.-]+)$")
# the environment that decides what CUDA sees: copied from the workload's container
ENV_COPIED = re.compile(r"^(CUDA_|NVIDIA_|LD_LIBRARY_PATH$|LD_PRELOAD$)")
ZIP_NAME = "mlt-doctor.pyz"
MOUNT = "/opt/mlt-doctor"
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same mlt prints the same manifest


def _yaml() -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe")


def _load_all(path: Path) -> list[dict[str, Any]]:
    try:
        return [
            d for d in _yaml().load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)
        ]
    except Exception as exc:  # noqa: BLE001 - ruamel raises many types for bad YAML
        raise UsageError(f"cannot read {path}: {exc}") from None


def _documents(folder: Path, seen: set[Path]) -> tuple[list[dict[str, Any]], list[dict]]:
    """The manifests a kustomization (or a plain folder) builds, and its image overrides."""
    folder = folder.resolve()
    if folder in seen:
        return [], []
    seen.add(folder)
    kustomization = next((folder / n for n in KUSTOMIZATIONS if (folder / n).is_file()), None)
    if kustomization is None:
        docs = [d for p in sorted(folder.glob("*.y*ml")) for d in _load_all(p)]
        return docs, []
    spec = (_load_all(kustomization) or [{}])[0]
    docs: list[dict[str, Any]] = []
    images: list[dict] = []
    for entry in list(spec.get("resources") or []) + list(spec.get("bases") or []):
        if not isinstance(entry, str) or "://" in entry:
            continue  # a remote base: not readable offline
        path = folder / entry
        if path.is_dir():
            sub_docs, sub_images = _documents(path, seen)
            docs += sub_docs
            images += sub_images
        elif path.is_file():
            docs += _load_all(path)
    return docs, images + [i for i in spec.get("images") or [] if isinstance(i, dict)]


def _retag(image: str, overrides: list[dict]) -> str:
    """Apply kustomize `images` entries to one container image reference."""
    for override in overrides:
        name, sep, tag = image.partition("@")
        if not sep:
            head, colon, tail = image.rpartition(":")
            name, tag = (head, tail) if colon and "/" not in tail else (image, "")
        if name != override.get("name"):
            continue
        name = override.get("newName") or name
        if override.get("digest"):
            image = f"{name}@{override['digest']}"
        else:
            tag = override.get("newTag") or tag
            image = f"{name}:{tag}" if tag else name
    return image


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc.get("spec") or {}
    if doc["kind"] == "Pod":
        return spec
    if doc["kind"] == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def _gpu_resources(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resources = container.get("resources") or {}
    return {
        kind: {k: v for k, v in (resources.get(kind) or {}).items() if GPU_RESOURCE.match(k)}
        for kind in ("requests", "limits")
    }


def find_workload(child: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(workload manifest, its pod spec, its GPU container) from CHILD/deploy/k8s."""
    k8s = child / "deploy" / "k8s"
    if not child.is_dir():
        raise UsageError(f"{child} is not a directory")
    if not k8s.is_dir():
        raise UsageError(
            f"{child} has no deploy/k8s/ manifests: a library or a project that is not "
            "deployed to Kubernetes has no pod to check",
            hint="run `mlt doctor --gpu` where the code runs instead",
        )
    docs, images = _documents(k8s, set())
    workloads = [d for d in docs if d.get("kind") in WORKLOADS]
    if not workloads:
        raise UsageError(f"{k8s} holds no Deployment, Job, CronJob, StatefulSet or Pod")
    for doc in workloads:
        spec = _pod_spec(doc)
        for container in spec.get("containers") or []:
            if any(_gpu_resources(container).values()):
                container = dict(container, image=_retag(str(container.get("image")), images))
                return doc, spec, container
    names = ", ".join(f"{d['kind']}/{(d.get('metadata') or {}).get('name')}" for d in workloads)
    raise UsageError(
        f"{names} in {k8s} request no GPU (no nvidia.com/gpu resource): there is no GPU pod "
        "to reproduce",
        hint="for a CPU project run `mlt doctor` in its image instead: `mlt doctor --image IMAGE`",
    )


def bundle() -> bytes:
    """mlt-doctor.pyz: mlt's doctor and what it imports, with standalone.py as __main__."""
    from mlt import compat

    package = Path(__file__).resolve().parent.parent  # .../mlt
    files = [package / n for n in ("__init__.py", "errors.py", "resources.py", "compat.py")]
    files += sorted(p for p in (package / "doctor").rglob("*.py") if "__pycache__" not in p.parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        add("__main__.py", (package / "doctor" / "standalone.py").read_bytes())
        for path in files:
            add("mlt/" + path.relative_to(package).as_posix(), path.read_bytes())
        add("mlt_compat.json", json.dumps(compat.load(), sort_keys=True).encode())
    return buffer.getvalue()


def _name(base: str) -> str:
    """A DNS-1123 label: Job names become pod labels (63 characters at most)."""
    suffix = "-mlt-doctor"
    return base[: 63 - len(suffix)].rstrip("-") + suffix


def job_documents(
    child: Path, node: str | None = None, image: str | None = None, timeout: float = 120
) -> list[dict[str, Any]]:
    """[ConfigMap with the doctor, Job running it] for the child's GPU workload."""
    workload, pod, container = find_workload(child)
    base = str((workload.get("metadata") or {}).get("name") or child.name)
    name = _name(base)
    labels = {
        "app.kubernetes.io/name": base,
        "app.kubernetes.io/component": "mlt-doctor",
        "app.kubernetes.io/managed-by": "mlt",
    }
    gpu = _gpu_resources(container)
    resources: dict[str, Any] = {
        "requests": {"cpu": "1", "memory": "2Gi", **gpu["requests"]},
        "limits": {"memory": "4Gi", **(gpu["limits"] or gpu["requests"])},
    }
    doctor_container: dict[str, Any] = {
        "name": "mlt-doctor",
        "image": image or container["image"],
        # args, not command: the image's ENTRYPOINT (e.g. tini) stays in charge
        "args": ["python", f"{MOUNT}/{ZIP_NAME}", "--gpu", "--json", "--timeout", f"{timeout:g}"],
        "resources": resources,
        "volumeMounts": [
            {"name": "mlt-doctor", "mountPath": MOUNT, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    env = [
        e
        for e in container.get("env") or []
        if isinstance(e, dict) and ENV_COPIED.match(str(e.get("name"))) and "value" in e
    ]
    if env:
        doctor_container["env"] = env
    if container.get("securityContext"):  # the same user: device-node access as the workload
        doctor_container["securityContext"] = container["securityContext"]
    spec: dict[str, Any] = {"restartPolicy": "Never", "automountServiceAccountToken": False}
    for key in (
        "securityContext",
        "nodeSelector",
        "tolerations",
        "affinity",
        "runtimeClassName",
        "priorityClassName",
        "imagePullSecrets",
    ):
        if pod.get(key):
            spec[key] = pod[key]
    if node:
        spec["nodeSelector"] = {**(spec.get("nodeSelector") or {}), "kubernetes.io/hostname": node}
    spec["containers"] = [doctor_container]
    spec["volumes"] = [
        {"name": "mlt-doctor", "configMap": {"name": name, "defaultMode": 0o444}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
    ]
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "binaryData": {ZIP_NAME: base64.b64encode(bundle()).decode("ascii")},
    }
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": int(timeout) + 300,  # image pull and start included
            "ttlSecondsAfterFinished": 3600,
            "template": {"metadata": {"labels": dict(labels)}, "spec": spec},
        },
    }
    return [config_map, job]


def render(docs: list[dict[str, Any]], node: str | None = None) -> str:
    """The documents as YAML, with how to use them in a comment."""
    name = docs[-1]["metadata"]["name"]
    workload = docs[-1]["metadata"]["labels"]["app.kubernetes.io/name"]
    where = f" on node {node}" if node else ""
    head = (
        f"# mlt doctor --gpu in {workload}'s own image{where}, with its GPU request,\n"
        "# node selector and tolerations. Run it and read the report:\n"
        f"#   kubectl apply -f -   (this output)\n"
        f"#   kubectl wait --for=condition=complete --timeout=10m job/{name} || true\n"
        f"#   kubectl logs job/{name}\n"
        f"#   kubectl delete job,configmap {name}\n"
    )
    from ruamel.yaml import YAML

    out = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 1 << 30  # keep each value (the base64 zip too) on one line
    yaml.dump_all(docs, out)
    return head + out.getvalue()
