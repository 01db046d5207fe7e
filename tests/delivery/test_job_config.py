"""The batch Job as `kubectl apply -k` sends it (kubectl's own kustomize): its config comes
from the generated ConfigMap, never the sample config and data baked into the image, and its
pods get IMAGE_DIGEST from the lineage ConfigMap CI fills in. Each built document passes
kubernetes-validate; both the Job and the CronJob variant are built."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.kube import kustomize

from . import k8s
from .conftest import CASES, Rendered

JOBS = [c for c in CASES if c.project_type == "batch-job" and c.ci == "jenkins"]


def build(directory: Path) -> dict[str, dict]:
    docs = kustomize(directory)
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}


@pytest.fixture(params=JOBS, ids=lambda c: c.id)
def rendered(request: pytest.FixtureRequest, renders) -> Rendered:
    return renders.get(request.param)


@pytest.mark.parametrize("variant", [".", "cronjob"])
def test_job_reads_its_config_from_the_configmap(rendered, variant) -> None:
    name = rendered.answers["project_name"]
    docs = build(rendered.path / "deploy" / "k8s" / variant)
    for key, doc in docs.items():
        assert k8s.schema_errors(doc) == [], key
    maps = {d["metadata"]["name"]: d for d in docs.values() if d["kind"] == "ConfigMap"}
    (config_map,) = [m for m in maps if m.startswith(f"{name}-config-")]  # hashed: rolls out
    (lineage,) = [m for m in maps if m.startswith(f"{name}-lineage-")]
    (workload,) = [d for d in docs.values() if d["kind"] in {"Job", "CronJob"}]
    pod = k8s.pod_template(workload)["spec"]
    (container,) = pod["containers"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    config_path = container["args"][container["args"].index("--config") + 1]
    mount = str(Path(config_path).parent)
    assert volumes[mounts[mount]]["configMap"]["name"] == config_map
    assert Path(config_path).name in maps[config_map]["data"]
    config = yaml.safe_load(maps[config_map]["data"][Path(config_path).name])
    assert not config["input"]["uri"].startswith(("data/", "/app/"))  # not the image's sample
    env = {e["name"]: e for e in container["env"]}
    ref = env["IMAGE_DIGEST"]["valueFrom"]["configMapKeyRef"]
    assert ref["name"] == lineage and "IMAGE_DIGEST" in maps[lineage]["data"]
