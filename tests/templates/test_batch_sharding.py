"""The batch-job child's Indexed Job, run for real: 4 shard processes with exactly the env the
generated job.yaml gives each pod, against a real S3 API (moto's server) and against a local
folder standing in for the ReadWriteMany volume. Kills, racing writers, overlapping runs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml

from tests.support import kube

from .shardrun import Child, MotoServer, bucket_of, one_line_error, start_pod, write_shim

pytestmark = pytest.mark.slow

SHARDS = 4
MOUNT = "/mnt/batches"
PATH = os.environ.get("PATH", "")


class Backend:
    """Where the pods' JOB_OUTPUT_URI points, and how the test reads it back."""

    def __init__(self, name, child, extra, volumes, reader):
        self.name, self.child, self.extra, self.volumes = name, child, extra, volumes
        self._reader = reader  # (relative path) -> bytes | None

    def read(self, *parts: str) -> bytes | None:
        return self._reader("/".join(parts))

    def text(self, *parts: str) -> str:
        data = self.read(*parts)
        assert data is not None, parts
        return data.decode()

    def pod(self, index, uid, **kwargs):
        return start_pod(self.child, index, uid, self.extra, self.volumes, **kwargs)

    def run(self, indexes, uid, **kwargs) -> list[tuple[int, str, str]]:
        pods = [self.pod(i, uid, **kwargs) for i in indexes]
        return [p.wait() for p in pods]

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """history/rollback as a pod of the Job would run them (same env, same config)."""
        cmd = [sys.executable, "-m", self.child.package, *args, "--config", "config.yaml"]
        return subprocess.run(
            cmd, cwd=self.child.path, env=self.env(), capture_output=True, text=True, timeout=60
        )

    def env(self) -> dict[str, str]:
        env = self.child.pod_env(0, "unused")
        for mount, folder in self.volumes.items():
            env = {k: v.replace(mount, str(folder), 1) for k, v in env.items()}
        base = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
        return {**base, **self.extra, **env, "PYTHONPATH": str(self.child.path / "src")}

    def partition(self, uid: str) -> str:
        return self.text("_batches", uid).strip()

    def latest(self, uid: str) -> str | None:
        data = self.read(self.partition(uid), "_LATEST")
        return data.decode().strip() if data else None


@pytest.fixture(scope="module")
def children(tmp_path_factory):
    root = tmp_path_factory.mktemp("children")
    object_child = Child.render(root / "shards-s3", job_completions=SHARDS)
    volume_child = Child.render(root / "shards-vol", job_completions=SHARDS, k8s_storage="volume")
    return object_child, volume_child


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


@pytest.fixture(params=["s3", "local"])
def backend(request, children, tmp_path):
    object_child, volume_child = children
    if request.param == "local":
        volume = tmp_path / "volume"
        volume.mkdir()
        assert volume_child.mounts()[MOUNT] == "batches"
        prefix = volume_child.pod_env(0, "x")["JOB_OUTPUT_URI"].replace(MOUNT, str(volume))

        def read_local(rel):
            path = Path(prefix) / rel
            return path.read_bytes() if path.is_file() else None

        return Backend("local", volume_child, {}, {MOUNT: volume}, read_local)
    server = request.getfixturevalue("moto")
    fs = server.filesystem()
    bucket, key = bucket_of(object_child.pod_env(0, "x")["JOB_OUTPUT_URI"])
    if fs.exists(bucket):
        fs.rm(bucket, recursive=True)  # a fresh bucket per test: _LATEST starts unset
    fs.mkdir(bucket)

    def read_s3(rel):
        fs.invalidate_cache()
        try:
            return fs.cat_file(f"{bucket}/{key}/{rel}")
        except FileNotFoundError:
            return None

    return Backend("s3", object_child, server.env, {}, read_s3)


