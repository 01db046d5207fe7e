"""git calls whose exit code carries meaning (merge, merge-tree, grep): we need rc and stderr."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class GitRun:
    """A finished git process."""

    rc: int
    out: str
    err: str

    @property
    def last_error(self) -> str:
        """git's most telling stderr line (its first 'error:'/'fatal:' line, else the last)."""
        lines = [line.strip() for line in self.err.splitlines() if line.strip()]
        for line in lines:
            if line.startswith(("error:", "fatal:")):
                return line
        return lines[-1] if lines else f"exit code {self.rc}"


def run_git(*args: str, cwd: Path | str, env: dict[str, str] | None = None) -> GitRun:
    """Run git without raising; the caller decides what each exit code means."""
    full_env = {**os.environ, **(env or {}), "GIT_TERMINAL_PROMPT": "0"}
    proc = subprocess.run(["git", *args], cwd=cwd, env=full_env, capture_output=True, check=False)
    return GitRun(
        proc.returncode,
        proc.stdout.decode(errors="replace"),
        proc.stderr.decode(errors="replace"),
    )


def split_z(text: str) -> list[str]:
    """Records of a `-z` git output, without the empty tail."""
    return [item for item in text.split("\0") if item]


def parse_name_status(text: str) -> list[tuple[str, str, str | None]]:
    """`git diff --name-status -z -M` → [(status letter, path, renamed-from or None)]."""
    items, out, i = text.split("\0"), [], 0
    while i < len(items) and items[i]:
        status = items[i][0]
        if status in "RC":
            out.append((status, items[i + 2], items[i + 1]))
            i += 3
        else:
            out.append((status, items[i + 1], None))
            i += 2
    return out


def parse_stages(records: list[str]) -> dict[str, set[int]]:
    """`mode sha stage<TAB>path` records (ls-files -u, merge-tree) → {path: {stages}}."""
    stages: dict[str, set[int]] = {}
    for record in records:
        meta, _, path = record.partition("\t")
        stages.setdefault(path, set()).add(int(meta.split()[2]))
    return stages
