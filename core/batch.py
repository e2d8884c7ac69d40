"""The crawl batch: the contract between the crawl and the load, written once.

A batch is a folder ``<batches>/<batch_id>/`` (docs/architecture.md, "The
crawl batch"). The crawl writes it, the load reads it, the leftovers sweep
and a retried Airflow crawl look at it; every one of them names its files and
reads its id through this module, and no other module spells a file name.

``batch_id`` = ``YYYYMMDDTHHMMSSmmmZ-<6 hex>``: UTC with milliseconds, so ids
sort in time order, and a random tail, so two batches started in the same
millisecond differ.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.errors import BatchError

KNOWN = "known.jsonl"  # input snapshot: what the warehouse knows of each notice
FETCHES = "fetches.jsonl"  # one line per HTTP fetch (or failed attempt)
LISTINGS = "listings.jsonl"  # one line per entry seen on a list page
NOTICES = "notices.jsonl"  # one line per article parsed from an ok fetch
SUMMARY = "summary.json"  # the run: counts, seconds, list_complete, Scrapy stats
DONE = "DONE"  # written last; a batch without it is incomplete and never loaded
LOG = "crawl.log"  # Scrapy's log
STDERR = "crawl.stderr"  # the crawl process's standard error

ID_PATTERN = re.compile(r"^(\d{8}T\d{6})(\d{3})?Z-[0-9a-f]{6}$")


def new_batch_id(now: datetime | None = None) -> str:
    """``YYYYMMDDTHHMMSSmmmZ-xxxxxx`` (UTC, milliseconds): sorts in time order, unique."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{secrets.token_hex(3)}"


def is_batch_id(name: str) -> bool:
    """Whether ``name`` has the shape of a batch id (seconds-only ids of old batches too)."""
    return ID_PATTERN.match(name) is not None


def batch_started_at(batch_id: str) -> datetime:
    """The UTC instant a batch id names; ``BatchError`` for a name that is not one."""
    m = ID_PATTERN.match(batch_id)
    if not m:
        raise BatchError(f"{batch_id!r} is not a batch id (YYYYMMDDTHHMMSSmmmZ-xxxxxx)")
    at = datetime.strptime(m[1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return at + timedelta(milliseconds=int(m[2] or 0))


@dataclass(frozen=True)
class Batch:
    """One batch folder and the paths of its files (the folder need not exist yet)."""

    dir: Path

    def __post_init__(self):
        object.__setattr__(self, "dir", Path(self.dir))

    @property
    def id(self) -> str:
        return self.dir.name

    @property
    def known(self) -> Path:
        return self.dir / KNOWN

    @property
    def fetches(self) -> Path:
        return self.dir / FETCHES

    @property
    def listings(self) -> Path:
        return self.dir / LISTINGS

    @property
    def notices(self) -> Path:
        return self.dir / NOTICES

    @property
    def summary_file(self) -> Path:
        return self.dir / SUMMARY

    @property
    def log(self) -> Path:
        return self.dir / LOG

    @property
    def stderr(self) -> Path:
        return self.dir / STDERR

    def fetch_rows(self) -> Iterator[dict]:
        """``fetches.jsonl``'s rows in crawl order. A last line cut short (no newline: a
        write the disk refused) is not a row; the crawl's storage error tells of it."""
        with self.fetches.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.endswith("\n"):
                    yield json.loads(line)

    def is_done(self) -> bool:
        """Whether the crawl finished writing it (its ``DONE`` file exists)."""
        return (self.dir / DONE).exists()

    def mark_done(self) -> None:
        """Write ``DONE``: the last file of a complete batch."""
        (self.dir / DONE).write_text("", encoding="utf-8")

    def is_snapshot_only(self) -> bool:
        """Whether the folder holds nothing but its known-notices snapshot (or nothing)."""
        return {p.name for p in self.dir.iterdir()} <= {KNOWN}

    def read_summary(self) -> dict:
        """The run's summary, as the crawl wrote it."""
        return json.loads(self.summary_file.read_text(encoding="utf-8"))

    def write_summary(self, summary: dict) -> None:
        """Write the summary whole, or not at all (a full disk leaves no half file)."""
        _write_whole(self.summary_file, json.dumps(summary, ensure_ascii=False, indent=1))


def _write_whole(path: Path, text: str) -> None:
    """``path`` holds ``text`` whole, or does not exist (a full disk leaves no half file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def fresh_batch(batch_dir: Path, failed_dir: Path | None = None) -> Path:
    """The batch to crawl into: ``batch_dir``, or a new one if an earlier try wrote there.

    A retried crawl must not write over what an earlier try left: when
    ``batch_dir`` holds more than its snapshot, a new batch is made beside it
    with a copy of the snapshot. An earlier try's batch may have been moved to
    ``failed_dir`` since (a run between the tries cleaned it up,
    ``crawler.leftovers``): its snapshot is read there.
    """
    batch_dir = Path(batch_dir)
    moved = Batch(failed_dir / batch_dir.name) if failed_dir is not None else None
    if not batch_dir.exists() and moved is not None and moved.known.exists():
        known = moved.known
    elif Batch(batch_dir).is_snapshot_only():
        return batch_dir
    else:
        known = Batch(batch_dir).known
    fresh = Batch(batch_dir.parent / new_batch_id())
    fresh.dir.mkdir()
    shutil.copyfile(known, fresh.known)
    return fresh.dir
