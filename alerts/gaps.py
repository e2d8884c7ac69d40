"""What the parser could not read, told to operators: once per new gap.

The warehouse's ``parse_gaps`` view lists every missing or doubtful field of
every notice version (no publicity window in a rectification notice, an end
before the start, no contacts, an unknown issuer, …). Each gap of a notice's
current version gets one operators' message, keyed
``gap:<notice_id>:<version_no>:<field>`` in the outbox, so a rerun queues
nothing twice, an edit that fixes the field stops it (a new version has its own
key), and a destination hears only of versions first read in the batches it
is told of (its ``since_batch``), not of the whole history.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from alerts.destinations import Destination
from alerts.events import GAP_FIELDS
from alerts.outbox import enqueue_message
from core.sqlfiles import SqlFile

SQL = SqlFile(Path(__file__).parent / "sql" / "gaps.sql")
COLUMNS = ("notice_id", "version_no", "field", "reasons", "details", "title", "url",
           "document_kind", "published_on", "raw")  # fmt: skip


def gap_key(notice_id: str, version_no: int, field: str) -> str:
    """The outbox ``message_key`` of one gap."""
    return f"gap:{notice_id}:{version_no}:{field}"


def new_gaps(con, destination: Destination) -> list[dict]:
    """The gaps ``destination`` has not been told of, as message payloads."""
    rows = SQL.rows(con, "new_gaps", url_hash=destination.url_hash, fields=list(GAP_FIELDS))
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def enqueue_gaps(con, operators: list[Destination], now: datetime) -> int:
    """Queue one message per new gap for every operators' destination; how many were queued."""
    queued = 0
    for destination in operators:
        for gap in new_gaps(con, destination):
            key = gap_key(gap["notice_id"], gap["version_no"], gap["field"])
            queued += enqueue_message(con, destination, key, gap, now)
    return queued
