"""Template engine: sharding. Edit deploy/k8s/job.yaml (completions), not this file.

Which slice of the input this process owns (Kubernetes Indexed Jobs)."""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass


class ShardError(ValueError):
    """JOB_COMPLETION_INDEX / JOB_COMPLETION_COUNT are inconsistent."""


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`; a plain run is shard 0 of 1."""

    index: int = 0
    count: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Shard:
        """Read the shard from the variables an Indexed Job sets in each pod.

        Kubernetes sets JOB_COMPLETION_INDEX itself; the job manifest passes the count as
        JOB_COMPLETION_COUNT (it equals `.spec.completions`).
        """
        env = os.environ if env is None else env
        index = _int(env, "JOB_COMPLETION_INDEX", 0)
        count = _int(env, "JOB_COMPLETION_COUNT", 1)
        if count < 1 or not 0 <= index < count:
            raise ShardError(f"shard index {index} is not within a count of {count}")
        return cls(index, count)

    @property
    def name(self) -> str:
        """Stable file-name fragment, e.g. part-00002-of-00008."""
        return f"part-{self.index:05d}-of-{self.count:05d}"

    def owns(self, key: str) -> bool:
        """Whether rows with this key belong to this shard (crc32: stable across runs/hosts)."""
        return zlib.crc32(key.encode("utf-8")) % self.count == self.index


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ShardError(f"{name}={raw!r} is not an integer") from None
