"""Closed-loop HTTP/1.1 load generator for bench_service.py (stdlib asyncio, uvloop if present).

    python benchmarks/service_loadgen.py --port 8000 --seconds 3 --concurrency 16

Each of `--concurrency` keep-alive connections sends the same pre-encoded POST, reads the
response (status line, Content-Length, body) and sends the next; latency is measured per
request on the client. Requests finishing during `--warmup` are not counted. It prints one JSON
line: requests, total (warm-up included), errors (non-200 or broken connections), rps, p50_ms,
p99_ms and client_cpu_us (its own CPU time per request).

Hand-rolled on purpose: locust, or any client that parses HTTP fully, costs about as much CPU
per request as the server under test and would partly measure itself; client_cpu_us shows
this one stays a small fraction of the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time


def request_bytes(path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def connection(
    port: int,
    payload: bytes,
    start: float,
    stop: float,
    latencies: list[float],
    errors: list[int],
    total: list[int],
) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        errors.append(1)
        return
    try:
        while True:
            sent = time.perf_counter()
            if sent >= stop:
                return
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            done = time.perf_counter()
            total[0] += 1
            if sent >= start:
                latencies.append(done - sent)
                if head[9:12] != b"200":
                    errors.append(1)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        errors.append(1)
    finally:
        writer.close()


async def run(args: argparse.Namespace) -> dict[str, float]:
    payload = request_bytes(args.path, args.body.encode())
    latencies: list[float] = []
    errors: list[int] = []
    total = [0]  # warm-up included: what the server did while its CPU time was measured
    cpu = time.process_time()
    start = time.perf_counter() + args.warmup
    stop = start + args.seconds
    await asyncio.gather(
        *(
            connection(args.port, payload, start, stop, latencies, errors, total)
            for _ in range(args.concurrency)
        )
    )
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99 or [0.0] * 99
    return {
        "requests": len(ms),
        "total": total[0],
        "errors": len(errors),
        "rps": round(len(ms) / args.seconds, 1),
        "p50_ms": round(q[49], 3),
        "p99_ms": round(q[98], 3),
        "client_cpu_us": round((time.process_time() - cpu) / max(total[0], 1) * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/predict")
    parser.add_argument("--body", default='{"instances": [[12.0, 70.5, 1.0, 0.1]]}')
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
