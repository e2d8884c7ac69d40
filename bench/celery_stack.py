"""Measure ``zgwatch airflow --executor celery``: start-up, memory, pick-up, a cycle's cost.

    .venv/bin/python bench/celery_stack.py                 # 2 workers, 60 notices, --delay 1
    .venv/bin/python bench/celery_stack.py --notices 300 --workers 3

1. The stack (Valkey, PostgreSQL, scheduler, API server, DAG processor, triggerer,
   N workers) under a temporary data directory: seconds until ready, PSS of the
   whole tree idle (``bench/airflow_start.py: pss_kib``, shared pages counted
   once), and the PSS of each worker's process tree.
2. ``zgwatch_monitor`` on the replica at the default politeness (``--delay 1``):
   a first cycle (the harvest), then a second (an ordinary hourly cycle). For
   each: trigger to success, the sum of its tasks' durations (the worker-seconds
   it occupies: each worker runs one task at a time), and the pick-up time of
   each task (queued → started on a worker), median and max. Also the requests
   of the crawl (from the run's note).

Everything listens on 127.0.0.1; every process started here is stopped.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.airflow_start import (  # noqa: E402
    PASSWORD,
    pss_kib,
    start_launcher,
    stop_launcher,
    tree_pss_mib,
    wait,
)
from replica import running  # noqa: E402
from testkit import airflow_api  # noqa: E402
from zgwatch.airflow import launcher as airflow_local  # noqa: E402
from zgwatch.sinks import free_port  # noqa: E402

ZGWATCH = str(Path(sys.executable).parent / "zgwatch")
DAG = "zgwatch_monitor"


def worker_pss_mib(root: int) -> list[float]:
    """PSS (MiB) of each Celery worker's tree below the launcher ``root``."""
    out = []
    for pid in airflow_local.descendants(root):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if "celeryd:" in cmd and "MainProcess" in cmd:
            out.append(pss_kib([pid, *airflow_local.descendants(pid)]) / 1024)
    return out


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def cycle(url: str, token: str) -> dict:
    """Trigger one run and measure it."""
    triggered = time.monotonic()
    run = airflow_api.api(url, token, f"/dags/{DAG}/dagRuns", {"logical_date": None})
    path = f"/dags/{DAG}/dagRuns/{urllib.parse.quote(run['dag_run_id'], safe='')}"
    result = wait(lambda: (r := airflow_api.api(url, token, path))["state"]
                  in ("success", "failed") and r, 3600, "the DAG run")
    if result["state"] != "success":
        raise SystemExit(f"the run {run['dag_run_id']} failed: nothing to measure")
    wall = time.monotonic() - triggered
    tis = airflow_api.api(url, token, f"{path}/taskInstances")["task_instances"]
    pickup = [(_instant(t["start_date"]) - _instant(t["queued_when"])).total_seconds()
              for t in tis if t["queued_when"] and t["start_date"]]
    crawl = next(t for t in tis if t["task_id"] == "crawl")
    return {"state": result["state"], "requests": requests_of(result),
            "trigger to success (s)": wall,
            "worker-seconds (sum of task durations)": sum(t["duration"] or 0 for t in tis),
            "crawl (s)": crawl["duration"],
            "pick-up median (s)": statistics.median(pickup), "pick-up max (s)": max(pickup)}


def requests_of(run: dict) -> int:
    """The requests of the run's crawl, from the note its ``alert`` task wrote
    (``zgwatch.airflow.notes``: "… N requests …")."""
    return int(re.search(r"(\d+) requests", run["note"] or "").group(1))


def bench(notices: int, workers: int, delay: float) -> dict:
    out: dict = {}
    with running(notices, 1) as replica, tempfile.TemporaryDirectory(prefix="zgw-celery-") as tmp:
        data = Path(tmp) / "data"
        port = free_port()
        proc, out["stack ready (s)"] = start_launcher(
            ["--executor", "celery", "--workers", str(workers), "--port", str(port),
             "--data-dir", str(data), "--db", str(data / "zgwatch.duckdb"), "--source",
             replica.url, "--delay", str(delay)],
            timeout=600)
        try:
            url = f"http://127.0.0.1:{port}"
            token = airflow_api.api_token(url, PASSWORD)
            wait(lambda: airflow_api.api(url, token, f"/dags/{DAG}"), 180, "the DAG parsed")
            time.sleep(5)  # let the components settle after start-up before measuring
            out["PSS idle, whole stack (MiB)"] = tree_pss_mib(proc.pid)
            out["processes idle"] = 1 + len(airflow_local.descendants(proc.pid))
            out["PSS idle per worker (MiB)"] = ", ".join(
                f"{m:.0f}" for m in worker_pss_mib(proc.pid))
            for name in ("first cycle", "second cycle"):
                for key, value in cycle(url, token).items():
                    out[f"{name}: {key}"] = value
            out["PSS after, whole stack (MiB)"] = tree_pss_mib(proc.pid)
            out["PSS after per worker (MiB)"] = ", ".join(
                f"{m:.0f}" for m in worker_pss_mib(proc.pid))
        finally:
            out["stop (s)"] = stop_launcher(proc, timeout=180)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--delay", type=float, default=1.0, help="politeness (default: 1 s)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; replica with {args.notices} notices; {args.workers} workers;"
          f" --delay {args.delay}")
    for key, value in bench(args.notices, args.workers, args.delay).items():
        print(f"{key:48} {value:.1f}" if isinstance(value, float) else f"{key:48} {value}")


if __name__ == "__main__":
    main()
