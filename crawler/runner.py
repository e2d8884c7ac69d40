"""Start a crawl in its own process and report on it (the crawl stage's entry point)."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from zgwatch.config import Settings
from zgwatch.errors import StageFailed


@dataclass(frozen=True)
class CrawlResult:
    batch_dir: Path
    summary: dict

    @property
    def column_readable(self) -> bool:
        return self.summary.get("first_page_outcome") == "ok"

    def line(self) -> str:
        """One line for logs: pages, ok, unchanged, failed by reason, seconds."""
        s = self.summary
        outcomes = dict(s.get("outcomes", {}))
        ok, unchanged = outcomes.pop("ok", 0), outcomes.pop("not_modified", 0)
        failed = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "none"
        return (
            f"crawl {s.get('batch_id')}: {s.get('requests', 0)} requests "
            f"({s.get('list_pages_ok', 0)}/{s.get('list_pages', 0)} list pages, "
            f"{s.get('listed', 0)} notices listed), ok {ok}, unchanged {unchanged}, "
            f"failed: {failed}; {s.get('seconds', 0):.1f} s"
        )


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


def run_crawl(settings: Settings, batch_dir: Path, known: Path | None, *,
              concurrency: int = 1, backoff: float | None = None,
              read_workers: int | None = None,
              progress: Callable[[int], None] | None = None) -> CrawlResult:
    """Crawl ``settings.source`` into ``batch_dir`` in a subprocess; raise if it did not finish.

    ``progress``, if given, is called with the number of fetches so far while it runs.
    """
    batch_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "crawler.run",
        "--source", settings.source,
        "--batch-dir", str(batch_dir),
        "--raw-dir", str(settings.raw_dir),
        "--as-of", settings.as_of.isoformat(),
        "--delay", str(settings.delay),
        "--timeout", str(settings.timeout),
        "--user-agent", settings.user_agent,
        "--recent-days", str(settings.recent_days),
        "--revisit-days", str(settings.revisit_days),
        "--concurrency", str(concurrency),
        "--backoff", str(settings.delay if backoff is None else backoff),
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
            f"crawl of {settings.source} did not finish (exit {proc.returncode}): {tail[0]}; "
            f"log: {batch_dir / 'crawl.log'}"
        )
    return CrawlResult(batch_dir, json.loads(summary_path.read_text(encoding="utf-8")))
