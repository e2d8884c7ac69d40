"""Benchmark full-text search in the analyst copy: build time, size, query latency.

    .venv/bin/python bench/search.py                       # 20,000 replica notices
    .venv/bin/python bench/search.py --notices 2000 --reps 3

Builds a warehouse of N replica notices (their text as ``Replica.notice``
writes it, loaded from one synthetic crawl batch and diffed), then publishes
the analyst copy in a child process: the copy, the index build
(``warehouse/search.py``) and the rename, with the child's peak RSS. Then, on
the copy, every query of ``bench/search_queries.txt`` runs ``--reps`` times
after one warm-up, through ``search_notices`` as an analyst would (the best 20
rows, and all rows), in a fresh read-only connection with DuckDB's default
threads. Prints the median and p95 over all runs (wall and CPU: the machine
is shared, and CPU time moves less with its load), and the sizes of the copy
without the index (the warehouse file) and with it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from bench.search_eval import build_warehouse, read_queries  # noqa: E402

# The child reports its own peak RSS (VmHWM): wait4's ru_maxrss of a forked child
# can include the pages it shared with this (large) process before exec.
CHILD = """
import json, sys, time
from pathlib import Path
from warehouse.publish import publish_analyst_copy
t0 = time.perf_counter()
copy = publish_analyst_copy(Path(sys.argv[1]))
seconds = time.perf_counter() - t0
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
peak = int(status["VmHWM"].split()[0]) / 1024
print(json.dumps({"publish": seconds, "copy": str(copy), "peak_mb": peak}))
"""


def publish(db: Path) -> tuple[dict, float, float]:
    """Publish in a child process; its output, peak RSS (MB, its own VmHWM) and CPU seconds."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db)], cwd=REPO, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit("publish failed")
    result = json.loads(out)
    return result, result["peak_mb"], usage.ru_utime + usage.ru_stime


def latencies(
    copy: Path, reps: int, limit: int | None
) -> tuple[list[float], list[float], dict[str, int]]:
    """Wall and CPU seconds of every run of every query, and each query's number of hits."""
    con = duckdb.connect(str(copy), read_only=True)
    con.execute("SET enable_progress_bar = false")
    tail = f" LIMIT {limit}" if limit else ""
    walls, cpus, hits = [], [], {}
    for _, query in read_queries():
        sql = f"SELECT * FROM search_notices(?){tail}"
        con.execute(sql, [query]).fetchall()  # warm-up
        for _ in range(reps):
            t0, c0 = time.perf_counter(), time.process_time()
            rows = con.execute(sql, [query]).fetchall()
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        hits[query] = len(rows)
    con.close()
    return walls, cpus, hits


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zgwatch-bench-search-") as tmp:
        t0 = time.perf_counter()
        db = build_warehouse(Path(tmp), args.notices, args.seed)
        print(f"{args.notices} notices: warehouse built in {time.perf_counter() - t0:.1f} s")
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        out, rss, cpu = publish(db)
        copy = Path(out["copy"])
        con = duckdb.connect(str(copy), read_only=True)
        notices, terms, tokens, build = con.execute(
            "SELECT notices, terms, tokens, build_seconds FROM search_index").fetchone()
        con.close()
        print(f"publish (copy + index + rename) {out['publish']:.1f} s ({cpu:.1f} CPU-s), of "
              f"which the index {build:.1f} s; peak RSS {rss:.0f} MB")
        print(f"index: {notices} notices, {terms} distinct terms, {tokens} tokens")
        without, with_index = db.stat().st_size / 2**20, copy.stat().st_size / 2**20
        print(f"analyst copy: {without:.0f} MB without the index, {with_index:.0f} MB with it")
        for limit in (20, None):
            walls, cpus, hits = latencies(copy, args.reps, limit)
            label = f"best {limit} rows" if limit else "all rows"
            print(f"search_notices, {label} ({len(walls)} runs of {len(hits)} queries): "
                  f"wall median {statistics.median(walls) * 1000:.0f} ms, "
                  f"p95 {p95(walls) * 1000:.0f} ms, max {max(walls) * 1000:.0f} ms; "
                  f"CPU median {statistics.median(cpus) * 1000:.0f} ms, "
                  f"p95 {p95(cpus) * 1000:.0f} ms")
        out, rss, cpu = publish(db)  # nothing changed: the index is copied, not built
        with duckdb.connect(out["copy"], read_only=True) as con:
            reused, build = con.execute("SELECT reused, build_seconds FROM search_index").fetchone()
        print(f"publish again, no notice changed: {out['publish']:.1f} s ({cpu:.1f} CPU-s), "
              f"the index {'copied' if reused else 'BUILT'} in {build:.1f} s; "
              f"peak RSS {rss:.0f} MB")
        slow = sorted(hits, key=lambda q: -hits[q])[:3]
        print("most hits: " + ", ".join(f"{q} {hits[q]}" for q in slow))
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
