"""Pin a new project's dependencies in `uv.lock`, so its CI (`uv sync --locked`) runs on day one.

The lock is the child's own file, not the template's: it goes into a second commit on the
project's branch, after the pristine render that `main` and `mlt/template` share, so template
updates never touch it. uv is one of mlt's own dependencies, so it is found next to the running
interpreter even when mlt's environment is not on PATH. Locking needs the package index; where
the index cannot be reached (or uv is missing after all) the project is still made, and a
warning says how to lock it later.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mlt import gitops

# Set (to anything but "" or "0") to skip locking: offline work, tests, benchmarks.
SKIP_ENV = "MLT_NO_LOCK"
TIMEOUT_S = 180
LATER = "run `make lock` and commit uv.lock before the first CI run"


def lock_wanted(no_lock: bool) -> bool:
    """False with --no-lock or MLT_NO_LOCK set."""
    return not no_lock and os.environ.get(SKIP_ENV, "") in ("", "0")


def find_uv() -> str | None:
    """The uv that came with mlt (its `uv` package, or the binary next to this interpreter),
    else one on PATH. `pipx install mlt` leaves mlt's bin folder off PATH, hence the order."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        pass
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.is_file() else shutil.which("uv")


def lock_and_commit(project: Path, git: bool) -> str | None:
    """Write uv.lock (and commit it with git); a warning line when that was not possible."""
    if not (project / "pyproject.toml").is_file():
        return None
    uv = find_uv()
    if uv is None:
        return f"uv is not installed, so no uv.lock was made: {LATER}"
    try:
        run = subprocess.run(
            [uv, "lock", "--quiet"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"`uv lock` took over {TIMEOUT_S} s and was stopped: {LATER}"
    if run.returncode != 0 or not (project / "uv.lock").is_file():
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        why = lines[-1].strip() if lines else f"exit code {run.returncode}"
        (project / "uv.lock").unlink(missing_ok=True)
        return f"`uv lock` failed ({why}): {LATER}"
    if git:
        env = gitops.identity(project).env
        gitops.git("add", "uv.lock", cwd=project)
        gitops.git(
            "commit", "-q", "--no-verify", "-m", "Pin dependencies in uv.lock", cwd=project, env=env
        )
    return None
