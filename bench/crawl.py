"""The crawler against a bare HTTP client: first harvest, then an unchanged cycle.

For each size the replica runs in its own process (``zgwatch replica``), is
warmed once (every page rendered), and then, per run and per concurrency:

- **bare**: a stdlib client (threads, one keep-alive connection each) GETs the
  same URLs (robots.txt, list pages, articles) in a subprocess;
- **harvest**: the crawler (``crawler.runner.run_crawl``, a ``python -m
  crawler.run`` subprocess) reads the column into an empty data dir.

Wall seconds and CPU-seconds (``RUSAGE_CHILDREN`` deltas) are both of the
subprocess; the ratio crawler/bare is taken within each run, then the median.
After the concurrency-1 harvest of each run the batch is loaded and diffed,
the warehouse's ``known.jsonl`` exported, and an **unchanged cycle** crawled
with it, twice: with the dates as the replica serves them, and with the
notices' dates re-spread over three years (see ``respread``). A simulated week
of hourly cycles (``crawler.revisit.RevisitPolicy``, no network) shows the
steady state and that every notice is re-checked within the revisit period.

    .venv/bin/python bench/crawl.py                          # 200, 2,000, 20,000 (~17 min)
    .venv/bin/python bench/crawl.py --sizes 2000 --runs 3    # issue 3's numbers
    .venv/bin/python bench/crawl.py --sizes 200 --runs 1     # quick check (~1 min)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import (
    PYTHON,
    ReplicaProcess,
    bare_fetch,
    child_cpu,
    median,
    per,
    print_machine,
    timed_client,
)

SHANGHAI_OFFSET = timedelta(hours=8)
SPAN_DAYS = 3 * 365  # replica.md: the column "spread over about three years"


# -- one measured crawl ----------------------------------------------------------


def run_bare(urls: list[str], concurrency: int, work: Path) -> dict:
    """The bare client in a subprocess: wall and CPU-seconds measured like the crawler's."""
    url_file = work / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    return timed_client([PYTHON, __file__, "--bare-client", url_file,
                         "--concurrency", concurrency], timeout=1800)  # fmt: skip


def run_crawler(settings, batch_dir: Path, known: Path | None, concurrency: int,
                read_workers: int | None = None) -> dict:  # fmt: skip
    """One crawl subprocess; its summary plus wall and CPU-seconds (its page readers' too)."""
    from crawler.runner import run_crawl

    cpu0, t0 = child_cpu(), time.perf_counter()
    result = run_crawl(settings, batch_dir, known, concurrency=concurrency,
                       read_workers=read_workers)  # fmt: skip
    wall, cpu = time.perf_counter() - t0, child_cpu() - cpu0
    s = result.summary
    stats = s["scrapy_stats"]
    return {
        "wall": wall,
        "cpu": cpu,
        "pages": s["requests"],  # fetch records: list pages + articles (not robots.txt)
        "requests": stats.get("downloader/request_count", 0),  # robots.txt included
        "bytes_in": stats.get("downloader/response_bytes", 0),
        "bytes_out": stats.get("downloader/request_bytes", 0),
        "outcomes": s["outcomes"],
        "kinds": s["page_kinds"],
        "crawl_seconds": s["seconds"],
        "batch": str(batch_dir),
    }


# -- dates as the replica promises them --------------------------------------------


def respread(known_path: Path, out: Path, today: date) -> int:
    """known.jsonl with the notices' dates spread evenly over three years, newest first.

    The replica squeezes big columns into a few days (replica/generator.py
    truncates sub-day gaps to 0), which makes every notice "recent". Here the
    i-th newest of N notices is dated ``today - i * 3 years / N`` and its
    publicity period moves by the same number of days. Returns how many moved.
    """
    rows = [json.loads(line) for line in known_path.read_text(encoding="utf-8").splitlines()]
    rows.sort(key=lambda r: (r.get("published_on") or "", int(r["notice_id"])), reverse=True)
    for i, row in enumerate(rows):
        if not row.get("published_on"):
            continue
        old = date.fromisoformat(row["published_on"][:10])
        new = today - timedelta(days=int(i * SPAN_DAYS / len(rows)))
        delta = new - old
        row["published_on"] = new.isoformat()
        for key in ("publicity_start", "publicity_end"):
            if row.get(key):
                row[key] = (date.fromisoformat(row[key][:10]) + delta).isoformat()
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


# -- a simulated week of hourly cycles ---------------------------------------------


def harvest_time(known_path: Path) -> datetime:
    """The latest ``last_checked_at`` in known.jsonl: when the harvest ended."""
    with known_path.open(encoding="utf-8") as fh:
        return max(datetime.fromisoformat(json.loads(line)["last_checked_at"]) for line in fh)


