"""Template engine: batches and _LATEST. Edit features.py and config.yaml, not this file.

Immutable batch outputs: <root>/<partition>/<batch_id>/ plus a movable _LATEST pointer.

Every run writes into a new batch folder and never overwrites anything. Each shard commits by
creating its manifest (create-exclusive); a batch is complete when every shard has. Readers
follow `_LATEST`, which moves only forward in batch time (the earliest shard start recorded in
the manifests), by compare-and-swap, unless `rollback` moves it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from .storage import AlreadyExists, Changed, Store

LATEST = "_LATEST"
MANIFEST_PREFIX = "_manifest."
CLAIMS = "_batches"  # <root>/_batches/<batch_id> names the partition the batch belongs to
SWAP_ATTEMPTS = 50  # racing publishers each win within a few rounds


class BatchError(RuntimeError):
    """A batch operation cannot be done (missing batch, would overwrite, ...)."""


class ConflictError(BatchError):
    """Another run already wrote this batch with different content; retrying cannot help."""


def new_batch_id(now_ns: int | None = None) -> str:
    """Sortable, unique id: UTC time to the microsecond plus a random suffix.

    e.g. 20260115T020000.123456Z-3fa2c1; sorting ids sorts runs by start time.
    """
    now_ns = time.time_ns() if now_ns is None else now_ns
    seconds, micros = divmod(now_ns // 1000, 1_000_000)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds))
    return f"{stamp}.{micros:06d}Z-{secrets.token_hex(3)}"


def check_batch_id(batch_id: str) -> str:
    """The id, if it can name a folder; BatchError otherwise."""
    if not batch_id or "/" in batch_id or batch_id.startswith((".", "_")):
        raise BatchError(f"invalid batch id {batch_id!r}")
    return batch_id


def manifest_name(shard_name: str, failed: bool = False) -> str:
    """Name of a shard's success manifest, or a unique one for a failed attempt."""
    if not failed:
        return f"{MANIFEST_PREFIX}{shard_name}.json"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{MANIFEST_PREFIX}{shard_name}.failed-{stamp}-{secrets.token_hex(3)}.json"


@dataclass(frozen=True)
class Batch:
    """One batch folder as its manifests describe it."""

    batch_id: str
    state: str  # complete | waiting | failed
    started_at: str  # earliest shard start ("" when no shard has reported yet)
    done: int  # shards that succeeded
    count: int | None  # shards expected (None until a manifest says)
    detail: str = ""

    @property
    def complete(self) -> bool:
        return self.state == "complete"

    @property
    def order(self) -> tuple[str, str]:
        """Sort key: batch time first (ids may be user-chosen), the id breaks ties."""
        return (self.started_at, self.batch_id)


def summarize(batch_id: str, manifests: list[dict[str, Any]]) -> Batch:
    """Tell complete, waiting and failed apart from a batch's manifests."""
    starts = [m["started_at"] for m in manifests if isinstance(m.get("started_at"), str)]
    started = min(starts, default="")
    counts = {m.get("shard", {}).get("count") for m in manifests}
    if len(counts) > 1:
        return Batch(batch_id, "failed", started, 0, None, f"shard counts disagree: {counts}")
    count = next(iter(counts), None)
    ok = {m["shard"]["index"]: m for m in manifests if m.get("status") == "succeeded"}
    failed = {
        m["shard"]["index"]: m for m in manifests if m.get("status") == "failed"
    }.keys() - ok.keys()
    inputs = {json.dumps([m.get("input", {}).get("sha256"), m.get("params")]) for m in ok.values()}
    if len(inputs) > 1:
        return Batch(batch_id, "failed", started, len(ok), count, "shards read different inputs")
    if failed:
        index = min(failed)
        error = next(m.get("error") for m in manifests if m["shard"]["index"] == index)
        return Batch(batch_id, "failed", started, len(ok), count, f"shard {index}: {error}")
    if count is not None and set(ok) == set(range(count)):
        return Batch(batch_id, "complete", started, len(ok), count)
    return Batch(batch_id, "waiting", started, len(ok), count, f"{len(ok)}/{count or '?'} shards")


