"""Run one crawl in this process: ``python -m crawler.process --source URL --batch-dir DIR …``.

Scrapy's Twisted reactor cannot restart inside a process, so every crawl is
its own process; ``crawler.runner`` starts it. On success the batch gets its
``summary.json`` and, last, ``DONE``.

The crawl dies with the process that started it (``--parent-pid``), even a
killed one (``PR_SET_PDEATHSIG``). SIGTERM or SIGINT stops it within
``STOP_GRACE`` seconds: a graceful stop (the batch gets its summary, never
``DONE``), and a hard exit if that does not finish in time; a second signal
exits at once. It opens no port and writes nothing outside the batch and the
raw-page folder (``crawler.settings``).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path

from core import vocabulary as v
from core.batch import Batch
from core.errors import os_error_text
from crawler.items import STORAGE_ERROR
from crawler.profiles import AUTO, PROFILES

# Scrapy is imported in the functions that use it: the page-reading workers
# (crawler.pages) import this module as their ``__main__`` and need none of it.


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m crawler.process")
    p.add_argument("--source", required=True)
    p.add_argument("--batch-dir", type=Path, required=True)
    p.add_argument("--raw-dir", type=Path, required=True)
    p.add_argument("--known", type=Path)
    p.add_argument("--as-of", type=date.fromisoformat, required=True)  # the caller decides
    p.add_argument("--delay", type=float, default=v.DELAY)
    p.add_argument("--timeout", type=float, default=v.TIMEOUT)
    p.add_argument("--user-agent", default=v.USER_AGENT)
    p.add_argument("--recent-days", type=int, default=v.RECENT_DAYS)
    p.add_argument("--revisit-days", type=float, default=v.REVISIT_DAYS)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--backoff", type=float, default=1.0)
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--max-list-pages", type=int, default=v.MAX_LIST_PAGES)
    p.add_argument("--profile", default=AUTO, choices=(AUTO, *PROFILES),
                   help="a built-in site profile (crawler.profiles), or auto")
    p.add_argument("--budget", type=float, default=v.CRAWL_BUDGET,
                   help="seconds the crawl may take; then it stops with what it has")
    p.add_argument("--parent-pid", type=int, default=0,
                   help="end at once if this process is not (or no longer) the parent")
    p.add_argument("--quick", action="store_true",
                   help="the watcher's crawl: list pages up to the first known notice, "
                        "their due articles, nothing else")
    p.add_argument("--read-workers", type=int, default=-1,
                   help="processes reading articles; 0 reads inline; default: with --delay "
                        "under 0.1 s, cores - 1 (at most 3), else 0")
    return p.parse_args(argv)


def scrapy_settings(args: argparse.Namespace):
    from scrapy.settings import Settings

    from crawler import settings as default_settings

    s = Settings()
    s.setmodule(default_settings, priority="project")
    s.setdict({
        "DOWNLOAD_DELAY": args.delay,
        "AUTOTHROTTLE_START_DELAY": max(args.delay, 0.01),
        "AUTOTHROTTLE_ENABLED": args.delay > 0,
        "DOWNLOAD_TIMEOUT": args.timeout,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "RETRY_BACKOFF_BASE": args.backoff,
        "ZGWATCH_BATCH_DIR": str(args.batch_dir),
        "ZGWATCH_RAW_DIR": str(args.raw_dir),
        "ZGWATCH_READ_WORKERS": args.read_workers,
        "ZGWATCH_MAX_LIST_PAGES": args.max_list_pages,
        "CLOSESPIDER_TIMEOUT": args.budget,
        "LOG_FILE": str(Batch(args.batch_dir).log),
        "LOG_LEVEL": args.log_level,
        "USER_AGENT": args.user_agent,
    }, priority="cmdline")
    return s


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def summarise(batch_dir: Path, source: str, stats: dict, seconds: float) -> dict:
    """Counts by outcome and page kind from fetches.jsonl, plus the spider's own stats."""
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for row in Batch(batch_dir).fetch_rows():
        outcomes[row["outcome"]] += 1
        kinds[row["page_kind"]] += 1
    return {
        "batch_id": batch_dir.name,
        "source": source,
        "seconds": round(seconds, 3),
        "requests": sum(outcomes.values()),
        "outcomes": dict(outcomes),
        "page_kinds": dict(kinds),
        "list_complete": bool(stats.get("zgwatch/list_complete")),
        "list_pages": stats.get("zgwatch/list_pages", 0),
        "list_pages_ok": stats.get("zgwatch/list_pages_ok", 0),
        "listed": stats.get("zgwatch/listed", 0),
        "list_runaway": stats.get("zgwatch/list_runaway"),
        "runaway": stats.get("zgwatch/runaway"),
        "quick": bool(stats.get("zgwatch/quick")),
        "storage_error": stats.get(STORAGE_ERROR),
        "first_page_outcome": stats.get("zgwatch/first_page_outcome", v.Outcome.ERROR),
        "first_page_reason": stats.get("zgwatch/first_page_reason", ""),
        "finish_reason": stats.get("finish_reason"),
        "scrapy_stats": {k: _jsonable(v) for k, v in sorted(stats.items())},
    }


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_GRACE = 5.0  # seconds a graceful stop may take after SIGTERM/SIGINT
SAYS = "crawl: "  # how this process's one line for the caller (crawler.runner) begins
# How a crawl that wrote a whole batch ends: done, or stopped at its time budget (what it
# fetched is recorded; the list is incomplete, the spider says why: summary "runaway").
WHOLE_BATCH = frozenset({"finished", "closespider_timeout"})


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel send SIGTERM when the parent dies; exit now if it already has.

    The check comes after the ``prctl``: a parent that died before it would
    never send the signal, and this process would have been re-parented.
    """
    with contextlib.suppress(OSError, AttributeError):  # Linux only; elsewhere best effort
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent_pid and os.getppid() != parent_pid:
        os._exit(1)


def _stop_on_signals(process) -> None:
    """SIGTERM/SIGINT: a graceful stop, a hard exit after ``STOP_GRACE`` s; twice: at once.

    Scrapy's own handlers wait for every request in flight (a hanging one holds
    for the whole time-out), so these replace them.
    """
    from twisted.internet import reactor

    stopping = threading.Event()

    def on_signal(signum, _frame):
        if stopping.is_set():
            os._exit(128 + signum)
        stopping.set()
        timer = threading.Timer(STOP_GRACE, os._exit, args=(128 + signum,))
        timer.daemon = True
        timer.start()
        reactor.callFromThread(process.stop)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)


def _early_end_line(summary: dict) -> str:
    """The one line saying why the crawl did not finish (a batch without ``DONE``)."""
    if summary.get("storage_error"):  # what it read could not be kept: not a whole batch
        return f"{SAYS}cannot store pages: {summary['storage_error']}"
    if summary["finish_reason"] == "shutdown":
        return f"{SAYS}stopped by a signal before it finished"
    return f"{SAYS}ended early: {summary['finish_reason']}"


def main(argv: list[str] | None = None) -> int:
    """Crawl; exit 0 with ``DONE`` written, else 1 with one line on stderr saying why."""
    args = _args(argv)
    die_with_parent(args.parent_pid)  # first: Scrapy takes a second or two to import
    try:
        return _crawl(args)
    except OSError as exc:  # the batch folder or its log refused a write: say where
        print(f"{SAYS}cannot write {os_error_text(exc, args.batch_dir)}", file=sys.stderr)
        return 1


def _crawl(args: argparse.Namespace) -> int:

    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.column import ColumnSpider

    args.batch_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    process = CrawlerProcess(scrapy_settings(args))
    # Scrapy's root handler filters by level, but the records are made first: a few per page
    # at DEBUG ("Crawled", "Scraped from"). Below LOG_LEVEL they are not made at all.
    for name in ("scrapy", "twisted", "py.warnings", ColumnSpider.name):
        logging.getLogger(name).setLevel(args.log_level)
    crawler = process.create_crawler(ColumnSpider)
    process.crawl(
        crawler, source=args.source, known=str(args.known) if args.known else None,
        as_of=args.as_of, recent_days=str(args.recent_days), revisit_days=str(args.revisit_days),
        profile=args.profile, quick=args.quick,
    )
    _stop_on_signals(process)
    process.start(install_signal_handlers=False)
    stats = crawler.stats.get_stats()
    summary = summarise(args.batch_dir, args.source, stats, time.monotonic() - started)
    batch = Batch(args.batch_dir)
    batch.write_summary(summary)
    if summary["storage_error"] or summary["finish_reason"] not in WHOLE_BATCH:
        print(_early_end_line(summary), file=sys.stderr)
        return 1
    batch.mark_done()
    return 0


if __name__ == "__main__":
    sys.exit(main())
