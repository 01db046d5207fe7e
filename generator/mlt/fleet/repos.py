"""Which repositories a fleet run covers: a fleet file, or a forge listing, then filters."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mlt.errors import UsageError
from mlt.provenance import PROVENANCE_FILE


@dataclass
class FleetEntry:
    """One repository: a local checkout or a git URL (cloned for the run)."""

    spec: str  # as the user wrote it (credentials stripped when shown)
    path: Path | None  # local checkout; None for URLs

    @property
    def is_url(self) -> bool:
        """True when the entry must be cloned."""
        return self.path is None

    @property
    def label(self) -> str:
        """What tables and logs show: the spec without any user:password@ part."""
        return redact(self.spec)


def looks_like_url(spec: str) -> bool:
    """git URL (scheme:// or scp-like user@host:path) rather than a local path."""
    return "://" in spec or bool(re.match(r"^[\w.-]+@[\w.-]+:", spec))


def redact(text: str) -> str:
    """Drop credentials from every URL in `text` (for anything printed or stored)."""
    return re.sub(r"(\w[\w+.-]*://)[^/@\s]*@", r"\1", text)


def read_fleet_file(path: Path) -> list[FleetEntry]:
    """Entries of a fleet file: one path or URL per line, `#` comments, blank lines ignored.

    Relative paths are relative to the fleet file's directory.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read fleet file {path}: {getattr(exc, 'strerror', exc)}"
        ) from None
    entries = []
    for line in lines:
        spec = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if spec and not spec.startswith("#"):
            local = None if looks_like_url(spec) else (path.parent / spec).resolve()
            entries.append(FleetEntry(spec, local))
    if not entries:
        raise UsageError(f"fleet file {path} lists no repositories")
    return entries


def parse_from(value: str) -> tuple[str, str]:
    """`github:ORG`, `gitlab:GROUP/SUB`, `gitea:ORG` → (forge kind, organisation)."""
    kind, sep, org = value.partition(":")
    if not sep or not org or kind not in ("github", "gitlab", "gitea"):
        raise UsageError(
            f"--from {value!r}: expected github:ORG, gitlab:GROUP or gitea:ORG",
        )
    return kind, org.strip("/")


def entries_from_forge(forge, org: str) -> list[FleetEntry]:  # noqa: ANN001 - a forges.Forge
    """Every repository of the organisation whose default branch holds `.mlt.yaml`."""
    found = [r for r in forge.list_repos(org) if forge.has_file(r, PROVENANCE_FILE)]
    return [FleetEntry(r.clone_url, None) for r in sorted(found, key=lambda r: r.clone_url)]


def select(
    entries: list[FleetEntry], only: list[str] | None, exclude: list[str] | None
) -> list[FleetEntry]:
    """Keep entries matching any --only glob and no --exclude glob (matched against the
    spec and against its last two path parts, `owner/name`)."""

    def names(entry: FleetEntry) -> list[str]:
        tail = entry.label.rstrip("/").removesuffix(".git").replace(":", "/").split("/")
        return [entry.label, "/".join(tail[-2:]), tail[-1]]

    def hits(entry: FleetEntry, patterns: list[str]) -> bool:
        return any(fnmatch.fnmatch(n, p) for n in names(entry) for p in patterns)

    kept = [e for e in entries if (not only or hits(e, only)) and not hits(e, exclude or [])]
    if not kept:
        raise UsageError("no repository left after --only/--exclude")
    return kept


def cache_dir() -> Path:
    """Where fleet clones and the last run's state go (override: MLT_CACHE_DIR)."""
    root = os.environ.get("MLT_CACHE_DIR") or Path.home() / ".cache" / "mlt"
    return Path(root) / "fleet"


def clone_dir(url: str) -> Path:
    """A stable folder per URL, so the last run's clone can be inspected afterwards."""
    name = re.sub(r"[^\w.-]+", "_", redact(url).rstrip("/").rsplit("/", 1)[-1])[:40]
    return cache_dir() / "clones" / f"{name}-{hashlib.sha1(url.encode()).hexdigest()[:10]}"
