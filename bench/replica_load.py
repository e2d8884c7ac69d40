"""How fast the replica serves a big column: requests per second and latency.

Starts ``replica.serve`` in a subprocess on a free loopback port, then
``--threads`` keep-alive clients send ``--requests`` GETs in all (a fifth to
random list pages, the rest to random articles), within ``--seconds`` at most.

    .venv/bin/python bench/replica_load.py --notices 20000 --requests 5000 --threads 8
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_replica(notices: int, seed: int) -> tuple[subprocess.Popen, str, int]:
    """The replica process and the host and port it serves on."""
    command = f"import replica; replica.serve(port=0, notices={notices}, seed={seed})"
    process = subprocess.Popen(
        [sys.executable, "-c", command], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    line = process.stdout.readline()
    match = re.search(r"http://(127\.0\.0\.1):(\d+)/", line)
    if not match:
        process.kill()
        raise SystemExit(f"replica did not start: {line!r}")
    return process, match.group(1), int(match.group(2))


def plan(host: str, port: int, requests: int, seed: int) -> list[str]:
    """The paths to request: list pages and articles, drawn at random from the column."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("GET", "/_replica/state")
    state = json.load(connection.getresponse())
    connection.close()
    rng = random.Random(seed)
    ids, pages = state["notice_ids"], state["pages"]
    paths = []
    for _ in range(requests):
        if rng.random() < 0.2:
            page = rng.randrange(1, pages + 1)
            paths.append(
                "/xunshizgls/index.html" if page == 1 else f"/xunshizgls/index_{page}.html"
            )
        else:
            paths.append(f"/xunshizgls/content/post_{rng.choice(ids)}.html")
    return paths


def load(host: str, port: int, paths: list[str], threads: int, seconds: float) -> dict:
    """Send ``paths`` from ``threads`` keep-alive connections; latencies in ms, errors, time."""
    queue = iter(paths)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                path = next(queue, None)
            if path is None:
                break
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status: int | str = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                connection = http.client.HTTPConnection(host, port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{path}: {status}")
        connection.close()

    began = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {"latencies": latencies, "errors": errors, "seconds": time.perf_counter() - began}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120.0, help="stop sending after this")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    process, host, port = start_replica(args.notices, args.seed)
    try:
        print(f"replica up with {args.notices} notices in {time.perf_counter() - started:.2f} s")
        paths = plan(host, port, args.requests, args.seed)
        for label, batch in (("cold", paths), ("warm", paths)):  # warm: the same pages again
            result = load(host, port, batch, args.threads, args.seconds)
            done, lat = len(result["latencies"]), sorted(result["latencies"])
            p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
            print(
                f"{label}: {done} requests ok, {len(result['errors'])} failed, "
                f"{done / result['seconds']:.0f} requests/s, "
                f"median {statistics.median(lat) if lat else float('nan'):.2f} ms, "
                f"p95 {p95:.2f} ms "
                f"({args.threads} threads, keep-alive)"
            )
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
