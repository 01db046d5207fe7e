"""Immutable batch outputs: <root>/<partition>/<batch_id>/ plus a movable _LATEST pointer.

Every run writes into a new batch folder and never overwrites anything. Readers follow the
`_LATEST` file, which is replaced atomically (temp file + os.replace) once a batch is complete;
rolling back is moving the pointer to an older complete batch.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LATEST = "_LATEST"
MANIFEST_PREFIX = "_manifest."


class BatchError(RuntimeError):
    """A batch operation cannot be done (missing batch, would overwrite, ...)."""


def new_batch_id(now_ns: int | None = None) -> str:
    """Sortable, unique id: UTC time to the microsecond plus a random suffix.

    e.g. 20260115T020000.123456Z-3fa2c1; sorting ids sorts runs by start time.
    """
    now_ns = time.time_ns() if now_ns is None else now_ns
    seconds, micros = divmod(now_ns // 1000, 1_000_000)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds))
    return f"{stamp}.{micros:06d}Z-{secrets.token_hex(3)}"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old content or the new, never a torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)  # atomic rename (os.replace) on POSIX
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet: outputs are never overwritten."""
    if path.exists():
        raise BatchError(f"{path} already exists; outputs are never overwritten")
    write_atomic(path, text)


@dataclass(frozen=True)
class Batch:
    """One batch folder and whether all its shards succeeded."""

    batch_id: str
    path: Path
    complete: bool


class Partition:
    """The batches of one partition and its _LATEST pointer."""

    def __init__(self, root: Path, name: str) -> None:
        self.path = root / name

    def batch_dir(self, batch_id: str) -> Path:
        """Folder of a batch (not created)."""
        if not batch_id or "/" in batch_id or batch_id.startswith((".", "_")):
            raise BatchError(f"invalid batch id {batch_id!r}")
        return self.path / batch_id

    def batches(self) -> list[Batch]:
        """All batches, oldest first (batch ids sort by time)."""
        if not self.path.is_dir():
            return []
        found = [p for p in self.path.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return [Batch(p.name, p, is_complete(p)) for p in sorted(found)]

    def latest(self) -> str | None:
        """The batch id _LATEST points to, or None before the first publish."""
        try:
            return (self.path / LATEST).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def publish(self, batch_id: str) -> None:
        """Point _LATEST at a complete batch."""
        path = self.batch_dir(batch_id)
        if not is_complete(path):
            raise BatchError(f"batch {batch_id} is not complete; _LATEST left unchanged")
        write_atomic(self.path / LATEST, batch_id + "\n")

    def rollback(self, to: str | None = None) -> str:
        """Point _LATEST at `to`, or at the newest complete batch older than the current one."""
        if to is None:
            current = self.latest()
            older = [
                b
                for b in self.batches()
                if b.complete and (current is None or b.batch_id < current)
            ]
            if not older:
                raise BatchError(f"no complete batch older than {current} in {self.path}")
            to = older[-1].batch_id
        if not self.batch_dir(to).is_dir():
            raise BatchError(f"no batch {to} in {self.path}")
        self.publish(to)
        return to


def manifests(batch_dir: Path) -> list[dict]:
    """The shard manifests written into a batch folder."""
    found = []
    for path in sorted(batch_dir.glob(MANIFEST_PREFIX + "*.json")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue  # a broken manifest means that shard does not count as succeeded
    return found


def is_complete(batch_dir: Path) -> bool:
    """All `count` shards wrote a succeeded manifest."""
    done = [m for m in manifests(batch_dir) if m.get("status") == "succeeded"]
    if not done:
        return False
    count = done[0].get("shard", {}).get("count", 1)
    return len({m.get("shard", {}).get("index") for m in done}) == count
