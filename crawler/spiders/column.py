"""The spider: walks the column's list through its pager and fetches the articles that are due.

It only walks links and records what each fetch was; reading a page is the
pure functions of ``crawler.parsing``. Nothing here knows the replica.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError

from core.vocabulary import (
    LIST_PAGE_URL,
    RECENT_DAYS,
    REVISIT_DAYS,
    Outcome,
    PageKind,
    today_in_shanghai,
)
from crawler.items import FetchRecord, ListingEntry, Page, RawPage
from crawler.pages import ArticleReading, PagePool, default_workers
from crawler.parsing.classify import classify_list
from crawler.revisit import RevisitPolicy, read_known

LIST_PRIORITY = 100  # list pages first: the list decides which articles are due


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _headers(response) -> dict[str, str]:
    return {
        k.decode("latin-1").lower(): v[0].decode("latin-1")
        for k, v in response.headers.items()
        if v
    }


def _transport_outcome(failure) -> tuple[str, str]:
    exc = failure.value
    if isinstance(exc, DownloadTimeoutError | TimeoutError):
        return Outcome.TIMEOUT, "no answer within the timeout"
    if isinstance(exc, ResponseDataLossError):
        return Outcome.TRUNCATED, "connection closed before the page ended"
    if isinstance(exc, IgnoreRequest):
        return Outcome.ERROR, str(exc) or "request ignored (robots.txt?)"
    refused = (DownloadConnectionRefusedError, ConnectionRefusedError, CannotResolveHostError,
               DNSLookupError)
    if isinstance(exc, refused):
        return Outcome.ERROR, f"connection failed: {type(exc).__name__}"
    return Outcome.ERROR, f"{type(exc).__name__}: {exc}"[:200]


class ColumnSpider(scrapy.Spider):
    """Harvest one column of the 广东省巡视巡察工作专栏 (e.g. 整改落实).

    Arguments (``-a``): ``source`` the column's index URL, ``known`` a known.jsonl
    path, ``as_of`` YYYY-MM-DD, ``recent_days``, ``revisit_days``.
    """

    name = "column"

    def __init__(self, source: str, known: str | None = None, as_of: str | None = None,
                 recent_days: str = str(RECENT_DAYS), revisit_days: str = str(REVISIT_DAYS),
                 **kwargs):
        super().__init__(**kwargs)
        self.source = source
        parts = urlsplit(source)
        self.allowed_domains = [parts.hostname]
        self.column_prefix = urljoin(source, ".")  # the column's folder
        self.known = read_known(Path(known) if known else None)
        self.policy = RevisitPolicy(
            as_of=date.fromisoformat(as_of) if as_of else today_in_shanghai(),
            now=datetime.now(UTC),
            recent_days=int(recent_days),
            revisit_days=float(revisit_days),
        )
        self.pages_announced: set[str] = set()  # list page URLs the pager announced
        self.pages_done: dict[str, str] = {}  # list page URL -> outcome
        self.listed: set[str] = set()
        self.requested: set[str] = set()  # notice ids with an article request
        self.tail_scheduled = False
        self.first_page_outcome: tuple[str, str] | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        workers = settings.getint("ZGWATCH_READ_WORKERS", -1)
        spider.pages = PagePool(Path(settings["ZGWATCH_RAW_DIR"]),
                                default_workers(settings.getfloat("DOWNLOAD_DELAY"))
                                if workers < 0 else workers)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.pages.close, signal=signals.spider_closed)
        return spider

    # -- list pages --------------------------------------------------------

    async def start(self):
        self.pages_announced.add(self.source)
        yield self._list_request(self.source, page_no=1)

    def _list_request(self, url: str, page_no: int | None) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_list, errback=self.failed_list, priority=LIST_PRIORITY,
            meta={"handle_httpstatus_all": True, "page_no": page_no, "t0": time.monotonic()},
        )

    def _record(self, response_or_request, *, page_kind, outcome, reason=None, status=None,
                body=b"", headers=None, notice_id=None, sha=None, encoding=None, done=None,
                fetched_at=None):
        meta = response_or_request.meta
        headers = headers or {}
        done = done or time.monotonic()
        return FetchRecord(
            url=response_or_request.url,
            page_kind=page_kind,
            outcome=outcome,
            fetched_at=fetched_at or _now(),
            notice_id=notice_id,
            http_status=status,
            reason=reason,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            content_sha256=sha,
            bytes=len(body),
            elapsed_ms=int((done - meta.get("t0", done)) * 1000),
            encoding=encoding,
            page_no=meta.get("page_no"),
        )

    def parse_list(self, response):
        done = time.monotonic()  # elapsed_ms ends when the answer is in, before reading it
        headers = _headers(response)
        outcome, reason, page = classify_list(
            response.status, response.body, response.url, headers
        )
        self._list_done(response.request.url, outcome, reason)
        sha = RawPage.sha(response.body) if outcome == Outcome.OK else None
        fetch = self._record(response, page_kind=PageKind.LIST, outcome=outcome, reason=reason,
                             status=response.status, body=response.body, headers=headers,
                             sha=sha, encoding=response.encoding if outcome == Outcome.OK else None,
                             done=done)
        if page is None:
            yield Page(fetch)
            return
        page_no = page.page_no or response.meta.get("page_no")
        listings, due = [], []
        for index, entry in enumerate(page.entries):
            self.listed.add(entry.notice_id)
            listings.append(ListingEntry(
                notice_id=entry.notice_id, url=entry.url, title=entry.title,
                listed_on=entry.listed_on.isoformat() if entry.listed_on else None,
                page_no=page_no, position=index,
            ))
            if entry.notice_id not in self.requested:
                known = self.known.get(entry.notice_id)
                if known is None or known.status != "active" or self.policy.is_due(known):
                    due.append(self._article_request(entry.url, entry.notice_id, PageKind.ARTICLE))
        yield Page(fetch, raw=RawPage(sha256=sha, body=response.body), listings=listings)
        yield from due
        yield from self._follow_pager(page)

    def _follow_pager(self, page):
        """Every page the pager names; and, the platform's convention, every number up to 尾页."""
        urls = [u for u in page.page_urls if u.startswith(self.column_prefix)]
        last = page.last_url if page.last_url and page.last_url.startswith(self.column_prefix) \
            else None
        if last and (m := LIST_PAGE_URL.search(last)):
            stem = last[: m.start(1)]
            urls += [f"{stem}{n}{last[m.end(1):]}" for n in range(2, int(m.group(1)) + 1)]
        for url in urls:
            if url in self.pages_announced or self._is_first_page(url):
                continue
            self.pages_announced.add(url)
            m = LIST_PAGE_URL.search(url)
            yield self._list_request(url, int(m.group(1)) if m else None)

    def _is_first_page(self, url: str) -> bool:
        return url.rstrip("/") in (self.source.rstrip("/"), urljoin(self.source, "index.html"))

    def failed_list(self, failure):
        outcome, reason = _transport_outcome(failure)
        self._list_done(failure.request.url, outcome, reason)
        yield Page(self._record(failure.request, page_kind=PageKind.LIST, outcome=outcome,
                                reason=reason))

    def _list_done(self, url: str, outcome: str, reason: str | None) -> None:
        self.pages_done[url] = outcome
        if self._is_first_page(url) and self.first_page_outcome is None:
            self.first_page_outcome = (outcome, reason or "")

    # -- articles ----------------------------------------------------------

    def _article_request(self, url: str, notice_id: str, page_kind: str) -> scrapy.Request:
        self.requested.add(notice_id)
        headers = {}
        known = self.known.get(notice_id)
        if known is not None and known.status == "active":
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.failed_article, headers=headers,
            meta={"handle_httpstatus_all": True, "notice_id": notice_id,
                  "page_kind": page_kind, "t0": time.monotonic()},
        )

    async def parse_article(self, response):
        """Read in the page pool (another process): this callback waits, the crawl goes on."""
        done, fetched_at = time.monotonic(), _now()
        headers = _headers(response)
        notice_id = response.meta["notice_id"]
        try:
            read = await self.pages.read_article(response.status, response.body, response.url,
                                                 headers, notice_id, fetched_at)
        except Exception as exc:
            self.logger.exception("reading %s failed", response.url)
            read = ArticleReading.failed(exc)
        fetch = self._record(response, page_kind=response.meta["page_kind"],
                             outcome=read.outcome, reason=read.reason, status=response.status,
                             body=response.body, headers=headers, notice_id=notice_id,
                             sha=read.sha256, done=done, fetched_at=fetched_at,
                             encoding=response.encoding if read.record is not None else None)
        if read.record is not None and read.named != notice_id:
            self.logger.warning("article %s names itself %s", response.url, read.named)
        # its raw bytes are stored by the reader; one that could not stops the crawl (pipeline)
        yield Page(fetch, notice=read.record, storage_error=read.storage_error)

    def failed_article(self, failure):
        outcome, reason = _transport_outcome(failure)
        meta = failure.request.meta
        yield Page(self._record(failure.request, page_kind=meta["page_kind"], outcome=outcome,
                                reason=reason, notice_id=meta["notice_id"]))

    # -- after the list ------------------------------------------------------

    @property
    def list_complete(self) -> bool:
        return bool(self.pages_done) and all(
            self.pages_done.get(url) == Outcome.OK for url in self.pages_announced
        )

    def on_idle(self):
        """Once the list is walked: due notices not listed, and probes for the missing ones."""
        if self.tail_scheduled:
            self._final_stats()
            return
        self.tail_scheduled = True
        complete = self.list_complete
        scheduled = 0
        for notice in self.known.values():
            if notice.notice_id in self.requested or notice.notice_id in self.listed:
                continue
            if notice.status != "active":
                continue
            if complete:  # missing from a complete list: is the page gone (404/410)?
                request = self._article_request(notice.url, notice.notice_id, PageKind.PROBE)
            elif self.policy.is_due(notice):
                request = self._article_request(notice.url, notice.notice_id, PageKind.ARTICLE)
            else:
                continue
            self.crawler.engine.crawl(request)
            scheduled += 1
        if scheduled:
            raise DontCloseSpider
        self._final_stats()

    def _final_stats(self) -> None:
        """Written when the spider goes idle for good, before pipelines close."""
        stats = self.crawler.stats
        stats.set_value("zgwatch/list_complete", self.list_complete)
        stats.set_value("zgwatch/list_pages", len(self.pages_announced))
        stats.set_value("zgwatch/list_pages_ok",
                        sum(1 for o in self.pages_done.values() if o == Outcome.OK))
        stats.set_value("zgwatch/listed", len(self.listed))
        stats.set_value("zgwatch/articles_read_inline", self.pages.read_inline)
        stats.set_value("zgwatch/articles_read_in_pool", self.pages.read_pooled)
        first = self.first_page_outcome or (Outcome.ERROR, "the first list page was never fetched")
        stats.set_value("zgwatch/first_page_outcome", first[0])
        stats.set_value("zgwatch/first_page_reason", first[1])
