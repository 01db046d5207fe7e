"""Rows per second of the service child's dynamic batching against one pass per request.

Renders the service template (framework=pytorch), loads its model on DEVICE (default cpu) and
drives the child's own Batcher from C closed-loop clients, each sending one-row requests, for
S seconds per mode; modes take turns in rounds so a shared machine's slow spells hit both:
  - batched:   MAX_BATCH_ROWS=B, MAX_WAIT_MS=W (the service's settings);
  - per-request: the same Batcher with MAX_BATCH_ROWS=1, MAX_WAIT_MS=0, i.e. one forward pass
    per request by the one thread that owns the model (what the service did before).
Reported: rows/s of each, the median of per-round ratios batched / per-request, and the mean
rows per pass. The model is the template's (a 4-feature logistic regression): per-pass
overhead dominates it, as it does small models on a GPU.

The interpreter must have torch: `.venvs/bench-batching` (made with uv, reused; torch from
MLT_TEST_WHEELS / PIP_FIND_LINKS when set) unless --python names one.

    python benchmarks/bench_batching.py                       # 5 rounds of 2 s, 64 clients
    python benchmarks/bench_batching.py --device cuda --clients 256 --min-ratio 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from mlt.scaffold.render import TemplateSource, render_template

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venvs" / "bench-batching"
PACKAGE = "bench_batching_svc"
# Runs inside the child's interpreter: one mode for `seconds`, prints its counts as JSON.
DRIVER = """
import json, sys, threading, time
from {pkg}.batching import Batcher
from {pkg}.model import load_model

device, clients, seconds, max_batch, max_wait = sys.argv[1], *map(float, sys.argv[2:6])
model = load_model(device=device)
model.warm_up(int(max_batch))
passes = []
batcher = Batcher(
    model.predict_proba,
    max_batch_rows=int(max_batch),
    max_wait_ms=max_wait,
    max_queue_rows=max(int(max_batch), int(clients)) * 4,
    observe=lambda rows, queued, s: passes.append(rows),
)
batcher.start()
stop = time.monotonic() + seconds
done = [0] * int(clients)

def client(i):
    row = [[float(i), 70.5, 1.0, 0.1]]
    while time.monotonic() < stop:
        batcher.submit_nowait(row).result(30)
        done[i] += 1

threads = [threading.Thread(target=client, args=(i,)) for i in range(int(clients))]
start = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
batcher.stop()
print(json.dumps({{"rows": sum(done), "seconds": elapsed, "passes": len(passes)}}))
"""


def uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        raise SystemExit("uv is needed to make the benchmark's environment")
    return found


def interpreter(given: str | None) -> str:
    if given:
        return given
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(VENV)], check=True)
        links = os.environ.get("MLT_TEST_WHEELS", "").split(os.pathsep)
        links += os.environ.get("PIP_FIND_LINKS", "").split()
        extra = [a for d in links if d for a in ("--find-links", d)]
        deps = ["torch", "pydantic>=2.6", "fastapi", "prometheus-client"]
        subprocess.run(
            [uv(), "pip", "install", "-q", "--python", str(python), *extra, *deps], check=True
        )
    return str(python)


def run_mode(python: str, src: Path, args: argparse.Namespace, batch: int, wait: float) -> dict:
    argv = [python, "-c", DRIVER.format(pkg=PACKAGE), args.device, str(args.clients)]
    argv += [str(args.seconds), str(batch), str(wait)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"driver failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--max-batch", type=int, default=64)
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--python", help="an interpreter with torch (default: .venvs/...)")
    parser.add_argument("--min-ratio", type=float, help="exit 1 when the gain is below this")
    parser.add_argument("--json", action="store_true", help="one JSON line at the end")
    args = parser.parse_args(argv)
    python = interpreter(args.python)
    with tempfile.TemporaryDirectory(prefix="bench-batching-") as tmp:
        child = Path(tmp) / PACKAGE.replace("_", "-")
        answers = {"project_name": child.name, "framework": "pytorch", "ci": "none"}
        render_template(TemplateSource.bundled("service"), child, answers)
        rounds: dict[str, list[dict]] = {"batched": [], "per-request": []}
        print(f"{'round':<6}{'mode':<13}{'rows/s':>10}{'rows/pass':>11}")
        for i in range(1, args.rounds + 1):
            for mode, batch, wait in (
                ("per-request", 1, 0.0),
                ("batched", args.max_batch, args.max_wait_ms),
            ):
                r = run_mode(python, child / "src", args, batch, wait)
                r["rows_per_s"] = r["rows"] / r["seconds"]
                r["rows_per_pass"] = r["rows"] / max(r["passes"], 1)
                rounds[mode].append(r)
                print(f"{i:<6}{mode:<13}{r['rows_per_s']:>10.0f}{r['rows_per_pass']:>11.1f}")
    ratios = [
        b["rows_per_s"] / p["rows_per_s"]
        for b, p in zip(rounds["batched"], rounds["per-request"], strict=True)
    ]
    ratio = statistics.median(ratios)
    print(
        f"batching gain ({args.device}, {args.clients} clients, max_batch {args.max_batch}, "
        f"max_wait {args.max_wait_ms} ms): {ratio:.2f}x rows/s"
    )
    if args.json:
        print(json.dumps({"ratio": ratio, "device": args.device, "rounds": rounds}))
    if args.min_ratio is not None and ratio < args.min_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
