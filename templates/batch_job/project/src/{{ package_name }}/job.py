"""The job: pre-run input checks -> run step -> output checks -> write -> commit -> publish.

Each shard creates its part file and then its manifest (the commit), both create-exclusive.
A retry of a shard (same BATCH_ID, after any kill) finds what an earlier attempt left and
carries on if it is identical; different content means another run owns the batch, which is
a ConflictError, never an overwrite. Whichever shard finds the batch complete publishes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import checks
from .batches import (
    BatchError,
    ConflictError,
    Partition,
    check_batch_id,
    claim_partition,
    manifest_name,
    new_batch_id,
)
from .config import JobConfig
from .features import Accumulator
from .manifest import base_manifest, utc_now
from .shard import Shard
from .storage import AlreadyExists, Store, StoreError
from .tables import scan_input, to_csv

# What a retry must reproduce exactly for an earlier attempt's commit to count as its own.
FINGERPRINT = ("input", "params", "shard", "output")


class JobError(RuntimeError):
    """The run failed; the message says why and the manifest records it."""


@dataclass(frozen=True)
class RunResult:
    """What a run did."""

    batch_id: str
    batch_uri: str
    part_uri: str | None
    rows: int
    state: str  # dry-run | waiting | published | superseded
    latest: str | None  # where _LATEST points after this run
    resumed: bool = False  # an earlier attempt of this shard had already committed

    @property
    def published(self) -> bool:
        return self.state == "published"

    @property
    def dry_run(self) -> bool:
        return self.state == "dry-run"


def partition_name(config: JobConfig, now: float | None = None) -> str:
    """The configured partition with {date} filled in (UTC)."""
    return config.output.partition.replace("{date}", time.strftime("%Y-%m-%d", time.gmtime(now)))


def input_uri(uri: str) -> str:
    """The input as a URI for the manifest (file:// for local paths)."""
    return uri if "://" in uri else Path(uri).as_uri()


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
    check_batch_id(batch_id)
    try:
        store = Store(config.output.uri)
        name = partition or partition_name(config)
        if not dry_run:
            name = claim_partition(store, batch_id, name)
    except PermissionError as exc:
        # e.g. a host folder mounted into the container that uid 10001 may not write.
        raise JobError(f"cannot write to {config.output.uri}: permission denied") from exc
    except (StoreError, OSError) as exc:
        raise JobError(str(exc)) from exc
    if partition and name != partition:
        raise JobError(f"batch {batch_id} belongs to partition {name}, not {partition}")
    part = Partition(store, name)
    manifest = base_manifest(
        env,
        batch_id=batch_id,
        partition=part.name,
        shard={"index": shard.index, "count": shard.count},
        dry_run=dry_run,
        params=config.to_dict(),
        input={"uri": input_uri(config.input.uri)},
    )
    try:
        body, rows = _compute(config, shard, manifest)
        if dry_run:
            return RunResult(batch_id, part.batch_uri(batch_id), None, rows, "dry-run", None)
        part_uri = part.store.uri(part.name, batch_id, f"{shard.name}.csv")
        manifest["output"] = {
            "uri": part_uri,
            "rows": rows,
            "shard_rows": manifest["input"].pop("shard_rows"),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        _write_part(part, batch_id, shard, body)
        resumed = _commit(part, batch_id, shard, manifest)
        batch = part.batch(batch_id)
        latest = part.publish(batch_id) if batch.complete else part.latest()
    except ConflictError:
        raise  # the batch belongs to another run: recording a failure in it would be wrong
    except (OSError, ValueError, StoreError, BatchError, checks.CheckError) as exc:
        if not dry_run:
            _record_failure(part, batch_id, shard, manifest, exc)
        raise JobError(str(exc)) from exc
    state = "published" if latest == batch_id else "superseded"
    state = state if batch.complete else "waiting"
    return RunResult(batch_id, part.batch_uri(batch_id), part_uri, rows, state, latest, resumed)


def _compute(config: JobConfig, shard: Shard, manifest: dict[str, Any]) -> tuple[bytes, int]:
    """Pre-run checks, the run step over the streamed input, and the output checks."""
    checks.check_input_file(config)
    inp = config.input
    totals = Accumulator()
    scan = scan_input(inp.uri, inp.key_column, inp.value_column, totals.add, shard.owns)
    manifest["input"].update(rows=scan.total_rows, sha256=scan.sha256, shard_rows=scan.shard_rows)
    checks.check_input_rows(config, scan)
    rows = totals.rows(config.params.min_count)
    text = to_csv(rows)
    checks.check_output(text, len(rows), config.params.min_count, where=f"{shard.name}.csv")
    return text.encode("utf-8"), len(rows)


def _write_part(part: Partition, batch_id: str, shard: Shard, body: bytes) -> None:
    name = f"{shard.name}.csv"
    try:
        part.store.create(body, part.name, batch_id, name)
    except AlreadyExists:
        # An earlier attempt of this shard got this far (then was killed): same bytes, same
        # work. Different bytes: another run wrote this batch id.
        if part.store.read(part.name, batch_id, name) != body:
            raise ConflictError(
                f"{part.batch_uri(batch_id)} already has a different {name}: another run "
                "wrote this batch; outputs are never overwritten"
            ) from None
    # Read back what storage holds: the bytes readers will get are the bytes we checked.
    if part.store.read(part.name, batch_id, name) != body:
        raise checks.CheckError(f"{name} reads back different from what was written")


def _commit(part: Partition, batch_id: str, shard: Shard, manifest: dict[str, Any]) -> bool:
    """Create the shard's manifest; True if an identical earlier attempt already had."""
    manifest.update(status="succeeded", finished_at=utc_now())
    name = manifest_name(shard.name)
    try:
        part.store.create(_dump(manifest), part.name, batch_id, name)
        return False
    except AlreadyExists:
        earlier = json.loads(part.store.read(part.name, batch_id, name) or b"{}")
    if all(earlier.get(k) == manifest.get(k) for k in FINGERPRINT):
        return True
    raise ConflictError(
        f"{part.batch_uri(batch_id)} already has a committed {shard.name} from another run; "
        "outputs are never overwritten"
    )


def _record_failure(
    part: Partition, batch_id: str, shard: Shard, manifest: dict[str, Any], exc: Exception
) -> None:
    # Failed attempts keep their evidence under unique names, so a retry of the same shard
    # (Kubernetes restarts it with the same index and BATCH_ID) can still commit.
    manifest.update(status="failed", finished_at=utc_now(), error=str(exc))
    manifest.get("input", {}).pop("shard_rows", None)
    # When storage itself is failing, the error line still tells what happened.
    with contextlib.suppress(OSError, StoreError):
        part.store.create(_dump(manifest), part.name, batch_id, manifest_name(shard.name, True))


def _dump(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
