"""What ``zgwatch run`` shows while it works: one line per stage when it is done, and on a
terminal a live line for the crawl (list pages, notices, failures, rate, time left).

Stage lines are the pipeline's own INFO lines (logger ``zgwatch``), printed once, on
stdout, as each stage ends; warnings and errors stay on stderr. The live line
(Rich, transient) appears only when stdout is a terminal: under Airflow, cron or a
pipe nothing is added. It reads the batch the crawl writes (its fetches and listings,
``core.batch``), a line at a time, never the warehouse.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from core import batch
from core.vocabulary import CONTENT_OUTCOMES

STAGE_LOGGER = "zgwatch"


class StageLines(logging.Handler):
    """Prints the INFO lines of the ``zgwatch`` logger (the stages' one-line reports) on
    stdout, message only; looked up at each line, so a live display can take stdout over."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.addFilter(is_stage_line)
        self.before = None  # called before each line (the live crawl line steps aside)

    def emit(self, record: logging.LogRecord) -> None:
        if self.before is not None:
            self.before()
        print(record.getMessage(), file=sys.stdout, flush=True)


def is_stage_line(record: logging.LogRecord) -> bool:
    """A stage's own report: INFO (not a warning) from the ``zgwatch`` logger itself."""
    return record.name == STAGE_LOGGER and record.levelno == logging.INFO


def not_stage_line(record: logging.LogRecord) -> bool:
    return not is_stage_line(record)


class _Tail:
    """The lines appended to a JSON-lines file since the last read (whole lines only)."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def new(self) -> list[dict]:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            return []
        whole = data[: data.rfind(b"\n") + 1]
        self.offset += len(whole)
        return [json.loads(line) for line in whole.splitlines() if line.strip()]


class CrawlCounts:
    """What a crawl has done so far, read from its batch folder."""

    def __init__(self, batch_dir: Path) -> None:
        self._fetches = _Tail(batch_dir / batch.FETCHES)
        self._listings = _Tail(batch_dir / batch.LISTINGS)
        known = batch_dir / batch.KNOWN
        self.known = sum(1 for _ in known.open("rb")) if known.exists() else 0
        self.list_pages = self.articles = self.failed = self.listed = 0
        self.started = time.monotonic()

    def update(self) -> None:
        for fetch in self._fetches.new():
            if fetch.get("page_kind") == "list":
                self.list_pages += 1
            else:
                self.articles += 1
            if fetch.get("outcome") not in CONTENT_OUTCOMES:
                self.failed += 1
        self.listed += len(self._listings.new())

    @property
    def requests(self) -> int:
        return self.list_pages + self.articles

    def rate(self) -> float:
        """Requests per second so far."""
        return self.requests / max(time.monotonic() - self.started, 1e-6)

    def seconds_left(self) -> float | None:
        """On a first harvest (nothing known yet) every listed notice is read: the articles
        still to fetch at the rate so far. Later cycles revisit a share only: unknown."""
        if self.known or not self.listed or not self.requests:
            return None
        return max(self.listed - self.articles, 0) / self.rate()

    def line(self) -> str:
        left = self.seconds_left()
        eta = f" · about {left:.0f} s left" if left is not None else ""
        return (f"crawling: {self.list_pages} list page(s), {self.articles} notice(s), "
                f"{self.failed} failed · {self.rate():.1f} req/s{eta}")


class LiveCrawl:
    """The crawl's live line on a terminal (Rich, transient): ``pipeline.crawl``'s
    ``progress``. ``batches_dir`` is where the crawl makes its batch (the newest folder is
    the one being written); ``stop()`` when the crawl is over."""

    def __init__(self, batches_dir: Path) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        self._text = Text
        self.batches_dir = batches_dir
        self.counts: CrawlCounts | None = None
        self.live = Live(Text("crawling…"), console=Console(), transient=True,
                         refresh_per_second=4)
        self.done = False

    def stop(self) -> None:
        """The crawl is over (its stage line comes next): the live line goes, for good."""
        if not self.done:
            self.done = True
            self.live.stop()

    def __call__(self, fetched: int) -> None:
        if self.done:
            return
        if self.counts is None:
            batches = sorted(p for p in self.batches_dir.iterdir() if p.is_dir())
            if not batches:
                return
            self.counts = CrawlCounts(batches[-1])
            self.live.start()
        self.counts.update()
        self.live.update(self._text(self.counts.line()))
