"""Benchmark whole cycles: the first, one with one edit, a quiet one; each stage's wall.

    .venv/bin/python bench/cycle.py                  # 300 notices, 3 runs
    .venv/bin/python bench/cycle.py --notices 2000 --runs 1

Serves a replica of N notices in its own process
(``bench.common.ReplicaProcess``) and runs, in this process, the stages
``zgwatch run`` runs (``zgwatch.pipeline``: crawl — the Scrapy subprocess —,
load, diff, alert, publish with the analyst copy, its search index and the
site), each timed (wall and this process's CPU, the crawl subprocess's CPU
included): a first cycle on an empty data dir, a quiet cycle (after it the
publish has its spare copy, as in every later cycle: warehouse/publish.py), a
cycle after one notice was edited (the replica's admin API), and a quiet cycle
again. Prints, per run, each cycle's stages and the two ratios the issue asks
for: the first cycle's wall over the edit cycle's, and the quiet cycle's wall
over its crawl's. ``--delay 0``, as on loopback every benchmark.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import ReplicaProcess  # noqa: E402
from zgwatch import pipeline  # noqa: E402
from zgwatch.config import load_settings  # noqa: E402

STAGES = ("crawl", "load", "diff", "alert", "publish")


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cycle(settings) -> dict[str, tuple[float, float]]:
    """Each stage's (wall, CPU) seconds, in the order ``pipeline.run`` runs them."""
    out = {}
    for stage in STAGES:
        t0, c0 = time.perf_counter(), cpu()
        getattr(pipeline, stage)(settings)
        out[stage] = (time.perf_counter() - t0, cpu() - c0)
    return out


def line(name: str, stages: dict[str, tuple[float, float]]) -> str:
    wall = sum(w for w, _ in stages.values())
    parts = ", ".join(f"{s} {w:.2f} ({c:.2f})" for s, (w, c) in stages.items())
    return (f"{name:>10}: {wall:6.2f} s wall ({sum(c for _, c in stages.values()):.2f} CPU-s): "
            f"{parts} (each stage: wall s (CPU-s))")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    ratios_edit, ratios_quiet = [], []
    with ReplicaProcess(args.notices) as rep:
        for run in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="zgwatch-bench-cycle-") as tmp:
                data = Path(tmp) / "data"
                settings = load_settings({
                    "source": rep.url, "db": data / "zgwatch.duckdb", "data_dir": data,
                    "as_of": rep.today().isoformat(), "delay": 0, "timeout": 30,
                }, env={})  # fmt: skip
                first = cycle(settings)
                settle = cycle(settings)  # from here on the publish has a spare copy
                rep.admin("edit", notice_id=rep.state()["notice_ids"][0])
                edit = cycle(settings)
                quiet = cycle(settings)
            for name, stages in (("first", first), ("quiet (1)", settle), ("one edit", edit),
                                 ("quiet", quiet)):
                print(f"run {run + 1} " + line(name, stages))
            wall = {k: sum(w for w, _ in v.values()) for k, v in
                    (("first", first), ("edit", edit), ("quiet", quiet))}  # fmt: skip
            ratios_edit.append(wall["first"] / wall["edit"])
            ratios_quiet.append(wall["quiet"] / quiet["crawl"][0])
    print(f"first cycle / one-edit cycle (wall): median {statistics.median(ratios_edit):.2f}x "
          f"({', '.join(f'{r:.2f}' for r in ratios_edit)})")
    print(f"quiet cycle / its crawl (wall): median {statistics.median(ratios_quiet):.2f}x "
          f"({', '.join(f'{r:.2f}' for r in ratios_quiet)})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
