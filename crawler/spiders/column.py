"""The spider: walks the column's list through its pager and fetches the articles that are due.

It only walks links and records what each fetch was; reading a page is the
pure functions of ``crawler.parsing``. Nothing here knows the replica.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    CloseSpider,
    DontCloseSpider,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError

from core.errors import os_error_text
from core.vocabulary import (
    BARREN_LIST_PAGES,
    MAX_LIST_PAGES,
    RECENT_DAYS,
    REVISIT_DAYS,
    Outcome,
    PageKind,
)
from crawler.items import STORAGE_ERROR, STORE_FAILED, FetchRecord, ListingEntry, Page, RawPage
from crawler.pages import ArticleReading, PagePool, default_workers, store_raw
from crawler.parsing.classify import classify_list
from crawler.profiles import AUTO, profile_named
from crawler.revisit import RevisitPolicy, read_known

# Why an article link was not followed (vocabulary.NOTICE_ID: ASCII digits, at most 20).
REJECTED_ID = "not a notice id (post_N.html with N of 1 to 20 ASCII digits): not fetched"
LIST_PRIORITY = 100  # list pages first: the list decides which articles are due
LIST_AHEAD = 2  # list pages asked for before the one in hand is read: one fetched, one queued
# What a list page that adds no notice answered: the site spoke, and said nothing new.
_BARREN_OUTCOMES = frozenset({Outcome.OK, Outcome.EMPTY_LIST, Outcome.NOT_FOUND,
                              Outcome.WRONG_PAGE})


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

    Arguments (from ``crawler.process``): ``source`` the column's index URL,
    ``as_of`` the cycle's date (a ``date``, required: the caller decides "today"),
    ``known`` the batch's known-notices snapshot, ``recent_days``, ``revisit_days``,
    ``profile`` a built-in profile's name or ``auto`` (``crawler.profiles``), ``quick``
    (the watcher's cycle, docs/operators.md): the list pages only up to the first one that
    lists a known notice, the due articles listed on them, nothing else (no revisits of
    notices not listed there, no probes for missing ones); the list is then incomplete, so
    such a crawl never counts towards a removal.
    """

    name = "column"

    def __init__(self, source: str, *, as_of: date, known: str | None = None,
                 recent_days: str = str(RECENT_DAYS), revisit_days: str = str(REVISIT_DAYS),
                 profile: str = AUTO, quick: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.quick = quick
        self.reached_known = False  # quick: a list page listed a known notice; walk no further
        self.source = source
        # auto: until a list page shows which shape its articles have
        self.profile = profile_named(profile)
        parts = urlsplit(source)
        self.allowed_domains = [parts.hostname]
        self.column_prefix = urljoin(source, ".")  # the column's folder
        self.known = read_known(Path(known) if known else None)
        self.policy = RevisitPolicy(
            as_of=as_of,  # the cycle's date, decided once by its caller (Settings.as_of)
            now=datetime.now(UTC),
            recent_days=int(recent_days),
            revisit_days=float(revisit_days),
        )
        self.pages_announced: set[str] = set()  # list page URLs requested
        self.pages_done: dict[str, str] = {}  # list page URL -> outcome
        self.listed: set[str] = set()
        self.requested: set[str] = set()  # notice ids with an article request
        self.rejected: set[str] = set()  # article links whose id is no notice id
        self.tail_scheduled = False
        self.first_page_outcome: tuple[str, str] | None = None
        # The list walk (``_walk``): pages are asked for a few at a time, up to a bound.
        self.max_list_pages = MAX_LIST_PAGES
        self.scheme = None  # how page N is addressed (crawler.parsing.pager.PageScheme)
        self.stated_pages = 1  # the highest page number a pager named
        self.first_page_states = 1  # ... the first page's pager
        self.next_page_no = 2
        self.lists_in_flight = 0
        self.unnumbered: deque[str] = deque()  # pager links of another shape, to read
        self.barren: list[str] = []  # the latest list pages in a row that added no notice
        self.runaway: str | None = None  # why the walk stopped short (list_runaway)
        # why the crawl itself ran away (invented notices, the time budget): an incident
        self.crawl_runaway: str | None = None
        self.new_listed = 0  # notices listed that the warehouse does not know
        self.storage_error: str | None = None  # why a page could not be stored

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        workers = settings.getint("ZGWATCH_READ_WORKERS", -1)
        spider.raw_dir = Path(settings["ZGWATCH_RAW_DIR"])
        spider.pages = PagePool(spider.raw_dir,
                                default_workers(settings.getfloat("DOWNLOAD_DELAY"))
                                if workers < 0 else workers)
        spider.max_list_pages = settings.getint("ZGWATCH_MAX_LIST_PAGES", MAX_LIST_PAGES)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.pages.close, signal=signals.spider_closed)
        # a crawl closed early (a page not stored, a signal, the budget) never goes idle
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        spider.budget = settings.getfloat("CLOSESPIDER_TIMEOUT")
        return spider

    # -- list pages --------------------------------------------------------

    async def start(self):
        yield self._list_request(self.source, page_no=1)

    def _list_request(self, url: str, page_no: int | None) -> scrapy.Request:
        self.pages_announced.add(url)
        self.lists_in_flight += 1
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
            response.status, response.body, response.url, headers, self.profile
        )
        if page is not None and self.profile.article is None:
            self.profile = page.profile  # the shape this list showed: every page reads by it
        sha = RawPage.sha(response.body) if outcome == Outcome.OK else None
        if page is not None and not self._stored(sha, response.body):
            outcome, reason, page, sha = Outcome.ERROR, f"page not stored: {self.storage_error}", \
                None, None
        self._list_done(response.request.url, outcome, reason)
        fetch = self._record(response, page_kind=PageKind.LIST, outcome=outcome, reason=reason,
                             status=response.status, body=response.body, headers=headers,
                             sha=sha, encoding=page.encoding if page is not None else None,
                             done=done)
        if page is None:
            yield Page(fetch)
            if self.storage_error:
                raise CloseSpider(STORE_FAILED)
            yield from self._walk(response.request.url, outcome, added=0)
            return
        page_no = page.page_no or response.meta.get("page_no")
        listings, due = [], []
        added = 0
        for index, entry in enumerate(page.entries):
            if self._invented(entry.notice_id):
                break
            added += entry.notice_id not in self.listed
            self.listed.add(entry.notice_id)
            self.reached_known |= self.quick and entry.notice_id in self.known
            listings.append(ListingEntry(
                notice_id=entry.notice_id, url=entry.url, title=entry.title,
                listed_on=entry.listed_on.isoformat() if entry.listed_on else None,
                page_no=page_no, position=index,
            ))
            if entry.notice_id not in self.requested:
                known = self.known.get(entry.notice_id)
                if known is None or known.status != "active" or self.policy.is_due(known):
                    due.append(self._article_request(entry.url, entry.notice_id, PageKind.ARTICLE))
        yield Page(fetch, listings=listings)
        yield from self._rejected(page)
        if self.crawl_runaway and self.runaway is None:  # this page held the notice too many
            yield self._stop_walk(response.request.url, page_no, self.crawl_runaway,
                                  fetched=True)
        self._read_pager(page, first=self._is_first_page(response.request.url))
        # the next list pages before this page's articles: one hanging article must not
        # hold up the list (the downloader may take a request as soon as it is yielded)
        yield from self._walk(response.request.url, outcome, added)
        yield from due

    def _invented(self, notice_id: str) -> bool:
        """Whether ``notice_id`` is one new notice more than the column has ever listed (the
        warehouse's known notices): a column inventing notices, stopped there. A first
        cycle (nothing known) lists everything."""
        if notice_id in self.listed or notice_id in self.known or not self.known:
            return False
        if self.new_listed >= len(self.known):
            self.crawl_runaway = (f"more new notices in one cycle ({self.new_listed + 1} or "
                                  f"more) than the column has ever listed ({len(self.known)})")
            return True
        self.new_listed += 1
        return False

    def _rejected(self, page):
        """An article link whose id is no notice id: recorded once as an ``error`` fetch,
        never requested, never listed (a look-alike or a runaway id must not become a notice)."""
        for url in page.rejected:
            if url in self.rejected:
                continue
            self.rejected.add(url)
            self.logger.warning("not a notice id, not fetched: %s", url)
            yield Page(FetchRecord(url=url, page_kind=PageKind.ARTICLE, outcome=Outcome.ERROR,
                                   fetched_at=_now(), reason=REJECTED_ID, page_no=page.page_no))

    def _stored(self, sha: str | None, body: bytes) -> bool:
        """Keep an ok list page's bytes; False (and ``storage_error``) when they cannot be."""
        if sha is None:
            return True
        try:
            store_raw(self.raw_dir, sha, body)
        except OSError as exc:
            self.storage_error = os_error_text(exc)
            return False
        return True

    # -- the list walk -----------------------------------------------------------
    #
    # Bounded by what the site says: the highest page number its pagers name (the
    # platform's pager names a window of numbers and 尾页; every number up to it is
    # read, so two pages failing in a row hide nothing), a few list pages at a time
    # (never every number up to 尾页 at once), stopping when BARREN_LIST_PAGES pages
    # in a row add no notice, or at ``max_list_pages``. Stopping short is recorded
    # as a ``list_runaway`` fetch and leaves the list incomplete.

    def _read_pager(self, page, *, first: bool) -> None:
        """What a list page's pager says: the pages it names, the highest number (the first
        page scheme seen, ``index_N.html``, ``?page=N``, a script's, sets the numbering)."""
        if self.scheme is None and page.scheme is not None \
                and page.scheme.prefix.startswith(self.column_prefix):
            self.scheme = page.scheme
        if page.stated_pages and self.scheme is not None:
            self.stated_pages = max(self.stated_pages, page.stated_pages)
        last = page.last_url if page.last_url and page.last_url.startswith(self.column_prefix) \
            else None
        for url in (*page.page_urls, *([last] if last else [])):
            if not url.startswith(self.column_prefix) or self._is_first_page(url):
                continue
            if (number := self.scheme.number(url) if self.scheme else None) is not None:
                self.stated_pages = max(self.stated_pages, number)
            elif url not in self.pages_announced and url not in self.unnumbered:
                self.unnumbered.append(url)
        if first:
            self.first_page_states = self.stated_pages

    def _page_url(self, page_no: int) -> str:
        return self.scheme.url(page_no)

    def _walk(self, url: str, outcome: str, added: int):
        """After a list page: count it, and ask for the next pages while the bound allows."""
        self.lists_in_flight -= 1
        if added:
            self.barren.clear()
        elif outcome in _BARREN_OUTCOMES:
            self.barren.append(url)
        while self.runaway is None and self.lists_in_flight < LIST_AHEAD \
                and not self.reached_known:
            url, page_no = self._next_list_page()
            if url is None:
                return
            if len(self.barren) >= BARREN_LIST_PAGES:
                yield self._stop_walk(url, page_no, (
                    f"{len(self.barren)} list pages in a row added no notice "
                    f"({self._names(self.barren)}), yet the pager names more; "
                    f"the first page states {self.first_page_states} pages, "
                    f"the pagers up to {self.stated_pages}"))
            elif len(self.pages_announced) >= self.max_list_pages:
                yield self._stop_walk(url, page_no, (
                    f"read {len(self.pages_announced)} list pages, the hard cap "
                    f"(max_list_pages = {self.max_list_pages}); the pagers name "
                    f"{max(self.stated_pages, page_no or 0)}"))
            else:
                if page_no is not None:
                    self.next_page_no += 1
                else:
                    self.unnumbered.popleft()
                yield self._list_request(url, page_no)

    def _next_list_page(self) -> tuple[str | None, int | None]:
        """The next list page to read (URL, number), or (None, None) when the walk is done."""
        while self.unnumbered and self.unnumbered[0] in self.pages_announced:
            self.unnumbered.popleft()
        if self.unnumbered:
            return self.unnumbered[0], None
        if self.scheme is not None and self.next_page_no <= self.stated_pages:
            return self._page_url(self.next_page_no), self.next_page_no
        return None, None

    @staticmethod
    def _names(urls: list[str]) -> str:
        names = [u.rsplit("/", 1)[-1] for u in sorted(urls, key=lambda u: (len(u), u))]
        return ", ".join(names) if len(names) <= 3 else f"{names[0]} … {names[-1]}"

    def _stop_walk(self, url: str, page_no: int | None, reason: str, *,
                   fetched: bool = False) -> Page:
        """Record the page not read (or, ``fetched``, read only in part) as a
        ``list_runaway`` fault; no more list pages."""
        self.runaway = reason
        if not fetched:
            self.pages_done[url] = Outcome.LIST_RUNAWAY
        self.logger.warning("list_runaway: the list walk stopped %s %s: %s",
                            "at" if fetched else "before", url, reason)
        return Page(FetchRecord(url=url, page_kind=PageKind.LIST, outcome=Outcome.LIST_RUNAWAY,
                                fetched_at=_now(), reason=reason, page_no=page_no))

    def _is_first_page(self, url: str) -> bool:
        return url.rstrip("/") in (self.source.rstrip("/"), urljoin(self.source, "index.html"))

    def failed_list(self, failure):
        outcome, reason = _transport_outcome(failure)
        url = failure.request.url
        self._list_done(url, outcome, reason)
        yield Page(self._record(failure.request, page_kind=PageKind.LIST, outcome=outcome,
                                reason=reason))
        yield from self._walk(url, outcome, added=0)

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
                                                 headers, notice_id, fetched_at, self.profile)
        except Exception as exc:
            self.logger.exception("reading %s failed", response.url)
            read = ArticleReading.failed(exc)
        fetch = self._record(response, page_kind=response.meta["page_kind"],
                             outcome=read.outcome, reason=read.reason, status=response.status,
                             body=response.body, headers=headers, notice_id=notice_id,
                             sha=read.sha256, done=done, fetched_at=fetched_at,
                             encoding=read.encoding)
        if read.record is not None and read.named != notice_id:
            self.logger.warning("article %s names itself %s", response.url, read.named)
        yield Page(fetch, notice=read.record)  # its raw bytes are stored by the reader
        if read.storage_error:
            self.storage_error = read.storage_error
            raise CloseSpider(STORE_FAILED)

    def failed_article(self, failure):
        outcome, reason = _transport_outcome(failure)
        meta = failure.request.meta
        yield Page(self._record(failure.request, page_kind=meta["page_kind"], outcome=outcome,
                                reason=reason, notice_id=meta["notice_id"]))

    # -- after the list ------------------------------------------------------

    @property
    def list_complete(self) -> bool:
        """Every list page the walk asked for was read ok, and it was not stopped short."""
        return self.runaway is None and not self.reached_known and bool(self.pages_done) and all(
            self.pages_done.get(url) == Outcome.OK for url in self.pages_announced
        )

    def on_idle(self):
        """Once the list is walked: due notices not listed, and probes for the missing ones."""
        if self.tail_scheduled:
            self._final_stats()
            return
        self.tail_scheduled = True
        if self.quick:  # what changed is on the pages read; the full cycle does the rest
            self._final_stats()
            return
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

    def _closed(self, reason: str) -> None:
        """The crawl ends: stopped at its time budget, it is a runaway; the final stats."""
        if reason == "closespider_timeout":
            self.crawl_runaway = self.crawl_runaway or (
                f"stopped at the time budget (crawl_budget = {self.budget:g} s) with "
                f"{len(self.pages_announced)} list pages and {len(self.requested)} articles "
                "asked for")
            self.runaway = self.runaway or self.crawl_runaway
            self.logger.warning("crawl_runaway: %s", self.crawl_runaway)
        self._final_stats()

    def _final_stats(self) -> None:
        """Written when the spider goes idle for good, before pipelines close."""
        stats = self.crawler.stats
        stats.set_value("zgwatch/list_complete", self.list_complete)
        stats.set_value("zgwatch/list_pages", len(self.pages_announced))
        stats.set_value("zgwatch/list_pages_ok",
                        sum(1 for o in self.pages_done.values() if o == Outcome.OK))
        stats.set_value("zgwatch/listed", len(self.listed))
        stats.set_value("zgwatch/list_runaway", self.runaway)
        stats.set_value("zgwatch/profile", self.profile.name)
        stats.set_value("zgwatch/pager", self.scheme.kind if self.scheme else None)
        stats.set_value("zgwatch/runaway", self.crawl_runaway)
        stats.set_value("zgwatch/quick", self.quick)
        if self.storage_error:
            stats.set_value(STORAGE_ERROR, self.storage_error)
        stats.set_value("zgwatch/articles_read_inline", self.pages.read_inline)
        stats.set_value("zgwatch/articles_read_in_pool", self.pages.read_pooled)
        first = self.first_page_outcome or (Outcome.ERROR, "the first list page was never fetched")
        stats.set_value("zgwatch/first_page_outcome", first[0])
        stats.set_value("zgwatch/first_page_reason", first[1])
