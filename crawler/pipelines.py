"""Write the crawl batch: JSON Lines per record type (raw pages are stored by their readers)."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.items import ListingEntry, Page


def _line(record) -> str:
    # records hold JSON types only (str, int, None, flat dicts and lists): no deep copy needed
    return json.dumps(vars(record), ensure_ascii=False) + "\n"


class BatchWriterPipeline:
    """Write each ``Page`` to ``ZGWATCH_BATCH_DIR``.

    ``fetches.jsonl`` is written line by line (``zgwatch crawl`` counts its lines
    for progress); ``notices.jsonl`` is buffered. Listing entries are kept and
    written at the end, ranked over the whole list (page order, then place on
    the page), once per notice.
    """

    def __init__(self, batch_dir: Path):
        self.batch_dir = batch_dir
        self.listings: dict[str, ListingEntry] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(Path(settings["ZGWATCH_BATCH_DIR"]))

    def open_spider(self, spider=None):
        self.batch_dir.mkdir(parents=True, exist_ok=True)
        self.fetches = (self.batch_dir / "fetches.jsonl").open("w", encoding="utf-8", buffering=1)
        self.notices = (self.batch_dir / "notices.jsonl").open("w", encoding="utf-8")

    def close_spider(self, spider=None):
        ranked = sorted(self.listings.values(), key=lambda e: (e.page_no or 0, e.position))
        with (self.batch_dir / "listings.jsonl").open("w", encoding="utf-8") as fh:
            for rank, entry in enumerate(ranked):
                entry.position = rank
                fh.write(_line(entry))
        self.notices.close()
        self.fetches.close()

    def process_item(self, item: Page, spider=None):
        for entry in item.listings:
            seen = self.listings.get(entry.notice_id)
            # a notice pushed across a page boundary mid-crawl shows twice: keep the first
            if seen is None or (entry.page_no or 0, entry.position) < (seen.page_no or 0,
                                                                       seen.position):
                self.listings[entry.notice_id] = entry
        if item.notice is not None:
            self.notices.write(_line(item.notice))
        self.fetches.write(_line(item.fetch))
        return item
