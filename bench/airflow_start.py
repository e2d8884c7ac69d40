"""Measure local Airflow for zgwatch: start time, memory, and one DAG run against ``zgwatch run``.

    .venv/bin/python bench/airflow_start.py                      # 45 notices
    .venv/bin/python bench/airflow_start.py --notices 300 --screenshot /tmp/airflow-grid.png

1. ``zgwatch run`` (a first cycle, empty warehouse) on the replica, timed.
2. ``zgwatch airflow`` under a temporary data directory: seconds until every
   component is healthy ("ready"), then the memory of its whole process tree
   as PSS (the sum of ``Pss`` in ``/proc/PID/smaps_rollup``: shared pages
   counted once across the tree, unlike RSS).
3. ``zgwatch_monitor`` triggered through the REST API on a fresh warehouse
   and the same replica: seconds from the trigger to success, the run's own
   duration, and the PSS right after it (executor workers warmed up); then
   where the run's seconds went (``where_the_run_went``: the scheduler, the
   executor, the tasks' own run, each task's).

Everything listens on 127.0.0.1; every process started here is stopped.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from replica import running  # noqa: E402
from testkit import airflow_api  # noqa: E402
from zgwatch.airflow import launcher as airflow_local  # noqa: E402
from zgwatch.sinks import free_port  # noqa: E402

ZGWATCH = str(Path(sys.executable).parent / "zgwatch")
PASSWORD = "bench-only-password"


def pss_kib(pids: list[int]) -> int:
    """Sum of Pss over ``pids`` (KiB); processes gone meanwhile count 0."""
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        if m := re.search(r"^Pss:\s+(\d+) kB", text, re.M):
            total += int(m.group(1))
    return total


def tree_pss_mib(root: int) -> float:
    return pss_kib([root, *airflow_local.descendants(root)]) / 1024


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ZGWATCH_"))}


def time_zgwatch_run(url: str, data: Path) -> float:
    start = time.monotonic()
    subprocess.run([ZGWATCH, "run", "--source", url, "--delay", "0", "--data-dir", str(data),
                    "--db", str(data / "zgwatch.duckdb")], env=clean_env(), check=True,
                   capture_output=True)
    return time.monotonic() - start


def wait(check, timeout: float, what: str):
    try:
        return airflow_api.wait_for_api(check, timeout, what, every=0.25)
    except TimeoutError as exc:
        raise SystemExit(str(exc)) from None


def start_launcher(args: list[str], timeout: float) -> tuple[subprocess.Popen, float]:
    """``zgwatch airflow ARGS`` (manual runs only, the bench's password); return it once
    ready, with the seconds that took. Exits naming what it printed if it stopped."""
    env = clean_env() | {"ZGWATCH_SCHEDULE": "none", airflow_local.PASSWORD_ENV: PASSWORD}
    started = time.monotonic()
    proc = subprocess.Popen([ZGWATCH, "airflow", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    wait(lambda: any("ready in" in x for x in lines) or proc.poll() is not None, timeout,
         "zgwatch airflow to be ready")
    if proc.poll() is not None:
        raise SystemExit("zgwatch airflow exited:\n" + "".join(lines))
    return proc, time.monotonic() - started


def stop_launcher(proc: subprocess.Popen, timeout: float) -> float:
    """SIGTERM, as an init system would; the seconds until every process has gone."""
    stopping = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=timeout)
    return time.monotonic() - stopping


def _t(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def where_the_run_went(run: dict, instances: list[dict]) -> dict[str, float]:
    """The run's seconds, from its queueing to its end, in four parts summed over its tasks
    (one after the other): waiting for the scheduler (the run's start or the task before
    ended → the task queued), waiting for the executor (queued → the task started: a
    process forked, the task runner's imports), the tasks' own run (started → ended: the
    DAG file parsed again and the step's work), and the run's own start and end
    (queued → started, last task → the run ended)."""
    tasks = sorted((t for t in instances if t.get("start_date")), key=lambda t: t["start_date"])
    parts = {"scheduler": 0.0, "executor": 0.0, "tasks": 0.0}
    before = _t(run["start_date"])
    for task in tasks:
        queued, started, ended = (_t(task["queued_when"]) or _t(task["start_date"]),
                                  _t(task["start_date"]), _t(task["end_date"]))
        parts["scheduler"] += queued - before
        parts["executor"] += started - queued
        parts["tasks"] += ended - started
        before = ended
    out = {f"  {name} (s, {len(tasks)} tasks)": value for name, value in (
        ("waiting for the scheduler", parts["scheduler"]),
        ("waiting for the executor", parts["executor"]), ("the tasks' own run", parts["tasks"]))}
    out["  the run's start and end (s)"] = (
        (_t(run["start_date"]) - _t(run["queued_at"])) + (_t(run["end_date"]) - before))
    out.update({f"    task {t['task_id']} (s)": t["duration"] or 0.0 for t in tasks})
    return out


def bench(notices: int, screenshot: Path | None) -> dict:
    out: dict = {}
    with running(notices, 1) as replica, tempfile.TemporaryDirectory(prefix="zgw-bench-") as tmp:
        out["zgwatch run (s)"] = time_zgwatch_run(replica.url, Path(tmp) / "cli")
        data, port = Path(tmp) / "airflow-data", free_port()
        proc, out["airflow ready (s)"] = start_launcher(
            ["--port", str(port), "--data-dir", str(data), "--db", str(data / "zgwatch.duckdb"),
             "--source", replica.url, "--delay", "0"], timeout=300)
        try:
            url = f"http://127.0.0.1:{port}"
            token = airflow_api.api_token(url, PASSWORD)
            wait(lambda: airflow_api.api(url, token, "/dags/zgwatch_monitor"), 120,
                 "zgwatch_monitor to be parsed")
            time.sleep(5)  # let the components settle after start-up before measuring
            out["PSS idle (MiB)"] = tree_pss_mib(proc.pid)
            out["processes idle"] = 1 + len(airflow_local.descendants(proc.pid))

            triggered = time.monotonic()
            run = airflow_api.api(url, token, "/dags/zgwatch_monitor/dagRuns",
                                    {"logical_date": None})
            path = f"/dags/zgwatch_monitor/dagRuns/{urllib.parse.quote(run['dag_run_id'], safe='')}"
            peak = [0.0]

            def done():
                peak[0] = max(peak[0], tree_pss_mib(proc.pid))
                r = airflow_api.api(url, token, path)
                return r if r["state"] in ("success", "failed") else None

            result = wait(done, 600, "the DAG run")
            out["DAG run: trigger to success (s)"] = time.monotonic() - triggered
            out["DAG run: state"] = result["state"]
            out["DAG run: duration in Airflow (s)"] = result["duration"]
            out["PSS peak during run (MiB)"] = peak[0]
            out["PSS after run (MiB)"] = tree_pss_mib(proc.pid)
            out.update(where_the_run_went(
                result, airflow_api.api(url, token, f"{path}/taskInstances")["task_instances"]))
            if screenshot is not None:
                airflow_api.screenshot(f"{url}{path.replace('/dagRuns/', '/runs/')}", token,
                                         screenshot.resolve())
                out["screenshot"] = str(screenshot)
        finally:
            out["stop (s)"] = stop_launcher(proc, timeout=120)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=45)
    parser.add_argument("--screenshot", type=Path, help="save the run's grid as this PNG")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; replica with {args.notices} notices")
    for key, value in bench(args.notices, args.screenshot).items():
        print(f"{key:34} {value:.1f}" if isinstance(value, float) else f"{key:34} {value}")


if __name__ == "__main__":
    main()
