"""Time `mlt new` against `copier copy` of the same bundled template with the same answers.

Each command runs as a fresh process (what a user pays, imports included), N times per
variant, into a new directory each time; the table shows medians and the mlt/copier ratio.
mlt also runs `git init` + one commit; `--no-git` shows the render alone.

    python benchmarks/bench_new.py            # all types, 7 reps
    python benchmarks/bench_new.py -n 3 service -d gpu=true
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlt import resources

BIN = Path(sys.executable).parent


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user+sys, child processes included) of one run.

    CPU time is the steadier number on a shared machine: waiting for a core is not in it.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def variants(project_type: str, data: list[str]) -> dict[str, callable]:
    template = str(resources.template_dir(project_type))
    pairs = [arg for kv in data for arg in ("-d", kv)]
    copier_pairs = [arg for kv in data for arg in ("--data", kv)]
    if resources.is_one_template(Path(template)):  # one template for every type: say which
        copier_pairs += ["--data", f"project_type={project_type}"]
    return {
        "copier copy": lambda dest: [
            str(BIN / "copier"), "copy", "--defaults", "--quiet",
            "--data", f"project_name={dest.name}", *copier_pairs, template, str(dest),
        ],
        "mlt new": lambda dest: [
            str(BIN / "mlt"), "new", project_type, dest.name, "--defaults", "-o", str(dest.parent),
            *pairs,
        ],
        "mlt new --no-git": lambda dest: [
            str(BIN / "mlt"), "new", project_type, dest.name, "--defaults", "-o", str(dest.parent),
            "--no-git", *pairs,
        ],
    }  # fmt: skip


def bench(
    project_type: str, reps: int, data: list[str], work: Path, env: dict[str, str]
) -> dict[str, list[tuple[float, float]]]:
    times: dict[str, list[tuple[float, float]]] = {}
    commands = variants(project_type, data)
    for i, make in enumerate(commands.values()):  # warm-up: bytecode and disk caches
        dest = work / f"{project_type}-warm-{i}" / f"w{i}"
        dest.parent.mkdir(parents=True)
        timed(make(dest), work, env)
    for rep in range(reps):
        # Interleave the variants so machine load drifts hit all of them alike.
        for i, (name, make) in enumerate(commands.items()):
            dest = work / f"{project_type}-{rep}-{i}" / f"p{rep}x{i}"
            dest.parent.mkdir(parents=True)
            times.setdefault(name, []).append(timed(make(dest), work, env))
    return times


def bench_env(tmp: Path, no_bytecode: bool) -> dict[str, str]:
    """Environment for the timed processes: a git identity, and bytecode caching as users have.

    Some sandboxes set PYTHONDONTWRITEBYTECODE, which makes each run compile ~600 modules
    (most of the time of both tools); cached bytecode goes to a private prefix instead of
    the venv.
    """
    # MLT_NO_LOCK: compare rendering with copier's, not the package index's answer time.
    env = {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@localhost",
        **os.environ,
        "MLT_NO_LOCK": "1",
    }
    if not no_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("types", nargs="*", default=list(resources.PROJECT_TYPES))
    parser.add_argument("-n", "--reps", type=int, default=7)
    parser.add_argument("-d", "--data", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE as set: every process compiles every module",
    )
    args = parser.parse_args()

    print(f"{args.reps} reps per variant, medians in seconds; {os.cpu_count()} CPUs")
    print(
        f"{'type':<10} {'variant':<18} {'wall':>6} {'(min-max)':>11} {'vs copier':>9}"
        f" {'cpu':>6} {'vs copier':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="mlt-bench-") as tmp:
        env = bench_env(Path(tmp), args.no_bytecode)
        for project_type in args.types:
            times = bench(project_type, args.reps, args.data, Path(tmp), env)
            base_wall = statistics.median(w for w, _ in times["copier copy"])
            base_cpu = statistics.median(c for _, c in times["copier copy"])
            for name, samples in times.items():
                walls = [w for w, _ in samples]
                wall, cpu = statistics.median(walls), statistics.median(c for _, c in samples)
                spread = f"{min(walls):.2f}-{max(walls):.2f}"
                print(
                    f"{project_type:<10} {name:<18} {wall:6.3f} {spread:>11}"
                    f" {wall / base_wall:8.2f}x {cpu:6.3f} {cpu / base_cpu:8.2f}x"
                )


if __name__ == "__main__":
    main()