@pytest.fixture(scope="module")
def reference(children, tmp_path_factory):
    """Rows of an unsharded run of the same job (the sharded parts must add up to it)."""
    child = children[1]
    out = tmp_path_factory.mktemp("reference")
    config = yaml.safe_load((child.path / "config.yaml").read_text())
    config["output"]["uri"] = str(out)
    config["input"]["uri"] = str(child.path / config["input"]["uri"])
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(child.path / "src")}
    cmd = [sys.executable, "-m", child.package, "run", "--config", str(path)]
    done = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (part,) = out.glob("*/*/part-*.csv")
    return list(csv.DictReader(io.StringIO(part.read_text())))


def owned(rows, index):
    return [r for r in rows if zlib.crc32(r["key"].encode()) % SHARDS == index]


def part_rows(backend, uid, index):
    name = f"part-{index:05d}-of-{SHARDS:05d}.csv"
    return list(csv.DictReader(io.StringIO(backend.text(backend.partition(uid), uid, name))))


def manifest(backend, uid, index):
    name = f"_manifest.part-{index:05d}-of-{SHARDS:05d}.json"
    return json.loads(backend.text(backend.partition(uid), uid, name))


def test_four_pods_write_one_batch_and_the_last_publishes(backend, reference):
    uid = "0f1e2d3c-aaaa-4bbb-8ccc-000000000001"
    results = backend.run(range(SHARDS), uid)
    assert [rc for rc, _, _ in results] == [0] * SHARDS, [err for _, _, err in results]
    assert any("published as _LATEST" in out for _, out, _ in results)
    assert backend.latest(uid) == uid
    rows = [row for i in range(SHARDS) for row in part_rows(backend, uid, i)]
    assert sorted(rows, key=lambda r: r["key"]) == reference
    for index in range(SHARDS):
        assert part_rows(backend, uid, index) == owned(reference, index)
        meta = manifest(backend, uid, index)
        assert meta["shard"] == {"index": index, "count": SHARDS}
        assert meta["batch_id"] == uid and meta["status"] == "succeeded"
    history = backend.cli("history")
    assert history.returncode == 0, history.stderr
    assert f"* {uid}  complete  4/4 shards" in history.stdout
    if backend.name == "local":
        for path in backend.volumes[MOUNT].rglob("*"):
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o755 if path.is_dir() else 0o644), path


# Writes of shard 0, which runs last: 1 partition claim, 2 part, 3 manifest, 4 _LATEST.
# MLT_ALL_FAULTS=1 kills at every write, before, during and after (3 x as long).
ALL_FAULTS = [(at, when) for at in (1, 2, 3, 4) for when in ("before", "during", "after")]
FAULTS = (
    ALL_FAULTS
    if os.environ.get("MLT_ALL_FAULTS")
    else [(2, "during"), (2, "after"), (3, "after"), (4, "before")]
)


@pytest.mark.parametrize(("at", "when"), FAULTS, ids=[f"write{a}-{w}" for a, w in FAULTS])
def test_shard_killed_at_any_write_is_retried(backend, reference, tmp_path, at, when):
    uid = f"0f1e2d3c-bbbb-4bbb-8ccc-{ALL_FAULTS.index((at, when)):012d}"
    others = backend.run(range(1, SHARDS), uid)
    assert [rc for rc, _, _ in others] == [0] * (SHARDS - 1)
    shim = write_shim(tmp_path / "shim")
    rc, out, err = backend.pod(0, uid, fault=(at, when), shim=shim).wait()
    assert rc == -9, (out, err)
    # Killed: nothing published, no torn object, no failure recorded (a retry is to come).
    assert backend.latest(uid) == (uid if (at, when) == (4, "after") else None)
    part = backend.read(backend.partition(uid), uid, "part-00000-of-00004.csv")
    assert part is None or part_rows(backend, uid, 0) == owned(reference, 0)
    rc, out, err = backend.pod(0, uid).wait()  # Kubernetes retries the index: same env
    assert rc == 0, err
    assert "published as _LATEST" in out
    assert backend.latest(uid) == uid
    assert part_rows(backend, uid, 0) == owned(reference, 0)
    history = backend.cli("history").stdout
    assert f"* {uid}  complete  4/4 shards" in history and "failed" not in history


