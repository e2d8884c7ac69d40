"""First harvest against a bare HTTP client, over a network that costs 0 to 50 ms a page.

On loopback a page costs the network about 0.4 ms, so "crawler vs bare client"
measures only the crawler's CPU; a real site costs a round trip or two and its
own server's time per page. The replica (``--latency-ms``) adds that time to
every answer, and at each latency four clients fetch the same column, one after
another, at the same concurrency, each in its own subprocess:

- **bare**: stdlib ``http.client`` threads on keep-alive connections, nothing parsed;
- **scrapy**: an empty Scrapy spider over the same URLs (Scrapy's defaults, one
  request at a time as zgwatch's, no parsing, no items): Scrapy's own floor;
- **zgwatch**: the crawler, articles read in its page pool (``crawler.pages``);
- **zgwatch inline**: the crawler with ``--read-workers 0``.

Pages/s and CPU-ms per page (the subprocess and its children) per client;
ratios to the bare client are taken within each run, then the median of runs.

    .venv/bin/python bench/harvest.py                                  # ~20 min
    .venv/bin/python bench/harvest.py --notices 500 --latency-ms 0 20 --runs 1   # ~2 min
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import PYTHON, ReplicaProcess, bare_fetch, median, print_machine, timed_client
from crawl import run_bare, run_crawler

CLIENTS = ("bare", "scrapy", "zgwatch", "zgwatch inline")


def scrapy_floor(url_file: Path, concurrency: int) -> None:
    """The empty spider (run in a subprocess by ``run_scrapy``): fetch, count, nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = url_file.read_text(encoding="utf-8").split()
    seen = {"pages": 0, "bytes": 0}

    class Empty(scrapy.Spider):
        name = "empty"

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response):
            seen["pages"] += 1
            seen["bytes"] += len(response.body)

    process = CrawlerProcess({
        "LOG_LEVEL": "WARNING",
        "ROBOTSTXT_OBEY": False,  # robots.txt is one of the URLs, as for the others
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_ITEMS": 1,
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        # as zgwatch's: Scrapy 2.19 alone would send every queued request at once
        "DOWNLOADER": "crawler.downloader.PoliteDownloader",
    })  # fmt: skip
    process.crawl(Empty)
    process.start()
    print(json.dumps(seen))


def run_scrapy(urls: list[str], concurrency: int, work: Path) -> dict:
    url_file = work / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    return timed_client([PYTHON, __file__, "--scrapy-floor", url_file,
                         "--concurrency", concurrency])  # fmt: skip


def one_latency(notices: int, latency_ms: int, runs: int, concurrency: int, work: Path) -> dict:
    from core.batch import new_batch_id
    from zgwatch.config import Settings

    rows: dict[str, list[dict]] = {c: [] for c in CLIENTS}
    with ReplicaProcess(notices, latency_ms=latency_ms) as rep:
        pages, articles = rep.page_urls()
        robots = pages[0].replace("/xunshizgls/index.html", "/robots.txt")
        urls = [robots, *pages, *articles]
        bare_fetch(urls, 8)  # every page rendered once: every timed client sees a warm server
        for run in range(runs):
            data = work / f"l{latency_ms}-r{run}"
            settings = Settings(source=rep.url, db=data / "zgwatch.duckdb", data_dir=data,
                                delay=0, timeout=60, as_of=rep.today(), lock_wait=5)  # fmt: skip
            bare = run_bare(urls, concurrency, work)
            result = {"bare": {"pages": bare["requests"], "wall": bare["wall"], "cpu": bare["cpu"]}}
            floor = run_scrapy(urls, concurrency, work)
            result["scrapy"] = {"pages": floor["pages"], "wall": floor["wall"], "cpu": floor["cpu"]}
            for name, workers in (("zgwatch", None), ("zgwatch inline", 0)):
                # each its own data dir: raw pages already stored would be skipped
                own = settings.model_copy(update={"data_dir": data / name.replace(" ", "-")})
                batch = own.batches_dir / new_batch_id()
                crawl = run_crawler(own, batch, None, concurrency, read_workers=workers)
                result[name] = {"pages": crawl["pages"], "wall": crawl["wall"], "cpu": crawl["cpu"]}
            base = result["bare"]["pages"] / result["bare"]["wall"]
            for name, r in result.items():
                r["rate"] = r["pages"] / r["wall"]
                r["ratio"] = r["rate"] / base
                r["cpu_ms"] = r["cpu"] / r["pages"] * 1000
                rows[name].append(r)
            print(f"latency {latency_ms} ms, run {run + 1}: " + "; ".join(
                f"{name} {r['rate']:.0f} pages/s ({r['ratio']:.2f}), {r['cpu_ms']:.2f} CPU-ms"
                for name, r in result.items()), flush=True)  # fmt: skip
    return {"latency_ms": latency_ms, "pages": len(urls), "rows": rows}


def report(results: list[dict], notices: int, concurrency: int, runs: int) -> None:
    print(f"\n-- first harvest of {notices} notices ({results[0]['pages']} pages), "
          f"concurrency {concurrency}, medians of {runs} run(s); "
          f"pages/s (ratio to bare), CPU-ms per page")  # fmt: skip
    print("| added latency | " + " | ".join(CLIENTS) + " |")
    print("|---|" + "---|" * len(CLIENTS))
    for r in results:
        cells = []
        for name in CLIENTS:
            rows = r["rows"][name]
            rate, ratio = median(x["rate"] for x in rows), median(x["ratio"] for x in rows)
            cpu = median(x["cpu_ms"] for x in rows)
            cells.append(f"{rate:.0f}/s" + ("" if name == "bare" else f" ({ratio:.2f})")
                         + f", {cpu:.2f} ms")  # fmt: skip
        print(f"| {r['latency_ms']} ms | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 2, 5, 10, 20, 50])
    parser.add_argument("--runs", type=int, default=2, help="runs per latency (medians)")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--scrapy-floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scrapy_floor:
        return scrapy_floor(args.scrapy_floor, args.concurrency)
    print_machine()
    results = []
    with tempfile.TemporaryDirectory(prefix="zgwatch-bench-harvest-") as tmp:
        for latency in args.latency_ms:
            results.append(one_latency(args.notices, latency, args.runs, args.concurrency,
                                       Path(tmp)))  # fmt: skip
    report(results, args.notices, args.concurrency, args.runs)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
