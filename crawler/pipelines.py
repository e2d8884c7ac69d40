"""Write the crawl batch: JSON Lines per record type (raw pages are stored by their readers)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from core.batch import Batch
from core.errors import os_error_text
from crawler.items import STORAGE_ERROR, STORE_FAILED, ListingEntry, Page

log = logging.getLogger(__name__)


def _line(record) -> str:
    # records hold JSON types only (str, int, None, flat dicts and lists): no deep copy needed
    return json.dumps(vars(record), ensure_ascii=False) + "\n"


class BatchWriterPipeline:
    """Write each ``Page`` to ``ZGWATCH_BATCH_DIR`` (its raw bytes are already stored).

    ``fetches.jsonl`` is written line by line (``zgwatch crawl`` counts its lines
    for progress); ``notices.jsonl`` is buffered. Listing entries are kept and
    written at the end, ranked over the whole list (page order, then place on
    the page), once per notice.

    A write that fails (a full disk, a folder that turned read-only) stops the
    crawl at once: reading on without storing would only spend the site's
    patience. The first failure is kept in the stats (``STORAGE_ERROR``) and the
    crawl closes with reason ``STORE_FAILED``; the batch then gets no ``DONE``.
    """

    def __init__(self, batch_dir: Path, crawler=None):
        self.batch_dir = batch_dir
        self.crawler = crawler
        self.listings: dict[str, ListingEntry] = {}
        self.failure: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(Path(settings["ZGWATCH_BATCH_DIR"]), crawler)

    def open_spider(self, spider=None):
        self.batch_dir.mkdir(parents=True, exist_ok=True)
        self.fetches = Batch(self.batch_dir).fetches.open("w", encoding="utf-8", buffering=1)
        self.notices = Batch(self.batch_dir).notices.open("w", encoding="utf-8")

    def close_spider(self, spider=None):
        listings = Batch(self.batch_dir).listings
        try:
            if self.failure is None:
                ranked = sorted(self.listings.values(),
                                key=lambda e: (e.page_no or 0, e.position))
                with listings.open("w", encoding="utf-8") as fh:
                    for rank, entry in enumerate(ranked):
                        entry.position = rank
                        fh.write(_line(entry))
        except OSError as exc:
            self._failed(os_error_text(exc, listings), stop=False)
        for fh in (self.notices, self.fetches):
            try:
                fh.close()  # a full disk may refuse the buffered tail
            except OSError as exc:
                self._failed(os_error_text(exc, fh.name), stop=False)

    def process_item(self, item: Page, spider=None):
        if self.failure is not None:
            return item  # the crawl is stopping; what is still in flight is not stored
        for entry in item.listings:
            seen = self.listings.get(entry.notice_id)
            # a notice pushed across a page boundary mid-crawl shows twice: keep the first
            if seen is None or (entry.page_no or 0, entry.position) < (seen.page_no or 0,
                                                                       seen.position):
                self.listings[entry.notice_id] = entry
        if item.notice is not None and not self._stored(self.notices.write,
                                                         _line(item.notice)):
            return item
        self._stored(self.fetches.write, _line(item.fetch))
        return item

    def _stored(self, write, *args) -> bool:
        """``write(*args)``; False (and the crawl stopping) when the file system refused it."""
        try:
            write(*args)
        except OSError as exc:
            handle = getattr(write, "__self__", None)
            self._failed(os_error_text(exc, getattr(handle, "name", None)))
            return False
        return True

    def _failed(self, text: str, *, stop: bool = True) -> None:
        """Keep the first storage failure and (unless closing already) stop the crawl."""
        if self.failure is not None:
            return
        self.failure = text
        log.error("cannot store the batch: %s", text)
        if self.crawler is None:
            return
        self.crawler.stats.set_value(STORAGE_ERROR, text)
        if stop:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason=STORE_FAILED))
