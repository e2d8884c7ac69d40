"""Crawl the replica for real (a Scrapy subprocess over HTTP) and read the batch back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.vocabulary import today_in_shanghai
from crawler.runner import CrawlOptions, CrawlResult, run_crawl


def _lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@dataclass
class Batch:
    result: CrawlResult

    @property
    def dir(self) -> Path:
        return self.result.batch_dir

    @property
    def summary(self) -> dict:
        return self.result.summary

    @property
    def fetches(self) -> list[dict]:
        return _lines(self.dir / "fetches.jsonl")

    @property
    def listings(self) -> list[dict]:
        return _lines(self.dir / "listings.jsonl")

    @property
    def notices(self) -> dict[str, dict]:
        return {n["notice_id"]: n for n in _lines(self.dir / "notices.jsonl")}

    def fetch_of(self, notice_id: str) -> dict:
        rows = [f for f in self.fetches if f["notice_id"] == notice_id]
        assert len(rows) == 1, rows
        return rows[0]

    def known(self, path: Path, previous: dict[str, dict] | None = None) -> Path:
        """A known.jsonl as the warehouse would write it after loading this batch."""
        rows = dict(previous or {})
        for n in self.notices.values():
            rows[n["notice_id"]] = {
                "notice_id": n["notice_id"], "url": n["url"], "status": "active",
                "published_on": n["published_on"], "publicity_start": n["publicity_start"],
                "publicity_end": n["publicity_end"], "last_checked_at": n["fetched_at"],
                "etag": n["etag"], "last_modified": n["last_modified"],
            }
        path.write_text("".join(json.dumps(r) + "\n" for r in rows.values()), encoding="utf-8")
        return path


def crawler_in(tmp_path: Path):
    """``crawl(url, known=None, read_workers=None, timeout=2, as_of=..., **CrawlOptions)
    -> Batch``: one real crawl into ``tmp_path/data``, its batch."""
    counter = iter(range(1, 1000))

    def run(url: str, known: Path | None = None, read_workers: int | None = None,
            **options) -> Batch:
        crawl_options = CrawlOptions(source=url, raw_dir=tmp_path / "data" / "raw",
                                     as_of=options.pop("as_of", today_in_shanghai()), delay=0,
                                     timeout=options.pop("timeout", 2), **options)
        batch_dir = tmp_path / "data" / "batches" / f"b{next(counter):03d}"
        return Batch(run_crawl(crawl_options, batch_dir, known, read_workers=read_workers))

    return run


@pytest.fixture
def crawl(tmp_path):
    """``crawl(url, known=None, read_workers=None, timeout=2, as_of=...) -> Batch``: one real
    crawl, its batch."""
    return crawler_in(tmp_path)
