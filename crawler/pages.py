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
import contextlib
import ctypes
import gzip
import logging
import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from core.errors import os_error_text
from core.vocabulary import Outcome
from crawler.items import NoticeRecord, RawPage
from crawler.parsing.classify import classify_article
from crawler.profiles import AUTO_PROFILE, Profile

log = logging.getLogger(__name__)


def store_raw(raw_dir: Path, sha256: str, body: bytes) -> None:
    """``raw_dir/ab/abcd….html.gz``, once per content: the same bytes are stored once."""
    path = raw_dir / sha256[:2] / f"{sha256}.html.gz"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        with gzip.open(tmp, "wb", compresslevel=6) as fh:
            fh.write(body)
        os.replace(tmp, path)  # atomic: a reader sees the whole file or none
    except BaseException as exc:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # a failed write() names no file: say which
        raise


@dataclass(frozen=True)
class ArticleReading:
    """What one article response was: its outcome and, when ``ok``, the notice."""

    outcome: str
    reason: str
    sha256: str | None = None  # of the raw bytes, when ok
    record: NoticeRecord | None = None
    named: str | None = None  # the notice id the page gives itself
    storage_error: str | None = None  # its bytes could not be stored ("path: reason")
    encoding: str | None = None  # how its bytes were read, when ok

    @classmethod
    def failed(cls, exc: Exception) -> ArticleReading:
        """A page no parser could read: a failed fetch (``error``), not a lost one."""
        return cls(Outcome.ERROR, f"reading failed: {type(exc).__name__}: {exc}"[:200])


def read_article_page(status: int, body: bytes, url: str, headers: dict[str, str],
                      notice_id: str, fetched_at: str, raw_dir: str,
                      profile: Profile = AUTO_PROFILE) -> ArticleReading:
    """Classify and read one article response by ``profile``; store its bytes if it is a
    notice."""
    outcome, reason, notice = classify_article(status, body, url, headers, profile)
    if notice is None:
        return ArticleReading(outcome, reason)
    sha = RawPage.sha(body)
    try:
        store_raw(Path(raw_dir), sha, body)
    except OSError as exc:  # not the page's fault: the crawl cannot store what it reads
        text = os_error_text(exc)
        return ArticleReading(Outcome.ERROR, f"storing failed: {text}"[:200], storage_error=text)
    record = NoticeRecord.from_page(
        notice, notice_id=notice_id, fetched_at=fetched_at, raw_sha256=sha,
        etag=headers.get("etag"), last_modified=headers.get("last-modified"),
    )
    return ArticleReading(outcome, reason, sha, record, notice.notice_id, encoding=notice.encoding)


def _read_in_worker(*args) -> ArticleReading:
    """``read_article_page`` in a worker: a failure comes back as an ``error`` reading (an
    exception that did not unpickle in the crawl would break the whole pool)."""
    try:
        return read_article_page(*args)
    except Exception as exc:
        return ArticleReading.failed(exc)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_init(crawl_pid: int) -> None:
    """Ctrl-C is the crawl's to handle; and a worker ends with the crawl, even a killed one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # Linux only; elsewhere best effort
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != crawl_pid:  # the crawl died while this worker was starting
        os._exit(0)


def _cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


POOL_BELOW_DELAY = 0.1  # seconds; reading a page takes a few ms, which a pause hides


def default_workers(delay: float) -> int:
    """Workers for a crawl pausing ``delay`` s between requests.

    With a pause (the real site's ``--delay 1``) the event loop reads a page
    while it waits anyway: none. Without one, a worker per core beyond the
    event loop's, at most 3; none on a single core.
    """
    if delay >= POOL_BELOW_DELAY:
        return 0
    return max(0, min(3, _cores() - 1))


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
        self.read_inline = self.read_pooled = 0  # pages read each way, for the crawl's stats
        self._broken = False
        self._executor: ProcessPoolExecutor | None = None

    def _pooled(self) -> ProcessPoolExecutor | None:
        if self._executor is None and self.workers > 0 and not self._broken \
                and self.read_inline >= self.start_after:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context,
                                                 initializer=_worker_init,
                                                 initargs=(os.getpid(),))
        return self._executor

    async def read_article(self, status: int, body: bytes, url: str, headers: dict[str, str],
                           notice_id: str, fetched_at: str,
                           profile: Profile = AUTO_PROFILE) -> ArticleReading:
        args = (status, body, url, headers, notice_id, fetched_at, self.raw_dir, profile)
        executor = self._pooled() if body else None
        if executor is not None:
            try:
                future: Future[ArticleReading] = executor.submit(_read_in_worker, *args)
                read = await asyncio.wrap_future(future)
                self.read_pooled += 1
                return read
            except BrokenProcessPool:
                log.warning("the page-reading workers stopped; reading the rest inline")
                self._broken = True
                self.close()
        self.read_inline += bool(body)
        return read_article_page(*args)

    def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True, cancel_futures=True)
