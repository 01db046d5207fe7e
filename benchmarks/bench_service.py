"""The generated service's /predict against a bare FastAPI app serving the same model call.

    python benchmarks/bench_service.py                 # 5 rounds of 3 s per app
    python benchmarks/bench_service.py --rounds 9 --batch 8 --concurrency 32

Both servers run the service template's own model and request/response schemas under the same
uvicorn (uvloop + httptools from `uvicorn[standard]`, access log on: each one's default); the
bare app is one `@app.post("/predict")` with no middleware, metrics, NaN or feature checks and
no shutdown handling. They are pinned to one core, the load generator
(benchmarks/service_loadgen.py: closed loop, keep-alive, hand-rolled so it costs far less than
the servers) to the other, and they take turns in rounds, so a shared machine's slow spells
hit both alike. Reported: median of per-round ratios, service / bare, for throughput (target
≥ 0.9), requests per CPU-second of the server process (target ≥ 0.9: the same question, but
waiting for a busy shared core is not in it) and p99 latency (target ≤ 1.1).

The servers' Python environment is `.venvs/bench-service` (made with uv, reused), holding the
rendered service's dependencies; the service's code is used from the render via PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import tomllib

from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venvs" / "bench-service"
LOADGEN = Path(__file__).with_name("service_loadgen.py")
PACKAGE = "bench_svc"
BARE_APP = f"""
from fastapi import FastAPI

from {PACKAGE}.model import load_model
from {PACKAGE}.schemas import Prediction, PredictRequest, PredictResponse

model = load_model()
app = FastAPI()


@app.post("/predict")
def predict(body: PredictRequest) -> PredictResponse:
    probabilities = model.predict_proba(body.instances)
    return PredictResponse(
        model_version=model.version,
        predictions=[Prediction(probability=p, label=model.label(p)) for p in probabilities],
    )
"""
TARGETS = {"rps": 0.9, "p99": 1.1, "cpu": 0.9}


def uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        raise SystemExit("error: uv is needed to make the benchmark's environment (pip install uv)")
    return found


def prepare(work: Path) -> tuple[Path, Path]:
    """Render the service, install its dependencies; return (python, PYTHONPATH folder)."""
    child = work / "bench-svc"
    render_template(TemplateSource.bundled("service"), child, {"project_name": "bench-svc"})
    (work / "bare_app.py").write_text(BARE_APP)
    deps = tomllib.loads((child / "pyproject.toml").read_text())["project"]["dependencies"]
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(VENV)], check=True)
    subprocess.run([uv(), "pip", "install", "-q", "--python", str(python), *deps], check=True)
    return python, child / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(core: int | None, argv: list[str]) -> list[str]:
    return argv if core is None else ["taskset", "-c", str(core), *argv]


def start(name: str, python: Path, src: Path, work: Path, core: int | None) -> tuple:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{work}", "HOST": "127.0.0.1"}
    env["PORT"] = str(port)
    if name == "service":
        argv = [str(python), "-m", PACKAGE]
    else:
        argv = [str(python), "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--log-level", "info"]
    log = (work / f"{name}.log").open("w")
    proc = subprocess.Popen(pinned(core, argv), cwd=work, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    body = b'{"instances": [[1.0, 2.0, 3.0, 4.0]]}'
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"error: {name} exited early; see {log.name}")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/predict",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"error: {name} did not answer /predict within 60 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far; 0.0 where /proc is absent."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(
    python: Path, server: subprocess.Popen, port: int, args: argparse.Namespace, core: int | None
) -> dict:
    """One measured load window; adds the server's CPU microseconds per request."""
    body = json.dumps({"instances": [[12.0, 70.5, 1.0, 0.1]] * args.batch})
    argv = [str(python), str(LOADGEN), "--port", str(port), "--body", body]
    argv += ["--seconds", str(args.seconds), "--warmup", str(args.warmup)]
    argv += ["--concurrency", str(args.concurrency)]
    before = cpu_seconds(server.pid)
    out = subprocess.run(pinned(core, argv), capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    spent = cpu_seconds(server.pid) - before
    result["cpu_us"] = round(spent / max(result["total"], 1) * 1e6, 1)
    return result


def cores() -> tuple[int | None, int | None]:
    """(server core, load generator core): two distinct CPUs this process may use, if any."""
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(allowed) < 2 or not shutil.which("taskset"):
        print("warning: fewer than 2 usable CPUs or no taskset: running unpinned")
        return None, None
    return allowed[-1], allowed[0]


def bench(args: argparse.Namespace, work: Path) -> dict[str, list[dict]]:
    python, src = prepare(work)
    server_core, client_core = cores()
    servers = {name: start(name, python, src, work, server_core) for name in ("bare", "service")}
    results: dict[str, list[dict]] = {name: [] for name in servers}
    try:
        print(
            f"{'round':<6}{'app':<9}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}"
            f"{'cpu µs/req':>12}{'client µs':>11}{'errors':>8}"
        )
        for round_no in range(args.rounds):
            # Alternate who goes first: a drift in machine load then favours neither.
            order = list(servers) if round_no % 2 == 0 else list(reversed(servers))
            for name in order:
                r = load(python, *servers[name], args, client_core)
                results[name].append(r)
                print(
                    f"{round_no + 1:<6}{name:<9}{r['rps']:>9.0f}{r['p50_ms']:>9.2f}"
                    f"{r['p99_ms']:>9.2f}{r['cpu_us']:>12.0f}{r['client_cpu_us']:>11.0f}"
                    f"{r['errors']:>8}"
                )
        for name, (proc, _) in servers.items():
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
            if name == "service" and code != 0:
                raise SystemExit(f"error: the service exited {code} on SIGTERM, not 0")
    finally:
        for proc, _ in servers.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def ratios(results: dict[str, list[dict]]) -> dict[str, float]:
    """Medians of per-round ratios, service / bare."""
    pairs = list(zip(results["service"], results["bare"], strict=True))
    return {
        "rps": statistics.median(s["rps"] / b["rps"] for s, b in pairs),
        "p99": statistics.median(s["p99_ms"] / b["p99_ms"] for s, b in pairs),
        # Requests per CPU-second: what the throughput ratio would be on an otherwise idle core.
        "cpu": statistics.median(b["cpu_us"] / s["cpu_us"] for s, b in pairs if s["cpu_us"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured per app and round")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured, before each")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--batch", type=int, default=1, help="instances per request")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlt-bench-service-") as tmp:
        results = bench(args, Path(tmp))
    got = ratios(results)
    errors = sum(r["errors"] for runs in results.values() for r in runs)
    if args.json:
        print(json.dumps({"ratios": got, "errors": errors, "rounds": results}))
        return
    print("\ntargets (service / bare FastAPI: median of per-round ratios)")
    for key, label in (
        ("rps", "throughput"),
        ("cpu", "requests/CPU-s"),
        ("p99", "p99 latency"),
    ):
        bound = "≤" if key == "p99" else "≥"
        ok = got[key] <= TARGETS[key] if key == "p99" else got[key] >= TARGETS[key]
        verdict = "ok" if ok else "MISSED"
        print(f"  {label:15} {got[key]:6.2f}  (target {bound} {TARGETS[key]:g})  {verdict}")
    if errors:
        print(f"  {errors} request(s) failed")


if __name__ == "__main__":
    main()
