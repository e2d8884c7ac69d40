"""Benchmark the warehouse: load + diff of 2,000 and 20,000 notices, and single diffs.

    .venv/bin/python bench/load_diff.py                 # 2,000 and 20,000, 3 runs each
    .venv/bin/python bench/load_diff.py --sizes 2000 --runs 1

Bodies are 5–25 KB of Chinese text recombined from the seed notice's
paragraphs (tests/data/seeds/), each with its own opening, publicity period and
contacts. For each size:

- **baseline**: an empty warehouse loads one batch of N notices and runs the
  diff (N ``new`` events, plus ``expired``/``expiring``);
- **cycle**: on top of that, a second batch where 1% of the notices have a
  one-character edit, 0.5% are new and the rest answer 304.

Each run is a fresh child process, so its peak RSS is its own (``wait4``).
Then the longest notice is diffed against itself with one character changed
and with 10% of its characters changed (scattered, the worst case) and with
10% of its paragraphs rewritten.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.batch import NOTICES  # noqa: E402
from core.textdiff import compute_diff  # noqa: E402
from testkit.batches import FakeColumn  # noqa: E402
from warehouse.summaries import VersionFacts, edit_summary  # noqa: E402

SEED = REPO / "tests" / "data" / "seeds" / "000_99f024742a5b7e23.txt"
AS_OF = date(2024, 10, 20)


def seed_paragraphs() -> list[str]:
    lines = [ln.strip() for ln in SEED.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("根据省委"))
    return [ln for ln in lines[start:] if ln][1:-4]  # no opening, appeal, signature


def make_body(rng: random.Random, n: int, paragraphs: list[str], issuer: str,
              start: date, end: date) -> str:  # fmt: skip
    """A notice of 5–25 KB (UTF-8): seed paragraphs recombined between its own edges."""
    target = rng.randint(5_000, 25_000)
    parts = [f"根据省委统一部署,省委第{n % 15 + 1}巡视组对{issuer}开展了常规巡视(编号{n})。"]
    size = len(parts[0].encode())
    while size < target:
        p = rng.choice(paragraphs)
        parts.append(p)
        size += len(p.encode()) + 1
    parts.append(
        f"欢迎广大干部群众对巡视整改落实情况进行监督。公开期限:{start.year}年{start.month}月"
        f"{start.day}日至{end.month}月{end.day}日。联系电话:0756-72{n % 100000:05d}。"
    )
    parts.append(issuer)
    return "\n".join(parts)


def build(root: Path, size: int) -> Path:
    """Two batches under ``root/batches``: everything, then a cycle of small changes."""
    rng = random.Random(size)
    paragraphs = seed_paragraphs()
    column = FakeColumn(root / "batches")
    for n in range(1, size + 1):
        published = AS_OF - timedelta(days=rng.randint(0, 900))
        issuer = f"中共测试市第{n % 97 + 1}区委"
        end = published + timedelta(days=29)
        body = make_body(rng, n, paragraphs, issuer, published, end)
        column.add(n, published_on=published, issuer=issuer, body=body)
    column.crawl()
    edited = rng.sample(range(1, size + 1), size // 100)
    for n in edited:
        body = column.notices[str(n)].body
        column.edit(n, body[200:202], body[200] + "改")
    for n in range(size + 1, size + 1 + size // 200):
        column.add(n, published_on=AS_OF, body=make_body(
            rng, n, paragraphs, "中共新增区委", AS_OF, AS_OF + timedelta(days=29)))  # fmt: skip
    unchanged = (
        set(column.notices)
        - {str(n) for n in edited}
        - {str(n) for n in range(size + 1, size + 1 + size // 200)}
    )
    column.crawl(unchanged=unchanged)
    return root / "batches"


CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from warehouse.db import connect
from warehouse.diff import detect_changes
from warehouse.load import load_batch
db, batches, steps = Path(sys.argv[1]), sorted(Path(sys.argv[2]).iterdir()), int(sys.argv[3])
out = {}
with connect(db) as con:
    for i, batch in enumerate(batches[:steps]):
        t0 = time.perf_counter()
        loaded = load_batch(con, batch)
        t1 = time.perf_counter()
        diff = detect_changes(con, as_of=date(2024, 10, 20), warn_days=3)
        t2 = time.perf_counter()
        out[i] = {"load": t1 - t0, "diff": t2 - t1, "versions": loaded.new_versions,
                  "events": diff.counts}
print(json.dumps(out))
"""


