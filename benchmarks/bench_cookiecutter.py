"""Benchmark `mlt update` against `cruft update` on a real cookiecutter template.

cookiecutter-pypackage from `../shared/fixtures` (a git bundle, cloned into a temp dir):
a child at v0.3.0 with two local edits that do not collide, updated to v0.5.0 (about 35
files change). cruft's child comes from `cruft create`, mlt's from `mlt new` with the same
answers; both run the template's hooks (`--trust` for mlt), as cruft always does. Every timed
run is a CLI subprocess on a fresh copy of the child; the tools alternate in rounds and the
ratio is the median of per-round ratios (a shared machine's slow spells hit both alike).

    uv pip install -e '.[test]'           # cruft
    python benchmarks/bench_cookiecutter.py [--reps 5]

Target (issue 15): faster than cruft, in wall time and in CPU time (mlt and its git and hook
processes against cruft and its own). Both tools run the same two hook scripts; cruft renders
twice (old and new version), mlt once (the old render is already on `mlt/template`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = (
    ROOT.parent
    / "shared/fixtures/cookiecutter-templates/audreyfeldroy+cookiecutter-pypackage.bundle"
)
BIN = Path(sys.executable).parent
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": str(Path.home() / ".cache" / "mlt-bench" / "pycache"),
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}
TARGET = 1.0


def run(*args: str | Path, cwd: Path | None = None) -> None:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=ENV, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} -> {proc.returncode}\n{proc.stderr}")


def timed(args: list[str | Path], cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children, e.g. git and hooks)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run(*args, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def edit_and_commit(child: Path) -> None:
    """Two team edits the template leaves alone between v0.3.0 and v0.5.0."""
    usage = child / "docs" / "usage.md"
    usage.write_text(usage.read_text() + "\nOur usage notes.\n")
    (child / "NOTES.md").write_text("team file\n")
    run("git", "add", "-A", cwd=child)
    run("git", "commit", "-q", "-m", "team edits", cwd=child)


def children(template: Path, work: Path) -> tuple[Path, Path]:
    """(cruft child, mlt child) at v0.3.0 with the same answers and edits."""
    named = json.dumps({"project_name": "python-boilerplate"})
    (work / "cruft").mkdir()
    run(BIN / "cruft", "create", "--no-input", "--checkout", "v0.3.0", "--extra-context", named,
        template, cwd=work / "cruft")  # fmt: skip
    cruft_child = work / "cruft" / "python-boilerplate"
    run("git", "init", "-q", "-b", "main", cwd=cruft_child)
    run("git", "add", "-A", cwd=cruft_child)
    run("git", "commit", "-q", "-m", "cruft create", cwd=cruft_child)
    run(BIN / "mlt", "new", "lib", "python-boilerplate", "-o", work / "mlt", "--template",
        template, "--ref", "v0.3.0", "--trust")  # fmt: skip
    mlt_child = work / "mlt" / "python-boilerplate"
    for child in (cruft_child, mlt_child):
        edit_and_commit(child)
    return cruft_child, mlt_child


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if not BUNDLE.is_file():
        sys.exit(f"bench_cookiecutter: {BUNDLE} is missing (../shared beside the clone)")
    for tool in ("mlt", "cruft"):  # warm the bytecode cache
        subprocess.run([BIN / tool, "--help"], env=ENV, capture_output=True, check=False)
    with tempfile.TemporaryDirectory(prefix="mlt-bench-cc-") as tmp:
        work = Path(tmp)
        template = work / "cookiecutter-pypackage.git"
        run("git", "clone", "-q", "--mirror", BUNDLE, template)
        cruft_child, mlt_child = children(template, work)
        times: dict[str, list[tuple[float, float]]] = {"mlt": [], "cruft": []}
        for rep in range(args.reps):
            for name, child, cmd in (
                ("mlt", mlt_child, [BIN / "mlt", "update", "--ref", "v0.5.0", "--trust"]),
                ("cruft", cruft_child, [BIN / "cruft", "update", "-y", "--checkout", "v0.5.0"]),
            ):
                copy = work / f"{name}-{rep}"
                shutil.copytree(child, copy, symlinks=True)
                times[name].append(timed(cmd, cwd=copy))
                shutil.rmtree(copy)
    print("cookiecutter-pypackage v0.3.0 → v0.5.0, medians (seconds)   wall     cpu")
    for name, label in (("mlt", "mlt update --trust"), ("cruft", "cruft update")):
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        print(f"  {label:48}{wall:7.2f}{cpu:8.2f}")
    for i, kind in enumerate(("wall", "cpu")):
        pairs = zip(times["mlt"], times["cruft"], strict=True)
        ratio = statistics.median(m[i] / c[i] for m, c in pairs)
        verdict = "ok" if ratio <= TARGET else "MISSED"
        print(f"  mlt / cruft, {kind:4}  {ratio:.2f}  (target ≤ {TARGET:g})  {verdict}")


if __name__ == "__main__":
    main()
