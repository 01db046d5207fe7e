"""Run a rendered batch-job child's shards as Kubernetes would: the env and args of the
generated job.yaml, downward-API fields filled in, one process per pod.

Also starts moto's S3 server (a real S3 API over HTTP) on a free local port.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlt.template.source import TemplateSource
from mlt.scaffold.render import render_template

REGION = "us-east-1"
# What the optional <project>-storage Secret would hold (envFrom in the manifest).
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

# sitecustomize for fault injection: SIGKILL the shard before, during or after its Nth
# storage write (create or swap), like a pod OOM-killed or preempted at that moment.
FAULT_SHIM = """
import importlib, os, signal
if os.environ.get("FAULT_AT"):
    storage = importlib.import_module(os.environ["FAULT_PACKAGE"] + ".storage")
    at, when = int(os.environ["FAULT_AT"]), os.environ["FAULT_WHEN"]
    calls = [0]
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    def wrap(original, name):
        def write(self, data, *rest):
            calls[0] += 1
            if calls[0] == at:
                if when == "before":
                    die()
                if when == "during":
                    parts = rest[1:] if name == "swap" else rest
                    half_write(self, data[: len(data) // 2 or 1], self.path(*parts))
                    die()
            try:
                return original(self, data, *rest)
            finally:  # "after" also when the write was refused (e.g. a claim already made)
                if calls[0] == at:
                    die()
        return write
    def half_write(self, data, path):
        if self.local:  # the temp file the real write starts with, left half-written
            folder, name = os.path.split(path)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "." + name + ".dead.tmp"), "wb") as handle:
                handle.write(data)
        else:  # a multipart upload started, one part sent, never completed
            bucket, key, _ = self.fs.split_path(path)
            mpu = self.fs.call_s3("create_multipart_upload", Bucket=bucket, Key=key)
            self.fs.call_s3(
                "upload_part", Bucket=bucket, Key=key, UploadId=mpu["UploadId"],
                PartNumber=1, Body=data,
            )
    storage.Store.create = wrap(storage.Store.create, "create")
    storage.Store.swap = wrap(storage.Store.swap, "swap")
"""


@dataclass
class Child:
    """A rendered batch-job project and its Job manifest."""

    path: Path
    package: str
    job: dict[str, Any]

    @classmethod
    def render(cls, dest: Path, **answers: Any) -> Child:
        answers = {"project_name": dest.name, **answers}
        render_template(TemplateSource.bundled("batch-job"), dest, answers)
        job = yaml.safe_load((dest / "deploy/k8s/job.yaml").read_text(encoding="utf-8"))
        return cls(dest, dest.name.replace("-", "_"), job)

    @property
    def container(self) -> dict[str, Any]:
        (container,) = self.job["spec"]["template"]["spec"]["containers"]
        return container

    def pod_env(self, index: int, uid: str) -> dict[str, str]:
        """The container env of pod `index` of a Job with uid `uid`, as the kubelet sets it."""
        fields = {
            "metadata.annotations['batch.kubernetes.io/job-completion-index']": str(index),
            "metadata.labels['batch.kubernetes.io/controller-uid']": uid,
        }
        # Kubernetes itself injects the index into every container of an Indexed Job.
        env = {"JOB_COMPLETION_INDEX": str(index)}
        for item in self.container["env"]:
            if "value" in item:
                env[item["name"]] = item["value"]
            elif "configMapKeyRef" in item["valueFrom"]:
                # The lineage ConfigMap, as config/lineage.env generates it (CI fills it in).
                ref = item["valueFrom"]["configMapKeyRef"]
                assert ref["name"] == f"{self.path.name}-lineage", ref
                env[item["name"]] = self.lineage()[ref["key"]]
            else:
                path = item["valueFrom"]["fieldRef"]["fieldPath"]
                assert path in fields, f"the test cannot fill {path}"
                env[item["name"]] = fields[path]
        return env

    def lineage(self) -> dict[str, str]:
        text = (self.path / "deploy" / "k8s" / "config" / "lineage.env").read_text()
        pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
        return {k.strip(): v.strip() for k, v in pairs if not k.startswith("#")}

    def command(self, config: Path | None = None) -> list[str]:
        """The container's args, with this interpreter and, standing in for the ConfigMap's
        config (its input is cluster storage), the project's config.yaml."""
        args = list(self.container["args"])
        mounted = f"/etc/{self.path.name}/config.yaml"
        assert args[0] == "python" and args[-2:] == ["--config", mounted]
        return [sys.executable, *args[1:-1], str(config or self.path / "config.yaml")]

    def mounts(self) -> dict[str, str]:
        """mountPath -> volume name of the container's volumes."""
        return {m["mountPath"]: m["name"] for m in self.container.get("volumeMounts", [])}


@dataclass
class Pod:
    """A shard process started like a pod."""

    index: int
    proc: subprocess.Popen

    def wait(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


def start_pod(
    child: Child,
    index: int,
    uid: str,
    extra: dict[str, str],
    volumes: dict[str, Path] | None = None,
    config: Path | None = None,
    fault: tuple[int, str] | None = None,
    shim: Path | None = None,
) -> Pod:
    """Start shard `index` with the manifest's env plus `extra` (the Secret's keys); paths
    under a volume's mountPath are mapped to the local folder standing in for the volume."""
    env = child.pod_env(index, uid)
    for mount, folder in (volumes or {}).items():
        env = {k: v.replace(mount, str(folder), 1) for k, v in env.items()}
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    pythonpath = [str(child.path / "src")]
    if fault:
        pythonpath.insert(0, str(shim))
        base |= {"FAULT_AT": str(fault[0]), "FAULT_WHEN": fault[1], "FAULT_PACKAGE": child.package}
    base |= {"PYTHONPATH": os.pathsep.join(pythonpath), "GIT_COMMIT": "test"}
    proc = subprocess.Popen(
        child.command(config),
        cwd=child.path,
        env={**base, **extra, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Pod(index, proc)


def write_shim(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(FAULT_SHIM, encoding="utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """moto's S3 server on 127.0.0.1 for the duration of a `with` block."""

    def __enter__(self) -> MotoServer:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        # Its request log goes to a file: an unread pipe fills up and stalls the server.
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"moto server exited: {self.log.read()[-2000:]!r}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto server did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    @property
    def env(self) -> dict[str, str]:
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.url, "AWS_DEFAULT_REGION": REGION}

    def filesystem(self):
        import s3fs

        return s3fs.S3FileSystem(
            key=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            secret=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            endpoint_url=self.url,
            skip_instance_cache=True,
            use_listings_cache=False,
        )


def one_line_error(stderr: str) -> bool:
    """Exactly one `error:` line and no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    return len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr


def bucket_of(uri: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", uri)
    assert match, uri
    return match.group(1), match.group(2)
