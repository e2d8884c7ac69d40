"""Revisit policy: which known articles a cycle fetches.

The list is read in full every cycle; articles only when due. Recent notices
and notices inside or near their publicity period (公开期限) are due every
cycle; every other notice once per revisit period, at a fixed per-notice
offset so the work spreads evenly over the cycles whatever their frequency.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from core import vocabulary as v

NEAR_DAYS = 3  # a publicity period this close (before start or after end) counts as "near"


@dataclass(frozen=True)
class KnownNotice:
    """A notice the warehouse already holds, as the crawl stage needs it."""

    notice_id: str
    url: str
    status: str = "active"
    published_on: date | None = None
    publicity_start: date | None = None
    publicity_end: date | None = None
    last_checked_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_json(cls, row: dict) -> KnownNotice:
        def day(key: str) -> date | None:
            return date.fromisoformat(row[key][:10]) if row.get(key) else None

        checked = row.get("last_checked_at")
        return cls(
            notice_id=str(row["notice_id"]),
            url=row["url"],
            status=row.get("status") or "active",
            published_on=day("published_on"),
            publicity_start=day("publicity_start"),
            publicity_end=day("publicity_end"),
            last_checked_at=datetime.fromisoformat(checked) if checked else None,
            etag=row.get("etag"),
            last_modified=row.get("last_modified"),
        )


def read_known(path: Path | None) -> dict[str, KnownNotice]:
    """known.jsonl → {notice_id: KnownNotice}; a missing file means nothing is known yet."""
    if path is None or not path.exists():
        return {}
    known = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                notice = KnownNotice.from_json(json.loads(line))
                known[notice.notice_id] = notice
    return known


@dataclass(frozen=True)
class RevisitPolicy:
    as_of: date
    now: datetime  # aware; spreads the periodic revisits
    recent_days: int = v.RECENT_DAYS
    revisit_days: float = v.REVISIT_DAYS

    def is_hot(self, notice: KnownNotice) -> bool:
        """Recent, or inside or near its publicity period: fetched every cycle."""
        if notice.published_on and notice.published_on >= self.as_of - timedelta(self.recent_days):
            return True
        start, end = notice.publicity_start, notice.publicity_end
        near = timedelta(NEAR_DAYS)
        return bool(end and end + near >= self.as_of
                    and (start is None or start - near <= self.as_of))

    def last_slot(self, notice_id: str) -> datetime:
        """The most recent instant at or before ``now`` at which this notice falls due."""
        period = timedelta(days=self.revisit_days).total_seconds()
        digest = hashlib.blake2b(notice_id.encode(), digest_size=8).digest()
        offset = int.from_bytes(digest, "big") % int(period)
        t = self.now.timestamp()
        slot = ((t - offset) // period) * period + offset
        return datetime.fromtimestamp(slot, tz=self.now.tzinfo)

    def is_due(self, notice: KnownNotice | None) -> bool:
        """Whether a cycle at ``now`` should fetch this notice's article."""
        if notice is None or notice.last_checked_at is None:
            return True
        if self.is_hot(notice):
            return True
        return notice.last_checked_at < self.last_slot(notice.notice_id)
