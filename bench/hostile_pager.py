"""A crawl against hostile pagers: list pages requested, seconds, peak memory, SIGTERM.

The replica runs in its own process (``zgwatch replica``) with a fault on every
list page (docs/replica.md): ``pager_endless`` (every page links a next one,
pages past the last repeat it) and ``pager_far_last`` (尾页 points to page
1,000,000), and ``none`` for comparison. For each, one crawl
(``python -m crawler.process``, ``--delay 0``) runs until it ends or
``--limit`` seconds pass; then it gets SIGTERM and the time until it exits is
measured. Peak RSS is the crawl process's ``VmHWM`` (its page workers are
not counted: with the few articles here, none start).

    .venv/bin/python bench/hostile_pager.py                 # ~1 min
    PYTHONPATH=<checkout of an older commit> .venv/bin/python bench/hostile_pager.py --limit 30
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, ROOT, ReplicaProcess, print_machine

MODES = ("none", "pager_endless", "pager_far_last")


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _list_rows(batch: Path) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from core.batch import Batch

    try:
        rows = [json.loads(x) for x in Batch(batch).fetches.read_text().splitlines() if x]
    except OSError:
        return []
    return [r for r in rows if r["page_kind"] == "list"]


def crawl(url: str, work: Path, limit: float) -> dict:
    """One crawl of ``url``: until it ends or ``limit`` s, then SIGTERM; what it did."""
    batch = work / "batch"
    command = [PYTHON, "-m", "crawler.process", "--source", url, "--batch-dir", str(batch),
               "--raw-dir", str(work / "raw"), "--as-of", "2026-11-26", "--delay", "0",
               "--timeout", "10"]
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=os.environ.copy())
    peak = 0.0
    while proc.poll() is None and time.monotonic() - started < limit:
        peak = max(peak, _peak_rss_mb(proc.pid))
        time.sleep(0.2)
    ended = proc.poll() is not None
    seconds = time.monotonic() - started
    stop_seconds = None
    if not ended:
        peak = max(peak, _peak_rss_mb(proc.pid))
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
            stop_seconds = time.monotonic() - signalled
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    rows = _list_rows(batch)
    runaway = [r["reason"] for r in rows if r["outcome"] == "list_runaway"]
    return {
        "ended_by_itself": ended,
        "seconds": round(seconds, 1),
        "list_rows": len(rows),
        "peak_rss_mb": round(peak, 1),
        "sigterm_to_exit_s": None if stop_seconds is None else round(stop_seconds, 1),
        "sigterm_ignored": not ended and stop_seconds is None,
        "list_runaway": runaway[0][:90] if runaway else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=45)
    parser.add_argument("--limit", type=float, default=60.0,
                        help="seconds a crawl may run before it gets SIGTERM")
    args = parser.parse_args()
    print_machine()
    for mode in MODES:
        with ReplicaProcess(args.notices) as replica, \
                tempfile.TemporaryDirectory(prefix="zgwatch-hostile-") as work:
            if mode != "none":
                replica.admin("set_fault", path="/xunshizgls/index*", kind=mode)
            print(f"{mode}: {json.dumps(crawl(replica.url, Path(work), args.limit))}",
                  flush=True)


if __name__ == "__main__":
    main()
