"""Peak memory of the batch-job child on a large input, as a ratio to the input's size.

Renders the batch-job template, writes a CSV of N MB (customer_id,amount; 20,000 customers),
and runs `python -m <package> run` on it as a fresh process. Peers in the same run: the bare
interpreter with the job's modules imported (the floor), and reading the same file whole
with the csv module (what the job did before it streamed). The job's own cost is its peak
RSS minus the floor; streaming keeps it bounded by a chunk, not by the file.

    python benchmarks/bench_batch_memory.py            # 50 MB input
    python benchmarks/bench_batch_memory.py --mb 200 --max-ratio 0.25
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource

# Runs `code` (or a module) and prints the process's peak RSS in KiB (Linux ru_maxrss).
PEAK = (
    "import resource, runpy, sys\n"
    "mode, target, *rest = sys.argv[1:]\n"
    "sys.argv = [target, *rest]\n"
    "try:\n"
    "    runpy.run_module(target, run_name='__main__') if mode == 'module' else exec(target)\n"
    "except SystemExit as stop:\n"
    "    assert not stop.code, stop.code\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def peak_kib(args: list[str], cwd: Path, env: dict[str, str]) -> int:
    result = subprocess.run(
        [sys.executable, "-c", PEAK, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"{args} failed:\n{result.stderr[-2000:]}")
    return int(result.stderr.strip().splitlines()[-1])


def write_input(path: Path, megabytes: int) -> int:
    rng = random.Random(7)
    target = megabytes * 1_000_000
    with path.open("w", encoding="utf-8") as out:
        out.write("customer_id,amount\n")
        written = 0
        while written < target:
            lines = "".join(
                f"c{rng.randrange(20_000):05d},{rng.uniform(1, 500):.2f}\n" for _ in range(10_000)
            )
            out.write(lines)
            written += len(lines)
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="input size in MB (default 50)")
    parser.add_argument(
        "--max-ratio",
        type=float,
        default=1.0,
        help="fail when (job peak - floor) / input size exceeds this (default 0.5)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        child = root / "bench-batch"
        render_template(TemplateSource.bundled("batch-job"), child, {"project_name": child.name})
        package = child.name.replace("-", "_")
        size = write_input(root / "input.csv", args.mb)
        config = yaml.safe_load((child / "config.yaml").read_text())
        config["input"].update(uri=str(root / "input.csv"))
        config["output"].update(uri=str(root / "out"))
        (root / "config.yaml").write_text(yaml.safe_dump(config))
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(child / "src")}
        floor = peak_kib(["code", f"import {package}.job, {package}.cli"], root, env)
        whole = peak_kib(
            [
                "code",
                "import csv, io; data = open('input.csv', 'rb').read(); "
                "rows = list(csv.DictReader(io.StringIO(data.decode())))",
            ],
            root,
            env,
        )
        job = peak_kib(["module", package, "run", "--config", "config.yaml"], root, env)
    mib = 1024 * 1024
    ratio = (job - floor) * 1024 / size
    print(f"input {size / mib:.1f} MiB; peak RSS (MiB), and (peak - floor) / input size:")
    print(f"  {'interpreter + job modules (floor)':<36} {floor / 1024:8.1f}")
    peer = (whole - floor) * 1024 / size
    print(f"  {'read whole + csv (peer)':<36} {whole / 1024:8.1f}  {peer:6.2f}")
    print(f"  {'job run (streaming)':<36} {job / 1024:8.1f}  {ratio:6.2f}")
    print(f"job / whole-file peer: {(job - floor) / max(whole - floor, 1):.3f}")
    if ratio > args.max_ratio:
        print(f"FAIL: ratio {ratio:.2f} > {args.max_ratio}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
