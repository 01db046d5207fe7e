"""The bundled templates before and after they became one copier template (issue 20).

Before, templates/ held three copier templates (templates/<type>/copier.yml) with committed
copies of templates/_shared; after, one (templates/copier.yml). The commit that added
templates/copier.yml is the layout change; its parent is the last three-template layout, the
previous release's templates. Both are read from git objects, never from rendered files kept
in the repository, so the proof holds whatever later commits change in the templates.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ONE_TEMPLATE_CONFIG = "templates/copier.yml"


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, check=False)


def layout_commits() -> tuple[str, str | None]:
    """(the last three-template commit, the layout-change commit or None when the change is
    not committed yet: then the working tree is the new layout). Skips without history."""
    if _git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout: the previous layout is read from git history")
    added = _git("log", "--diff-filter=A", "--format=%H", "--", ONE_TEMPLATE_CONFIG)
    commits = added.stdout.decode().split()
    if commits:
        change = commits[-1]
        parent = _git("rev-parse", "--verify", "--quiet", f"{change}^")
        if parent.returncode != 0:
            pytest.skip("shallow clone: the commit before the one-template layout is missing")
        return parent.stdout.decode().strip(), change
    if (REPO / ONE_TEMPLATE_CONFIG).is_file():
        return _git("rev-parse", "HEAD").stdout.decode().strip(), None
    pytest.skip("templates/ is not one copier template yet")


def export_templates(commit: str | None, dest: Path) -> Path:
    """templates/ of `commit` under dest (None: the work tree's files git would track);
    returns dest/templates. Modes are git's, as a wheel built from that commit has them."""
    if commit is None:
        files = ("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--")
        listed = _git(*files, "templates").stdout.decode().split("\0")
        root = dest / "templates"
        for rel in filter(None, listed):
            src, out = REPO / rel, dest / rel
            if not src.is_file():
                continue  # deleted in the work tree, not yet in the index
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(src.read_bytes())
            out.chmod(src.stat().st_mode & 0o777)
        return root
    archive = _git("archive", "--format=tar", commit, "templates")
    if archive.returncode != 0:
        pytest.skip(f"git archive {commit[:12]} failed: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # The "data" filter where Python has it (3.12+, backported to later 3.10/3.11 patches).
        options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(dest, **options)
    return dest / "templates"


def snapshot(root: Path) -> dict[str, tuple[str, bytes | None, int]]:
    """Every entry under root: ('dir' | 'file', bytes, permission bits), by POSIX path."""
    out: dict[str, tuple[str, bytes | None, int]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_dir():
            out[rel] = ("dir", None, 0)
        else:
            out[rel] = ("file", path.read_bytes(), path.stat().st_mode & 0o777)
    return out