def simulate_week(known_path: Path, list_pages: int, start: datetime, *, hours: int = 168,
                  recent_days: int = 30, revisit_days: float = 7.0) -> dict:  # fmt: skip
    """Hourly cycles from ``start``: requests per cycle and the longest gap between checks.

    Every notice was checked at its harvest (``last_checked_at``); a cycle
    fetches the articles ``RevisitPolicy.is_due`` names and marks them checked.
    A cycle's requests are robots.txt, every list page and the due articles.
    """
    from crawler.revisit import RevisitPolicy, read_known

    known = read_known(known_path)
    checked = {nid: k.last_checked_at or start for nid, k in known.items()}
    longest = {nid: timedelta(0) for nid in known}
    due_per_cycle = []
    for h in range(1, hours + 1):
        now = start + timedelta(hours=h)
        policy = RevisitPolicy(as_of=(now + SHANGHAI_OFFSET).date(), now=now,
                               recent_days=recent_days, revisit_days=revisit_days)  # fmt: skip
        due = 0
        for nid, notice in known.items():
            # policy.is_due with last_checked_at = checked[nid], without copying the notice
            if policy.is_hot(notice) or checked[nid] < policy.last_slot(nid):
                longest[nid] = max(longest[nid], now - checked[nid])
                checked[nid] = now
                due += 1
        due_per_cycle.append(due)
    end = start + timedelta(hours=hours)
    never = sum(1 for nid in known if checked[nid] <= start)
    worst = max(max(longest[nid], end - checked[nid]) for nid in known)
    n = len(known)
    requests = [1 + list_pages + d for d in due_per_cycle]
    return {
        "cycles": hours,
        "articles_median": median(due_per_cycle),
        "articles_max": max(due_per_cycle),
        "articles_min": min(due_per_cycle),
        "requests_per_notice_mean": sum(requests) / len(requests) / n,
        "requests_per_notice_max": max(requests) / n,
        "not_rechecked": never,
        "longest_gap_days": worst.total_seconds() / 86400,
        "articles_week": sum(due_per_cycle),
    }


# -- where the crawler's CPU goes ----------------------------------------------------


def parse_cost(batch_dir: Path, raw_dir: Path, limit: int = 400) -> float:
    """Milliseconds of ``classify_article`` (the crawler's page reading) per stored article."""
    from core.batch import Batch
    from crawler.parsing.classify import classify_article

    pages = []
    with Batch(batch_dir).notices.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            sha = row["raw_sha256"]
            path = raw_dir / sha[:2] / f"{sha}.html.gz"
            pages.append((row["url"], gzip.decompress(path.read_bytes())))
            if len(pages) >= limit:
                break
    headers = {"content-type": "text/html; charset=utf-8"}
    t0 = time.process_time()
    for url, body in pages:
        classify_article(200, body, url, headers)
    return (time.process_time() - t0) / max(len(pages), 1) * 1000


# -- one size ----------------------------------------------------------------------


