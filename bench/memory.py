"""Peak memory, wall and CPU time of each stage, as the CLI runs them, at 20,000 notices.

Each stage is its own ``zgwatch`` command under ``/usr/bin/time -v`` (``apt-get
install -y time`` if missing); the crawl's figure covers its ``crawler.run``
subprocess too (``wait4`` reports the largest of a process and its waited-for
children). The replica runs in its own process; alerts go to a ``json://``
webhook on loopback.

- cycle 1: the first harvest on an empty warehouse (baseline);
- between the cycles, through the replica's admin API: ``--new`` new notices
  and ``--edits`` one-character edits of recent notices;
- cycle 2: crawl, load, diff and alert of those changes.

    .venv/bin/python bench/memory.py                    # 20,000 notices (~10 min)
    .venv/bin/python bench/memory.py --notices 2000     # quick
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import PYTHON, ZGWATCH, ReplicaProcess, Timed, have_time, print_machine, timed

from zgwatch.sinks import WebhookSink

STAGES = ("crawl", "load", "diff", "alert", "publish")
# the analyst copy has no command of its own: ``zgwatch run`` ends with it
PUBLISH = (
    "import sys; from zgwatch.config import load_settings; from zgwatch.pipeline import publish; "
    "publish(load_settings({'db': sys.argv[1], 'source': sys.argv[2]}))"
)
LIMIT_MB = 500


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def run_cycle(name: str, options: list[str], data: Path) -> list[tuple[str, Timed]]:
    rows = []
    db, source = options[options.index("--db") + 1], options[options.index("--source") + 1]
    for stage in STAGES:
        command = [ZGWATCH, stage, *options]
        if stage == "publish":
            command = [PYTHON, "-c", PUBLISH, db, source]
        result = timed(command, env={"ZGWATCH_LOG_LEVEL": "WARNING"})
        if result.returncode:
            raise SystemExit(f"zgwatch {stage} failed ({result.returncode}):\n{result.stderr}")
        last = (result.stdout.strip().splitlines() or ["analyst copy published"])[0]
        print(f"{name} {stage:5s}: {result.wall:7.1f} s wall, {result.cpu:7.1f} CPU-s, "
              f"peak RSS {result.max_rss_mb:6.0f} MB | {last[:110]}", flush=True)  # fmt: skip
        rows.append((stage, result))
    size = sum(p.stat().st_size for p in data.glob("zgwatch*.duckdb")) / 2**20
    print(f"{name}: data dir {dir_mb(data):.0f} MB, of which warehouse + analyst copy "
          f"{size:.0f} MB", flush=True)  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=100, help="notices added before cycle 2")
    parser.add_argument("--edits", type=int, default=100, help="notices edited before cycle 2")
    args = parser.parse_args()
    if not have_time():
        raise SystemExit("/usr/bin/time is missing: apt-get install -y time")
    print_machine()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with (tempfile.TemporaryDirectory(prefix="zgwatch-bench-memory-") as tmp,
          ReplicaProcess(args.notices) as rep, WebhookSink() as hook):  # fmt: skip
        data = Path(tmp)
        today = rep.today().isoformat()
        options = ["--source", rep.url, "--db", str(data / "zgwatch.duckdb"),
                   "--data-dir", str(data), "--delay", "0", "--as-of", today,
                   "--notify", hook.url()]  # fmt: skip
        print(f"replica {rep.url}: {args.notices} notices, as of {today}", flush=True)
        rows = [("1", s, r) for s, r in run_cycle("cycle 1", options, data)]
        ids = rep.state()["notice_ids"]
        t0 = time.perf_counter()
        for nid in ids[: args.edits]:  # the newest: re-read every cycle
            rep.admin("edit", notice_id=nid)
        for _ in range(args.new):
            rep.admin("add_notice")
        print(f"{args.edits} edits and {args.new} new notices in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip
        hook.clear()
        rows += [("2", s, r) for s, r in run_cycle("cycle 2", options, data)]
        print(f"webhook received {len(hook.accepted)} alerts in cycle 2")

    print(f"\n{args.notices} notices | stage | wall s | CPU-s | peak RSS MB")
    for cycle, stage, r in rows:
        print(f"cycle {cycle} | {stage} | {r.wall:.1f} | {r.cpu:.1f} | {r.max_rss_mb:.0f}")
    peak = max(r.max_rss_mb for _, _, r in rows)
    first = {s: r for c, s, r in rows if c == "1"}
    print(f"load + diff of the first harvest: {first['load'].wall + first['diff'].wall:.1f} s "
          f"(goal <= 60 s); peak RSS of any stage {peak:.0f} MB "
          f"(goal <= {LIMIT_MB} MB): {'met' if peak <= LIMIT_MB else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
