"""The job: pre-run input checks -> run step -> post-run output checks -> publish.

Each shard writes its own part file and manifest into the batch folder; whichever shard
finds the batch complete moves `_LATEST` (idempotent, so racing shards agree).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import checks
from .batches import MANIFEST_PREFIX, BatchError, Partition, is_complete, new_batch_id, write_new
from .config import JobConfig
from .features import compute_features
from .manifest import base_manifest, utc_now
from .shard import Shard
from .tables import read_input, to_csv


class JobError(RuntimeError):
    """The run failed; the message says why and the manifest records it."""


@dataclass(frozen=True)
class RunResult:
    """What a run did."""

    batch_id: str
    batch_dir: Path
    part_file: Path | None
    manifest_file: Path | None
    rows: int
    published: bool
    dry_run: bool


def partition_name(config: JobConfig, now: float | None = None) -> str:
    """The configured partition with {date} filled in (UTC)."""
    return config.output.partition.replace("{date}", time.strftime("%Y-%m-%d", time.gmtime(now)))


def run_job(
    config: JobConfig,
    *,
    dry_run: bool = False,
    batch_id: str | None = None,
    partition: str | None = None,
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """Run this process's shard of the job; raise JobError (after recording it) on failure."""
    env = os.environ if env is None else env
    shard = Shard.from_env(env)
    batch_id = batch_id or env.get("BATCH_ID") or None
    if batch_id is None:
        if shard.count > 1:
            # Shards run in separate pods: only a shared id puts their parts in one batch.
            raise JobError("sharded runs need --batch-id or BATCH_ID shared by all shards")
        batch_id = new_batch_id()
    part = Partition(config.output.uri, partition or partition_name(config))
    batch_dir = part.batch_dir(batch_id)
    part_file = batch_dir / f"{shard.name}.csv"
    if part_file.exists():
        raise JobError(f"{part_file} already exists; outputs are never overwritten")

    manifest = base_manifest(
        env,
        batch_id=batch_id,
        partition=part.path.name,
        shard={"index": shard.index, "count": shard.count},
        dry_run=dry_run,
        params=config.to_dict(),
        input={"uri": config.input.uri.as_uri()},
    )
    try:
        rows = _run_steps(config, shard, manifest, None if dry_run else part_file)
    except (OSError, ValueError, BatchError, checks.CheckError) as exc:
        if not dry_run:
            _record_failure(manifest, batch_dir, shard, part_file, exc)
        raise JobError(str(exc)) from exc
    if dry_run:
        return RunResult(batch_id, batch_dir, None, None, rows, False, True)
    manifest_file = batch_dir / f"{MANIFEST_PREFIX}{shard.name}.json"
    _finish(manifest, manifest_file, "succeeded")
    published = is_complete(batch_dir)
    if published:
        part.publish(batch_id)
    return RunResult(batch_id, batch_dir, part_file, manifest_file, rows, published, False)


def _run_steps(config: JobConfig, shard: Shard, manifest: dict[str, Any], out: Path | None) -> int:
    """Pre-run checks, the run step and (unless dry-run) writing plus post-run checks."""
    checks.check_input_file(config)
    inp = config.input
    table = read_input(inp.uri, inp.key_column, inp.value_column, shard.owns)
    manifest["input"].update(rows=table.total_rows, sha256=table.sha256)
    checks.check_input_rows(config, table)
    rows = compute_features(table.keys, table.values, config.params.min_count)
    if out is not None:
        write_new(out, to_csv(rows))
        checks.check_output(out, len(rows), config.params.min_count)
        manifest["output"] = {"uri": out.as_uri(), "rows": len(rows), "shard_rows": len(table.keys)}
    return len(rows)


def _record_failure(
    manifest: dict[str, Any], batch_dir: Path, shard: Shard, part_file: Path, exc: Exception
) -> None:
    # Failed attempts keep their evidence under unique names, so a retry of the same shard
    # (Kubernetes restarts it with the same index and BATCH_ID) can still write its part.
    suffix = f"failed-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}"
    if part_file.exists():
        part_file.rename(part_file.with_name(f"{part_file.name}.{suffix}"))
    manifest_file = batch_dir / f"{MANIFEST_PREFIX}{shard.name}.{suffix}.json"
    _finish(manifest, manifest_file, "failed", error=str(exc))


def _finish(manifest: dict[str, Any], path: Path, status: str, **fields: Any) -> None:
    manifest.update(status=status, finished_at=utc_now(), **fields)
    write_new(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
