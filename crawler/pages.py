"""Read article pages off the crawl's event loop, in worker processes.

Scrapy spends about 3 CPU-ms fetching a page; reading an article (lxml, the
publicity-period, contact and inspection parsers, gzip of the raw bytes) costs
about as much again. Done inline, the two add up on one core. In a
``PagePool`` the reading runs in another process, on the other core, while the
event loop fetches the next page; the spider's callback awaits the result.

``read_article_page`` is the whole job of one page, a pure function of the
response (plus storing the raw bytes, which is content-addressed and atomic, so
any process may do it). With ``workers=0`` the pool calls it inline: same
code, same results, which is what a one-core machine gets.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from crawler.items import NoticeRecord, RawPage
from crawler.parsing.classify import classify_article
from crawler.records import notice_record

log = logging.getLogger(__name__)


def store_raw(raw_dir: Path, sha256: str, body: bytes) -> None:
    """``raw_dir/ab/abcd….html.gz``, once per content: the same bytes are stored once."""
    path = raw_dir / sha256[:2] / f"{sha256}.html.gz"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with gzip.open(tmp, "wb", compresslevel=6) as fh:
        fh.write(body)
    os.replace(tmp, path)  # atomic: a reader sees the whole file or none


@dataclass(frozen=True)
class ArticleReading:
    """What one article response was: its outcome and, when ``ok``, the notice."""

    outcome: str
    reason: str
    sha256: str | None = None  # of the raw bytes, when ok
    record: NoticeRecord | None = None
    named: str | None = None  # the notice id the page gives itself


def read_article_page(status: int, body: bytes, url: str, headers: dict[str, str],
                      notice_id: str, fetched_at: str, raw_dir: str) -> ArticleReading:
    """Classify and read one article response; store its bytes if it is a notice."""
    outcome, reason, notice = classify_article(status, body, url, headers)
    if notice is None:
        return ArticleReading(outcome, reason)
    sha = RawPage.sha(body)
    store_raw(Path(raw_dir), sha, body)
    record = notice_record(notice, notice_id=notice_id, fetched_at=fetched_at, raw_sha256=sha,
                           etag=headers.get("etag"), last_modified=headers.get("last-modified"))
    return ArticleReading(outcome, reason, sha, record, notice.notice_id)


POOL_BELOW_DELAY = 0.1  # seconds; reading a page takes a few ms, which a pause hides


def default_workers(delay: float) -> int:
    """Workers for a crawl pausing ``delay`` s between requests.

    With a pause (the real site's ``--delay 1``) the event loop reads a page
    while it waits anyway: none. Without one, a worker per core beyond the
    event loop's, at most 3; none on a single core.
    """
    if delay >= POOL_BELOW_DELAY:
        return 0
    return max(0, min(3, (os.cpu_count() or 1) - 1))


class PagePool:
    """``await pool.read_article(...)``: ``read_article_page``, in worker processes when it pays.

    The first ``start_after`` pages are read inline; only a crawl with more to
    read (a first harvest, not an hourly cycle of a few 304s) starts workers,
    spawned (a fresh interpreter: nothing of Scrapy's threads, which a fork
    would copy mid-flight; their CPU time is counted with the crawl's). Answers
    without a body (304, most errors) are always classified inline. If the
    pool breaks (a worker killed), the remaining pages are read inline.
    """

    def __init__(self, raw_dir: Path, workers: int, *, start_after: int = 20) -> None:
        self.raw_dir = str(raw_dir)
        self.workers = workers
        self.start_after = start_after
        self._read_inline = 0
        self.read_pooled = 0
        self._broken = False
        self._executor: ProcessPoolExecutor | None = None

    @property
    def read_inline(self) -> int:
        return self._read_inline

    def _pooled(self) -> ProcessPoolExecutor | None:
        if self._executor is None and self.workers > 0 and not self._broken \
                and self._read_inline >= self.start_after:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._executor

    async def read_article(self, status: int, body: bytes, url: str, headers: dict[str, str],
                           notice_id: str, fetched_at: str) -> ArticleReading:
        args = (status, body, url, headers, notice_id, fetched_at, self.raw_dir)
        executor = self._pooled() if body else None
        if executor is not None:
            try:
                future: Future[ArticleReading] = executor.submit(read_article_page, *args)
                read = await asyncio.wrap_future(future)
                self.read_pooled += 1
                return read
            except BrokenProcessPool:
                log.warning("the page-reading workers stopped; reading the rest inline")
                self._broken = True
                self.close()
        self._read_inline += bool(body)
        return read_article_page(*args)

    def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True, cancel_futures=True)
