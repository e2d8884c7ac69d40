"""Start a crawl in its own process and report on it (the crawl stage's entry point).

Scrapy's reactor cannot restart inside a process, so every crawl is
``python -m crawler.process`` in a subprocess; ``run_crawl`` starts it with a
``CrawlOptions`` and reads back the batch's ``summary.json``.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from core import vocabulary as v
from core.errors import StageFailed


@dataclass(frozen=True)
class CrawlOptions:
    """What one crawl needs: the column, where raw pages go, the day, politeness."""

    source: str
    raw_dir: Path
    as_of: date
    delay: float = v.DELAY
    timeout: float = v.TIMEOUT
    user_agent: str = v.USER_AGENT
    recent_days: int = v.RECENT_DAYS
    revisit_days: float = v.REVISIT_DAYS


@dataclass(frozen=True)
class CrawlResult:
    batch_dir: Path
    summary: dict

    @property
    def column_readable(self) -> bool:
        return self.summary.get("first_page_outcome") == v.Outcome.OK

    def line(self) -> str:
        """One line for logs: pages, ok, unchanged, failed by reason, seconds."""
        s = self.summary
        outcomes = dict(s.get("outcomes", {}))
        ok, unchanged = outcomes.pop(v.Outcome.OK, 0), outcomes.pop(v.Outcome.NOT_MODIFIED, 0)
        failed = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "none"
        return (
            f"crawl {s.get('batch_id')}: {s.get('requests', 0)} requests "
            f"({s.get('list_pages_ok', 0)}/{s.get('list_pages', 0)} list pages, "
            f"{s.get('listed', 0)} notices listed), ok {ok}, unchanged {unchanged}, "
            f"failed: {failed}; {s.get('seconds', 0):.1f} s"
        )


    def failures(self) -> list[dict]:
        """The batch's fetches that brought no content (``fetches.jsonl`` rows), in crawl order."""
        out = []
        with (self.batch_dir / "fetches.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row.get("outcome") not in v.CONTENT_OUTCOMES:
                    out.append(row)
        return out


def failure_line(fetch: dict) -> str:
    """One failed fetch for a log: ``<url> server_error (HTTP 503): <reason>``."""
    status = f" (HTTP {fetch['http_status']})" if fetch.get("http_status") else ""
    reason = " ".join((fetch.get("reason") or "no reason given").split())[:200]
    return f"failed fetch: {fetch['url']} {fetch['outcome']}{status}: {reason}"


def new_batch_id(now: datetime | None = None) -> str:
    """``YYYYMMDDTHHMMSSmmmZ-xxxxxx`` (UTC, milliseconds): sorts in time order, unique."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{secrets.token_hex(3)}"


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


def run_crawl(options: CrawlOptions, batch_dir: Path, known: Path | None, *,
              concurrency: int = 1, backoff: float | None = None,
              read_workers: int | None = None,
              progress: Callable[[int], None] | None = None) -> CrawlResult:
    """Crawl ``options.source`` into ``batch_dir`` in a subprocess; raise if it did not finish.

    ``progress``, if given, is called with the number of fetches so far while it runs.
    """
    batch_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "crawler.process",
        "--source", options.source,
        "--batch-dir", str(batch_dir),
        "--raw-dir", str(options.raw_dir),
        "--as-of", options.as_of.isoformat(),
        "--delay", str(options.delay),
        "--timeout", str(options.timeout),
        "--user-agent", options.user_agent,
        "--recent-days", str(options.recent_days),
        "--revisit-days", str(options.revisit_days),
        "--concurrency", str(concurrency),
        "--backoff", str(options.delay if backoff is None else backoff),
    ]
    if known is not None:
        cmd += ["--known", str(known)]
    if read_workers is not None:  # processes reading articles (crawler.pages)
        cmd += ["--read-workers", str(read_workers)]
    stderr_path = batch_dir / "crawl.stderr"
    with stderr_path.open("w") as err, subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=err
    ) as proc:
        if progress is not None:
            fetches = batch_dir / "fetches.jsonl"
            while True:
                try:
                    proc.wait(timeout=0.25)
                    break
                except subprocess.TimeoutExpired:
                    progress(_count_lines(fetches))
        proc.wait()
    stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
    summary_path = batch_dir / "summary.json"
    if proc.returncode != 0 or not (batch_dir / "DONE").exists():
        tail = (stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise StageFailed(
            f"crawl of {options.source} did not finish (exit {proc.returncode}): {tail[0]}; "
            f"log: {batch_dir / 'crawl.log'}"
        )
    return CrawlResult(batch_dir, json.loads(summary_path.read_text(encoding="utf-8")))
