"""Write the crawl batch: JSON Lines per record type, raw pages by content hash."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import asdict
from pathlib import Path

from crawler.items import FetchRecord, ListingEntry, NoticeRecord, RawPage

FILES = {FetchRecord: "fetches.jsonl", NoticeRecord: "notices.jsonl"}


class BatchWriterPipeline:
    """Write records to ``ZGWATCH_BATCH_DIR``, raw pages to ``ZGWATCH_RAW_DIR``.

    Listing entries are buffered and written at the end, ranked over the whole
    list (page order, then place on the page), once per notice.
    """

    def __init__(self, batch_dir: Path, raw_dir: Path):
        self.batch_dir = batch_dir
        self.raw_dir = raw_dir
        self.files: dict[type, object] = {}
        self.listings: dict[str, ListingEntry] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(Path(settings["ZGWATCH_BATCH_DIR"]), Path(settings["ZGWATCH_RAW_DIR"]))

    def open_spider(self, spider=None):
        self.batch_dir.mkdir(parents=True, exist_ok=True)
        for kind, name in FILES.items():
            self.files[kind] = (self.batch_dir / name).open("w", encoding="utf-8", buffering=1)

    def close_spider(self, spider=None):
        ranked = sorted(self.listings.values(), key=lambda e: (e.page_no or 0, e.position))
        with (self.batch_dir / "listings.jsonl").open("w", encoding="utf-8") as fh:
            for rank, entry in enumerate(ranked):
                entry.position = rank
                fh.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        for fh in self.files.values():
            fh.close()

    def process_item(self, item, spider=None):
        if isinstance(item, RawPage):
            self._store_raw(item)
        elif isinstance(item, ListingEntry):
            seen = self.listings.get(item.notice_id)
            # a notice pushed across a page boundary mid-crawl shows twice: keep the first
            if seen is None or (item.page_no or 0, item.position) < (seen.page_no or 0,
                                                                     seen.position):
                self.listings[item.notice_id] = item
        else:
            fh = self.files[type(item)]
            fh.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
        return item

    def _store_raw(self, page: RawPage) -> None:
        path = self.raw_dir / page.sha256[:2] / f"{page.sha256}.html.gz"
        if path.exists():
            return  # content-addressed: the same bytes are stored once
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with gzip.open(tmp, "wb", compresslevel=6) as fh:
            fh.write(page.body)
        os.replace(tmp, path)
