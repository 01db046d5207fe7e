"""Time `mlt doctor --gpu`: alone (target <= 0.5 s) and with a torch probe + trace against
`python -c "import torch; torch.cuda.is_available()"` (target <= 1.0x: the probe starts
before the CLI loads and the compatibility data loads while it runs, so the doctor costs no
more than the framework import it has to make).

    python benchmarks/bench_doctor.py [--repeat 5] [--torch-python PATH] [--check]

Without --torch-python (or $MLT_BENCH_TORCH_PYTHON) a temporary venv is made with uv from a
torch wheel in $MLT_BENCH_TORCH_WHEELS (a folder, e.g. holding the CPU wheel from the pytorch
index: PyPI's default torch is the CUDA build with ~3 GB of nvidia wheels); without one the
torch part is skipped with the reason.
Runs are interleaved (baseline, doctor, baseline, ...) so machine noise hits both alike;
medians are reported. --check exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MLT = [sys.executable, "-m", "mlt"]
TORCH_BASELINE = "import torch; torch.cuda.is_available()"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def median_of(cmds: dict[str, list[str]], repeat: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for cmd in cmds.values():  # warm-up: page cache, .pyc files
        timed(cmd)
    for _ in range(repeat):
        for name, cmd in cmds.items():
            samples[name].append(timed(cmd))
    return {name: statistics.median(values) for name, values in samples.items()}


def torch_python(explicit: str | None, workdir: Path) -> tuple[str | None, str]:
    if explicit:
        return explicit, "given"
    folder = os.environ.get("MLT_BENCH_TORCH_WHEELS")
    wheels = sorted(str(p) for p in Path(folder).glob("torch-*.whl")) if folder else []
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if not wheels or not uv:
        return None, "no torch wheel in $MLT_BENCH_TORCH_WHEELS, or no uv"
    venv = workdir / "torch-venv"
    try:
        subprocess.run(
            [uv, "venv", "-q", str(venv), "--python", sys.executable],
            check=True,
            capture_output=True,
            timeout=120,
        )
        python = str(venv / "bin" / "python")
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", python, wheels[-1]],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"could not install {Path(wheels[-1]).name}: {exc}"
    return python, f"temporary venv with {Path(wheels[-1]).name}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--torch-python", default=os.environ.get("MLT_BENCH_TORCH_PYTHON"))
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    missed = []

    plain = median_of(
        {"doctor": [*MLT, "doctor", "--gpu", "--json", "--python", sys.executable]}, args.repeat
    )
    print(f"mlt doctor --gpu (no framework)       {plain['doctor']:6.2f} s   target <= 0.50 s")
    if plain["doctor"] > 0.5:
        missed.append("no-framework run over 0.5 s")

    with tempfile.TemporaryDirectory(prefix="mlt-bench-") as tmp:
        python, how = torch_python(args.torch_python, Path(tmp))
        if not python:
            print(f"torch part skipped: {how}")
        else:
            times = median_of(
                {
                    "baseline": [python, "-c", TORCH_BASELINE],
                    "traced": [*MLT, "doctor", "--gpu", "--json", "--python", python],
                    "untraced": [
                        *MLT,
                        "doctor",
                        "--gpu",
                        "--json",
                        "--no-trace",
                        "--python",
                        python,
                    ],
                },
                args.repeat,
            )
            ratio = times["traced"] / times["baseline"]
            print(f"torch from: {how}")
            print(f"python -c 'import torch; ...'          {times['baseline']:6.2f} s")
            print(
                f"mlt doctor --gpu --python (trace)     {times['traced']:6.2f} s   "
                f"ratio {ratio:4.2f}x  target <= 1.00x"
            )
            print(
                f"mlt doctor --gpu --python --no-trace  {times['untraced']:6.2f} s   "
                f"ratio {times['untraced'] / times['baseline']:4.2f}x"
            )
            if ratio > 1.0:
                missed.append(f"torch ratio {ratio:.2f}x over 1.0x")
    if missed:
        print("missed: " + "; ".join(missed))
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