def bench_size(n: int, runs: int, concurrencies: list[int], work: Path) -> dict:
    from core.batch import KNOWN, new_batch_id
    from warehouse.db import connect
    from warehouse.known import write_known
    from zgwatch import pipeline
    from zgwatch.config import Settings

    print(f"\n== {n} notices", flush=True)
    with ReplicaProcess(n) as rep:
        today = rep.today()
        pages, articles = rep.page_urls()
        robots = pages[0].replace("/xunshizgls/index.html", "/robots.txt")
        urls = [robots, *pages, *articles]
        t0 = time.perf_counter()
        bare_fetch(urls, 4)  # every page rendered once: all timed runs see a warm server
        print(f"replica {rep.url}: {len(pages)} list pages, {len(articles)} articles; "
              f"warmed in {time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip

        harvests: dict[int, list] = {c: [] for c in concurrencies}
        unchanged: dict[str, list] = {"as served": [], "3-year spread": []}
        loads, parse_ms = [], []
        for run in range(runs):
            for c in concurrencies:
                bare = run_bare(urls, c, work)
                data = work / f"n{n}-r{run}-c{c}"
                settings = Settings(source=rep.url, db=data / "zgwatch.duckdb", data_dir=data,
                                    delay=0, timeout=30, as_of=today, lock_wait=5)  # fmt: skip
                crawl = run_crawler(settings, settings.batches_dir / new_batch_id(), None, c)
                crawl["bare"] = bare
                crawl["ratio"] = per(crawl["pages"] / crawl["wall"],
                                     bare["requests"] / bare["wall"])  # fmt: skip
                harvests[c].append(crawl)
                print(f"run {run + 1} c={c}: crawler {crawl['pages']} pages in "
                      f"{crawl['wall']:.1f} s ({crawl['cpu']:.1f} CPU-s); bare "
                      f"{bare['requests']} in {bare['wall']:.2f} s ({bare['cpu']:.2f} CPU-s); "
                      f"throughput ratio {crawl['ratio']:.3f}", flush=True)  # fmt: skip
                if c != concurrencies[0]:
                    continue
                parse_ms.append(parse_cost(Path(crawl["batch"]), settings.raw_dir))
                t0 = time.perf_counter()
                pipeline.load(settings)
                t1 = time.perf_counter()
                pipeline.diff(settings)
                loads.append((t1 - t0, time.perf_counter() - t1))
                known = data / KNOWN
                with connect(settings.db, lock_wait=5) as con:
                    write_known(con, known)
                spread = data / "known-spread.jsonl"
                respread(known, spread, today)
                for label, path in (("as served", known), ("3-year spread", spread)):
                    batch = data / f"unchanged-{label[0]}"  # never loaded
                    cycle = run_crawler(settings, batch, path, 1)
                    cycle["known"] = str(path)
                    unchanged[label].append(cycle)
                    print(f"run {run + 1} unchanged cycle ({label}): {cycle['requests']} "
                          f"requests, {cycle['bytes_in'] / 1e6:.2f} MB in, "
                          f"{cycle['wall']:.1f} s, {cycle['cpu']:.1f} CPU-s "
                          f"({cycle['outcomes']})", flush=True)  # fmt: skip
        started = harvest_time(Path(unchanged["as served"][-1]["known"]))
        week = {}
        for label, rows in unchanged.items():
            t0 = time.perf_counter()
            week[label] = simulate_week(Path(rows[-1]["known"]), len(pages), started)
            print(f"simulated week ({label}) in {time.perf_counter() - t0:.1f} s", flush=True)
    return {"notices": n, "list_pages": len(pages), "runs": runs, "harvests": harvests,
            "unchanged": unchanged, "loads": loads, "parse_ms": parse_ms, "week": week}  # fmt: skip


def report(r: dict) -> None:
    n = r["notices"]
    print(f"\n-- {n} notices ({r['list_pages']} list pages), medians of {r['runs']} run(s)")
    for c, rows in r["harvests"].items():
        pages = rows[0]["pages"]
        wall = median(x["wall"] for x in rows)
        cpu = median(x["cpu"] for x in rows)
        bare_wall = median(x["bare"]["wall"] for x in rows)
        bare_cpu = median(x["bare"]["cpu"] for x in rows)
        requests = rows[0]["requests"]
        print(f"first harvest c={c}: {requests} requests ({pages} pages) in {wall:.1f} s = "
              f"{pages / wall:.0f} pages/s, {cpu / pages * 1000:.2f} CPU-ms/page; bare client "
              f"{rows[0]['bare']['requests'] / bare_wall:.0f} pages/s, "
              f"{bare_cpu / rows[0]['bare']['requests'] * 1000:.2f} CPU-ms/page; "
              f"ratio {median(x['ratio'] for x in rows):.3f} (goal >= 0.5)")  # fmt: skip
    print(f"reading one article (classify_article): {median(r['parse_ms']):.2f} CPU-ms")
    load = median(x[0] for x in r["loads"])
    diff = median(x[1] for x in r["loads"])
    print(f"load + diff of the harvest: {load:.1f} + {diff:.1f} = {load + diff:.1f} s")
    for label, rows in r["unchanged"].items():
        req = median(x["requests"] for x in rows)
        wall = median(x["wall"] for x in rows)
        cpu = median(x["cpu"] for x in rows)
        b = median(x["bytes_in"] + x["bytes_out"] for x in rows)
        print(f"unchanged cycle ({label}): {req:.0f} requests, {b / 1e6:.2f} MB, {wall:.1f} s, "
              f"{cpu:.1f} CPU-s; "
              f"per notice {req / n:.3f} requests, {b / n / 1e3:.2f} kB, "
              f"{wall / n * 1000:.2f} ms (goal <= 0.25 requests)")  # fmt: skip
        w = r["week"][label]
        print(f"  a week of hourly cycles: articles per cycle median {w['articles_median']:.0f} "
              f"(min {w['articles_min']}, max {w['articles_max']}); requests per notice "
              f"mean {w['requests_per_notice_mean']:.3f}, max {w['requests_per_notice_max']:.3f}; "
              f"longest gap between checks {w['longest_gap_days']:.2f} days, "
              f"never re-checked {w['not_rechecked']}")  # fmt: skip
        per_cycle = w["requests_per_notice_mean"] * n
        print(f"  so a cycle makes {per_cycle:.0f} requests on average; at --delay 1 (the real "
              f"site) the pauses alone take {per_cycle / 60:.1f} min")  # fmt: skip


def bare_main(url_file: Path, concurrency: int) -> None:
    urls = url_file.read_text(encoding="utf-8").split()
    print(json.dumps(bare_fetch(urls, concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--runs", type=int, default=3, help="runs per size (medians)")
    parser.add_argument(
        "--big-runs",
        type=int,
        default=1,
        help="runs for sizes of 10,000 and more (a harvest takes minutes)",
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--big-concurrency",
        type=int,
        nargs="+",
        default=[1],
        help="concurrencies for sizes of 10,000 and more (each harvest takes ~5 minutes)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--bare-client", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_client:
        return bare_main(args.bare_client, args.concurrency[0])
    print_machine()
    print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    results = []
    with tempfile.TemporaryDirectory(prefix="zgwatch-bench-crawl-") as tmp:
        for n in args.sizes:
            big = n >= 10_000
            runs = args.big_runs if big else args.runs
            concurrency = args.big_concurrency if big else args.concurrency
            results.append(bench_size(n, runs, concurrency, Path(tmp)))
    for r in results:
        report(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