def config_with(backend, tmp_path, **params) -> Path:
    data = yaml.safe_load((backend.child.path / "config.yaml").read_text())
    data["params"].update(params)
    data["input"]["uri"] = str(backend.child.path / data["input"]["uri"])
    path = tmp_path / f"config-{len(params)}-{hashlib.md5(repr(params).encode()).hexdigest()}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("trial", range(3))
def test_two_writers_of_one_batch_one_wins(backend, tmp_path, trial):
    uid = f"0f1e2d3c-cccc-4bbb-8ccc-00000000000{trial}"
    configs = [config_with(backend, tmp_path, min_count=n) for n in (1, 2)]
    pods = [backend.pod(0, uid, config=c) for c in configs]
    results = [p.wait() for p in pods]
    codes = sorted(rc for rc, _, _ in results)
    assert codes == [0, 3], results
    loser = next(err for rc, _, err in results if rc == 3)
    assert one_line_error(loser) and "another run" in loser, loser
    # What the batch holds is the winner's, whole: its manifest vouches for its part.
    meta = manifest(backend, uid, 0)
    part = backend.read(backend.partition(uid), uid, "part-00000-of-00004.csv")
    assert meta["output"]["sha256"] == hashlib.sha256(part).hexdigest()


def test_overlapping_runs_and_rollback_with_user_chosen_ids(backend):
    # Ids that sort against time: only the manifests' times can order these batches.
    older, newer = "zz-older-run", "aa-newer-run"
    assert [rc for rc, _, _ in backend.run(range(SHARDS - 1), older)] == [0] * (SHARDS - 1)
    assert [rc for rc, _, _ in backend.run(range(SHARDS), newer)] == [0] * SHARDS
    assert backend.latest(newer) == newer
    rc, out, err = backend.pod(SHARDS - 1, older).wait()  # the older run finishes last
    assert rc == 0, err
    assert f"_LATEST stays at the newer batch {newer}" in out
    assert backend.latest(newer) == newer
    lines = backend.cli("history").stdout.splitlines()[1:]
    assert [line[2:].split()[0] for line in lines] == [older, newer]
    assert lines[1].startswith(f"* {newer}")

    rolled = backend.cli("rollback")
    assert rolled.returncode == 0 and older in rolled.stdout, rolled.stderr
    assert backend.latest(older) == older
    again = backend.cli("rollback")
    assert again.returncode == 1 and one_line_error(again.stderr), again.stderr
    forward = backend.cli("rollback", "--to", newer)
    assert forward.returncode == 0, forward.stderr
    assert backend.latest(newer) == newer


PATCH = {
    "target": {"kind": "Job"},
    "patch": "- {op: replace, path: /spec/completions, value: 6}",
}


def test_shard_count_follows_completions_under_kustomize(children, tmp_path):
    """JOB_COMPLETION_COUNT is spec.completions, copied by kustomize after patches: a patch of
    completions in deploy/k8s (or in an overlay that repeats the replacements, as the child's
    README says) moves every pod's count with it."""
    child = children[0]
    kustomization = yaml.safe_load((child.path / "deploy/k8s/kustomization.yaml").read_text())
    (replacement,) = kustomization["replacements"]
    assert replacement["source"] == {"kind": "Job", "fieldPath": "spec.completions"}
    (path,) = replacement["targets"][0]["fieldPaths"]
    assert path.endswith("env.[name=JOB_COMPLETION_COUNT].value")
    kubectl = kube.kubectl()
    base = tmp_path / "base"
    shutil.copytree(child.path / "deploy/k8s", base)
    edited = {**kustomization, "patches": [PATCH]}
    (base / "kustomization.yaml").write_text(yaml.safe_dump(edited))
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    shutil.copytree(child.path / "deploy/k8s", overlay / "base")
    own = {"resources": ["base"], "patches": [PATCH], "replacements": [replacement]}
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(own))
    for folder in (base, overlay):
        built = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        (job,) = [d for d in yaml.safe_load_all(built.stdout) if d and d["kind"] == "Job"]
        (container,) = job["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert (job["spec"]["completions"], env["JOB_COMPLETION_COUNT"]) == (6, "6"), folder