def run_child(db: Path, batches: Path, steps: int) -> tuple[dict, float]:
    """Load ``steps`` batches into ``db`` in a child process; return timings and peak RSS (MB)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(batches), str(steps)],
        cwd=REPO, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child failed with exit {proc.returncode}")
    return json.loads(out), usage.ru_maxrss / 1024


def bench_size(size: int, runs: int, work: Path) -> None:
    t0 = time.perf_counter()
    batches = build(work / f"n{size}", size)
    mb = sum(f.stat().st_size for f in batches.rglob(NOTICES)) / 2**20
    print(f"\n{size} notices: batches built in {time.perf_counter() - t0:.1f} s "
          f"({mb:.0f} MB of {NOTICES})")  # fmt: skip
    results = {"baseline": [], "cycle": []}
    for run in range(runs):
        db = work / f"n{size}-{run}.duckdb"
        timings, rss = run_child(db, batches, 2)
        base, cycle = timings["0"], timings["1"]
        results["baseline"].append((base["load"], base["diff"], rss, base))
        results["cycle"].append((cycle["load"], cycle["diff"], rss, cycle))
        for path in work.glob(f"n{size}-{run}.duckdb*"):
            path.unlink()
    for name, rows in results.items():
        load = statistics.median(r[0] for r in rows)
        diff = statistics.median(r[1] for r in rows)
        rss = max(r[2] for r in rows)
        info = rows[0][3]
        events = ", ".join(f"{v} {k}" for k, v in info["events"].items() if v)
        print(f"  {name:8s} load {load:6.2f} s + diff {diff:6.2f} s = {load + diff:6.2f} s "
              f"(median of {runs}); {info['versions']} versions, {events}")  # fmt: skip
    print(f"  peak RSS {max(r[2] for r in results['baseline']):.0f} MB (whole child process)")


def time_diff(old: str, new: str, repeat: int = 3) -> tuple[float, int]:
    times, ops = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        diff = compute_diff(old, new)
        edit_summary(VersionFacts("t", old), VersionFacts("t", new), diff)
        times.append(time.perf_counter() - t0)
        ops = sum(1 for op, _ in diff if op)
    return statistics.median(times), ops


def bench_single_diffs() -> None:
    rng = random.Random(7)
    paragraphs = seed_paragraphs()
    body = "\n".join(paragraphs * 4)[: 25_000 // 3]  # the longest notice: ~25 KB
    chars = list(body)
    print(f"\nlongest notice: {len(body)} characters, {len(body.encode()) / 1024:.0f} KB")
    one = body[:4000] + "改" + body[4001:]
    scattered = chars[:]
    for i in rng.sample(range(len(chars)), len(chars) // 10):
        scattered[i] = "改"
    paras = body.split("\n")
    for i in rng.sample(range(len(paras)), max(1, len(paras) // 10)):
        paras[i] = "".join(rng.sample(paras[i], len(paras[i])))
    for label, new in (
        ("one-character edit", one),
        ("10% of characters, scattered", "".join(scattered)),
        ("10% of paragraphs rewritten", "\n".join(paras)),
    ):
        seconds, ops = time_diff(body, new)
        print(f"  {label:30s} diff + summary {seconds * 1000:8.1f} ms ({ops} changed runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zgwatch-bench-") as tmp:
        for size in args.sizes:
            bench_size(size, args.runs, Path(tmp))
    bench_single_diffs()


if __name__ == "__main__":
    main()
