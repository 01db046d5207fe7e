"""Helpers for the foreign-template tests: what copier itself makes, to compare mlt with."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mlt.provenance import PROVENANCE_FILE

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "copier-templates"


def tree_files(root: Path, skip: tuple[str, ...] = (PROVENANCE_FILE,)) -> dict[str, bytes]:
    """Every file below root (not .git, not `skip`) by POSIX path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and ".git" not in p.relative_to(root).parts
        and p.relative_to(root).as_posix() not in skip
    }


def copier_update(
    child: Path, where: Path, ref: str, data: dict | None = None, answers_file: str | None = None
) -> Path:
    """A clone of `child` updated to `ref` by copier itself (defaults, no tasks)."""
    import copier

    clone = where / child.name
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(child), str(clone)], check=True)
    copier.run_update(
        clone, data=dict(data or {}), defaults=True, overwrite=True, vcs_ref=ref,
        skip_tasks=True, quiet=True, conflict="inline", answers_file=answers_file,
    )  # fmt: skip
    return clone


def copier_copy(src: str, dest: Path, ref: str, data: dict) -> Path:
    """What `copier copy --defaults` makes at `ref`."""
    import copier

    copier.run_copy(
        src, dest, data=dict(data), defaults=True, vcs_ref=ref, skip_tasks=True, quiet=True
    )
    return dest
