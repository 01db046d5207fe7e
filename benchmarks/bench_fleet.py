"""Benchmark a fleet rollout: N children, each cloned from its remote, updated, pushed.

Every child is a bare repository reached over file:// (a real clone and a real push per
child, as against a forge, minus the network). The template is small (20 files, v1 → v2
changes 4), so the numbers are mlt's own per-child overhead: clone, render, merge, push.

    python benchmarks/bench_fleet.py [--sizes 25,50,100] [--jobs 8]

Targets (issue #16): 100 children ≤ 30 s on the 2-core CI machine, and linear: the time per
child at the largest size within 1.5× of the smallest size's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["git", *map(str, args)], cwd=cwd, env=ENV, check=True, capture_output=True)


def make_template(root: Path) -> Path:
    tpl = root / "template"
    (tpl / "project").mkdir(parents=True)
    (tpl / "copier.yml").write_text("_subdirectory: project\nproject_name:\n  type: str\n")
    for i in range(20):
        (tpl / f"project/file_{i:02d}.txt").write_text(f"file {i}\n" * 10)
    (tpl / "project/README.md.jinja").write_text("# {{ project_name }}\n")
    git("init", "-q", "-b", "main", cwd=tpl)
    git("add", "-A", cwd=tpl)
    git("commit", "-q", "-m", "v1", cwd=tpl)
    git("tag", "v1", cwd=tpl)
    return tpl


def release_v2(tpl: Path) -> None:
    for i in range(3):
        (tpl / f"project/file_{i:02d}.txt").write_text(f"file {i} (v2)\n" * 10)
    (tpl / "project/NEWS.md").write_text("v2\n")
    git("add", "-A", cwd=tpl)
    git("commit", "-q", "-m", "v2", cwd=tpl)
    git("tag", "v2", cwd=tpl)


def make_remotes(root: Path, seed: Path, count: int) -> Path:
    """`count` bare remotes cloned from one seed child; returns the fleet file."""
    root.mkdir(parents=True)
    lines = []
    for i in range(count):
        bare = root / f"child{i:03d}.git"
        git("clone", "-q", "--bare", seed, bare, cwd=root)
        lines.append(f"file://{bare}")
    fleet = root / "fleet.txt"
    fleet.write_text("\n".join(lines) + "\n")
    return fleet


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="25,50,100")
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="mlt-bench-fleet-"))
    env = {**ENV, "MLT_CACHE_DIR": str(work / "cache"), "HOME": str(work)}
    try:
        tpl = make_template(work)
        subprocess.run(
            [
                BIN / "mlt",
                "new",
                "library",
                "seed",
                "-o",
                work,
                "--template",
                tpl,
                "--ref",
                "v1",
                "--defaults",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        release_v2(tpl)
        rows = []
        for size in sizes:
            fleet = make_remotes(work / f"n{size}", work / "seed", size)
            start = time.perf_counter()
            proc = subprocess.run(
                [
                    BIN / "mlt",
                    "fleet",
                    "update",
                    fleet,
                    "--push",
                    "--json",
                    "--jobs",
                    str(args.jobs),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - start
            report = json.loads(proc.stdout)
            pushed = sum(r["pushed"] for r in report["repos"])
            if proc.returncode != 0 or pushed != size:
                print(proc.stderr[-2000:], file=sys.stderr)
                raise SystemExit(f"fleet of {size}: exit {proc.returncode}, {pushed} pushed")
            rows.append((size, elapsed))
            print(f"{size:4d} children: {elapsed:6.1f} s  ({elapsed / size * 1000:5.0f} ms/child)")
        (small, t_small), (big, t_big) = rows[0], rows[-1]
        linear = (t_big / big) / (t_small / small)
        ok_time = big < 100 or t_big <= 30.0
        print(f"per-child time at {big} vs {small}: {linear:.2f}× (target ≤ 1.5, linear)")
        if big >= 100:
            print(f"{big} children: {t_big:.1f} s (target ≤ 30 s) {'ok' if ok_time else 'MISSED'}")
        return 0 if ok_time and linear <= 1.5 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
