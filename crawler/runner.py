"""Start a crawl in its own process and report on it (the crawl stage's entry point).

Scrapy's reactor cannot restart inside a process, so every crawl is
``python -m crawler.process`` in a subprocess; ``run_crawl`` starts it with a
``CrawlOptions`` and reads back the batch's ``summary.json``.

The subprocess ends with its caller: on any exception here (Ctrl-C, SIGTERM
turned into an exception by the CLI) it is stopped before the exception goes
on, and if the caller is killed outright the kernel stops it
(``crawler.process.die_with_parent``).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core import vocabulary as v
from core.batch import Batch
from core.errors import StageFailed
from crawler.process import SAYS
from crawler.profiles import AUTO


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
    max_list_pages: int = v.MAX_LIST_PAGES
    profile: str = AUTO  # a built-in site profile's name (crawler.profiles), or auto
    crawl_budget: float = v.CRAWL_BUDGET  # seconds; past it the crawl stops with what it has
    quick: bool = False  # the watcher's crawl: up to the first known notice (ColumnSpider)


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
        line = (
            f"crawl {s.get('batch_id')}: {s.get('requests', 0)} requests "
            f"({s.get('list_pages_ok', 0)}/{s.get('list_pages', 0)} list pages, "
            f"{s.get('listed', 0)} notices listed), ok {ok}, unchanged {unchanged}, "
            f"failed: {failed}; {s.get('seconds', 0):.1f} s"
        )
        if s.get("list_runaway"):
            line += f"; {v.Outcome.LIST_RUNAWAY}: list incomplete, {s['list_runaway']}"
        return line


    def failures(self) -> list[dict]:
        """The batch's fetches that brought no content (``fetches.jsonl`` rows), in crawl order."""
        return [row for row in Batch(self.batch_dir).fetch_rows()
                if row.get("outcome") not in v.CONTENT_OUTCOMES]


def failure_line(fetch: dict) -> str:
    """One failed fetch for a log: ``<url> server_error (HTTP 503): <reason>``."""
    status = f" (HTTP {fetch['http_status']})" if fetch.get("http_status") else ""
    reason = " ".join((fetch.get("reason") or "no reason given").split())[:200]
    return f"failed fetch: {fetch['url']} {fetch['outcome']}{status}: {reason}"


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


def check_raw_dir(raw_dir: Path) -> None:
    """Raise ``StageFailed`` unless raw pages can be written to ``raw_dir`` (made if missing).

    Checked before the first request: a crawl that could store nothing would
    only load the site.
    """
    try:
        raw_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=raw_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise StageFailed(f"raw pages folder {raw_dir}: cannot write to it "
                          f"({exc.strerror or exc})") from None


STOP_WAIT = 10.0  # seconds to wait for a stopped crawl (crawler.process.STOP_GRACE is 5)


def _stop(proc: subprocess.Popen) -> None:
    """Stop the crawl now: SIGTERM (it stops within its grace), then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_crawl(options: CrawlOptions, batch_dir: Path, known: Path | None, *,
              concurrency: int = 1, backoff: float | None = None,
              read_workers: int | None = None,
              progress: Callable[[int], None] | None = None,
              inherit_fds: tuple[int, ...] = ()) -> CrawlResult:
    """Crawl ``options.source`` into ``batch_dir`` in a subprocess; raise if it did not finish.

    ``progress``, if given, is called with the number of fetches so far while it runs.
    ``inherit_fds`` are descriptors the crawl keeps open for as long as it lives (the
    caller's cycle lock: a crawl outliving its caller still holds it). Raises
    ``StageFailed`` before any request when the raw-page folder is not writable.
    """
    check_raw_dir(options.raw_dir)
    batch_dir.mkdir(parents=True, exist_ok=True)
    batch = Batch(batch_dir)
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
        "--max-list-pages", str(options.max_list_pages),
        "--profile", options.profile,
        "--budget", str(options.crawl_budget),
        "--parent-pid", str(os.getpid()),
    ]
    if known is not None:
        cmd += ["--known", str(known)]
    if options.quick:
        cmd.append("--quick")
    if read_workers is not None:  # processes reading articles (crawler.pages)
        cmd += ["--read-workers", str(read_workers)]
    # stderr goes through a pipe, not straight to a file in the batch: on a full disk that
    # file stays empty and the reason with it. The last lines are kept for the message.
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          pass_fds=inherit_fds) as proc:
        tail = _StderrTail(proc.stderr, batch.stderr)
        try:
            _wait(proc, batch.fetches, progress)
        except BaseException:  # Ctrl-C, SIGTERM, a failing progress display: stop it too
            _stop(proc)
            raise
        finally:
            tail.join()
    if proc.returncode != 0 or not batch.is_done():
        raise StageFailed(
            f"crawl of {options.source} did not finish (exit {proc.returncode}): "
            f"{tail.reason()}; log: {batch.log}"
        )
    return CrawlResult(batch_dir, batch.read_summary())


def _wait(proc: subprocess.Popen, fetches: Path, progress: Callable[[int], None] | None) -> None:
    if progress is None:
        proc.wait()
        return
    while True:
        try:
            proc.wait(timeout=0.25)
            return
        except subprocess.TimeoutExpired:
            progress(_count_lines(fetches))


class _StderrTail:
    """Drain a crawl's stderr in a thread: keep its last lines, copy it to ``copy`` while
    that file can be written (a full disk must not stop the draining)."""

    KEEP = 200

    def __init__(self, stream, copy: Path) -> None:
        self.lines: deque[str] = deque(maxlen=self.KEEP)
        self._stream = stream
        try:
            self._copy = copy.open("w", encoding="utf-8")
        except OSError:
            self._copy = None
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        for raw in self._stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            self.lines.append(line)
            if self._copy is not None:
                try:
                    self._copy.write(line + "\n")
                except OSError:
                    self._copy = None

    def join(self) -> None:
        self._thread.join()
        if self._copy is not None:
            with contextlib.suppress(OSError):
                self._copy.close()

    def reason(self) -> str:
        """The crawl's own last word (a ``crawl: …`` line), else its last error line (a
        traceback ends with one), else the last line; "no output" only when there was none."""
        lines = [line.strip() for line in self.lines if line.strip()]
        said = [line.removeprefix(SAYS) for line in lines if line.startswith(SAYS)]
        if said:
            return said[-1]
        errors = [line for line in lines if _ERROR_LINE.match(line)]
        return (errors or lines or ["no output"])[-1]


_ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*")
