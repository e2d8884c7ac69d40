"""What one cycle found and what failed in it, read back from the warehouse.

A cycle is one crawl batch and the events the diff recorded after it. Its
summary (events by kind, requests, failed fetches by outcome, whether the list
was read in full) is what operators see on the Airflow run (its note), what
the warehouse asset event carries to downstream DAGs, and a row of the zgwatch
page in the Airflow UI. The queries only read, so they run on the pipeline's
warehouse and on the analysts' copy alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from core.sqlfiles import SqlFile
from core.vocabulary import Kind

SQL = SqlFile(Path(__file__).parent / "sql" / "queries" / "cycles.sql")
EVENT_KINDS = tuple(k.value for k in Kind)  # every kind, in the vocabulary's order


@dataclass(frozen=True)
class CycleSummary:
    """One cycle at a glance; ``failed`` counts fetches that brought no content, by outcome."""

    batch_id: str
    started_at: datetime
    source: str | None
    list_complete: bool
    requests: int
    seconds: float | None = None
    list_pages: int | None = None
    list_pages_ok: int | None = None
    events: dict[str, int] = field(default_factory=dict)
    baseline: bool = False
    failed: dict[str, int] = field(default_factory=dict)

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    def as_json(self) -> dict:
        """Plain JSON values (the asset event's ``extra``, XCom): every kind, zeros included."""
        return {
            "batch_id": self.batch_id,
            "started_at": self.started_at.isoformat(),
            "list_complete": self.list_complete,
            "list_pages": self.list_pages,
            "list_pages_ok": self.list_pages_ok,
            "requests": self.requests,
            "seconds": self.seconds,
            "events": {k: self.events.get(k, 0) for k in EVENT_KINDS},
            "baseline": self.baseline,
            "failed": dict(self.failed),
        }

    def counts_line(self) -> str:
        """``new 3, edited 1, removed 0, …`` (every kind, in order)."""
        return ", ".join(f"{k} {self.events.get(k, 0)}" for k in EVENT_KINDS)

    def failed_line(self) -> str:
        """``server_error 1, blocked 2`` or ``none``."""
        return ", ".join(f"{k} {n}" for k, n in sorted(self.failed.items())) or "none"

    def list_line(self) -> str:
        """``list complete (15/15 pages)`` or ``list INCOMPLETE (14/15 pages)``."""
        pages = ""
        if self.list_pages is not None and self.list_pages_ok is not None:
            pages = f" ({self.list_pages_ok}/{self.list_pages} pages)"
        return ("list complete" if self.list_complete else "list INCOMPLETE") + pages


def cycle_summary(con, batch_id: str) -> CycleSummary | None:
    """The summary of the cycle of ``batch_id``; None when that batch is not loaded."""
    row = SQL.execute(con, "batch", batch_id=batch_id).fetchone()
    if row is None:
        return None
    bid, started, source, complete, requests, seconds, pages, pages_ok = row
    events, baseline = {}, False
    for kind, n, base in SQL.execute(con, "events_by_kind", batch_id=bid).fetchall():
        events[kind] = n
        baseline = baseline or bool(base)
    failed = dict(SQL.execute(con, "failures_by_outcome", batch_id=bid).fetchall())
    return CycleSummary(bid, started, source, bool(complete), requests, seconds, pages, pages_ok,
                        events, baseline, failed)


def recent_cycles(con, limit: int = 10) -> list[CycleSummary]:
    """The summaries of the ``limit`` newest cycles, newest first."""
    ids = [r[0] for r in SQL.execute(con, "latest_batches", limit=limit).fetchall()]
    return [s for s in (cycle_summary(con, b) for b in ids) if s is not None]


@dataclass(frozen=True)
class FailedFetch:
    """A fetch that brought no content: what was asked for, what came of it, why."""

    url: str
    page_kind: str
    notice_id: str | None
    outcome: str
    http_status: int | None
    reason: str | None
    fetched_at: datetime


def failed_fetches(con, batch_id: str) -> list[FailedFetch]:
    """The fetches of ``batch_id`` that brought no content: list pages first, then articles."""
    return [FailedFetch(*row) for row in SQL.execute(con, "failed_fetches", batch_id=batch_id)
            .fetchall()]


@dataclass(frozen=True)
class Change:
    """One recorded event, as a line for people (the ``changes`` view)."""

    change_id: int
    notice_id: str
    kind: str
    title: str | None
    summary: str
    detected_at: datetime
    batch_id: str | None


def latest_changes(con, limit: int = 20) -> list[Change]:
    """The ``limit`` newest events outside the baseline, newest first."""
    return [Change(*row) for row in SQL.execute(con, "latest_changes", limit=limit).fetchall()]