def claim_partition(store: Store, batch_id: str, wanted: str) -> str:
    """The partition of a batch: the first shard to start records `wanted` (create-exclusive),
    later shards read it, so shards started either side of midnight stay in one batch."""
    try:
        store.create(f"{wanted}\n".encode(), CLAIMS, check_batch_id(batch_id))
        return wanted
    except AlreadyExists:
        claimed = (store.read(CLAIMS, batch_id) or b"").decode("utf-8").strip()
    if not claimed:
        raise BatchError(f"{store.uri(CLAIMS, batch_id)} is empty; cannot tell its partition")
    return claimed


def partition_pattern(template: str) -> re.Pattern[str]:
    """Which folder names a partition template like 'dt={date}' produces."""
    parts = (re.escape(p) for p in template.split("{date}"))
    return re.compile(r"\d{4}-\d{2}-\d{2}".join(parts) + "$")


def find_partitions(store: Store, template: str) -> list[str]:
    """Existing partitions of this template, oldest first (dates sort as text)."""
    if "/" in template:  # nested partitions: list the parent folder of the last level
        parent, _, leaf = template.rpartition("/")
        if "{date}" in parent:
            return []
        return [f"{parent}/{n}" for n in store.list(parent) if partition_pattern(leaf).match(n)]
    return [name for name in store.list() if partition_pattern(template).match(name)]


class Partition:
    """The batches of one partition and its _LATEST pointer."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name

    @property
    def uri(self) -> str:
        return self.store.uri(self.name)

    def batch_uri(self, batch_id: str) -> str:
        return self.store.uri(self.name, check_batch_id(batch_id))

    def manifests(self, batch_id: str) -> list[dict[str, Any]]:
        """The readable shard manifests of a batch (a torn one counts as absent)."""
        found = []
        for name in self.store.list(self.name, batch_id):
            if not (name.startswith(MANIFEST_PREFIX) and name.endswith(".json")):
                continue
            try:
                data = json.loads(self.store.read(self.name, batch_id, name) or b"")
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and isinstance(data.get("shard"), dict):
                found.append(data)
        return found

    def batch(self, batch_id: str) -> Batch:
        return summarize(check_batch_id(batch_id), self.manifests(batch_id))

    def batches(self) -> list[Batch]:
        """All batches, oldest first by batch time."""
        names = [n for n in self.store.list(self.name) if not n.startswith(("_", "."))]
        return sorted((self.batch(n) for n in names), key=lambda b: b.order)

    def latest(self) -> str | None:
        """The batch id _LATEST points to, or None before the first publish."""
        data = self.store.read(self.name, LATEST)
        return data.decode("utf-8").strip() or None if data else None

    def publish(self, batch_id: str) -> str:
        """Point _LATEST at a complete batch unless it already points at a newer one.

        Returns the batch _LATEST points to afterwards.
        """
        target = self.batch(batch_id)
        if not target.complete:
            raise BatchError(f"batch {batch_id} is not complete; _LATEST left unchanged")

        def decide(current: str | None) -> str | None:
            if current is None or current == batch_id:
                return batch_id
            return batch_id if self.batch(current).order < target.order else current

        return self._move(decide)

    def rollback(self, to: str | None = None) -> str:
        """Point _LATEST at `to`, or at the newest complete batch older than the current one."""
        if to is not None:
            target = self.batch(to)
            if target.count is None:
                raise BatchError(f"no batch {to} in {self.uri}")
            if not target.complete:
                raise BatchError(f"batch {to} is {target.state}; _LATEST left unchanged")

        def decide(current: str | None) -> str:
            if to is not None:
                return to
            now = self.batch(current).order if current else None
            older = [b for b in self.batches() if b.complete and (now is None or b.order < now)]
            if not older:
                raise BatchError(f"no complete batch older than {current} in {self.uri}")
            return older[-1].batch_id

        return self._move(decide)

    def _move(self, decide) -> str:
        """Compare-and-swap loop: re-decide whenever another writer got there first."""
        for _ in range(SWAP_ATTEMPTS):
            data, token = self.store.read_versioned(self.name, LATEST)
            current = (data or b"").decode("utf-8").strip() or None
            wanted = decide(current)
            if wanted == current:
                return wanted
            try:
                self.store.swap(f"{wanted}\n".encode(), token, self.name, LATEST)
            except Changed:
                continue
            return wanted
        raise BatchError(f"{self.uri}/{LATEST} kept changing; gave up after {SWAP_ATTEMPTS} tries")
