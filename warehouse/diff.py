"""Turn the warehouse's state into change events (``change_events``), idempotently.

Detection is state-based: each rule selects the notices whose state calls for
an event that is not there yet, identified by its ``event_key``
(``new:ID``, ``edited:ID:VERSION``, ``removed:ID:N``, ``restored:ID:N``,
``expiring:ID:END``, ``expired:ID:END``). Rerunning for the same batch and
``as_of`` therefore adds nothing, and a run that was skipped is caught up by
the next. Everything happens in one transaction, which also records the run
in ``diff_runs`` (its ``as_of``: the date readers count days left from).

The events of a run that finds ``change_events`` empty are the **baseline**:
the first cycle on an empty warehouse records what is already there, marked
``baseline = true``, so alerts can summarise rather than announce them.

Only ``edited`` needs Python (diff-match-patch), and only for the versions
without their event; the other rules are SQL statements in ``sql/stages/diff.sql``.
Each edit's passages (``edit_hunks``, view ``change_hunks``) are cut from its
stored diff in the same transaction, for every edited event that has none yet.
The latest run's ``as_of`` (view ``latest_cycle``) is what the analysts' views
count days left and phases from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from core.sqlfiles import SqlFile, transaction
from core.testhook import pause_point
from core.textdiff import compute_diff, diff_to_json, parse_diff
from core.vocabulary import Kind
from warehouse.summaries import VersionFacts, edit_summary, passages

# The order the rules run in: a removal is settled before a return, and both
# before the date rules, which only look at active notices.
ORDER = (Kind.REMOVED, Kind.RESTORED, Kind.NEW, Kind.EDITED, Kind.EXPIRING, Kind.EXPIRED)
EDIT_CHUNK = 200  # versions diffed per round trip: bounds the texts held in memory
SQL = SqlFile(Path(__file__).parent / "sql" / "stages" / "diff.sql")
# State the diff stage owns: a confirmed removal, and a return, flip the status.
STATUS_UPDATES = {Kind.REMOVED: "mark_removed", Kind.RESTORED: "mark_restored"}


EDIT_SCHEMA = pa.schema([
    ("event_key", pa.string()), ("notice_id", pa.string()), ("kind", pa.string()),
    ("summary", pa.string()), ("from_version", pa.int32()), ("to_version", pa.int32()),
    ("diff", pa.string()), ("publicity_start", pa.date32()), ("publicity_end", pa.date32()),
])  # fmt: skip
HUNK_SCHEMA = pa.schema([
    ("change_id", pa.int64()), ("seq", pa.int32()), ("section", pa.string()),
    ("position", pa.int32()), ("before", pa.string()), ("after", pa.string()),
    ("context_before", pa.string()), ("context_after", pa.string()), ("marked", pa.string()),
])  # fmt: skip


@dataclass(frozen=True)
class DiffResult:
    """Events one diff run added, by kind."""

    as_of: date
    batch_id: str | None
    baseline: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        found = ", ".join(f"{n} {k}" for k, n in self.counts.items() if n) or "no events"
        mark = " (baseline)" if self.baseline and self.total else ""
        return f"diff as of {self.as_of} after batch {self.batch_id}: {found}{mark}"


def detect_changes(
    con: duckdb.DuckDBPyConnection, *, as_of: date, warn_days: int, now: datetime | None = None
) -> DiffResult:
    """Add the events the warehouse's state calls for and that are not recorded yet.

    ``as_of`` is the cycle's date (publicity rules); ``now`` stamps
    ``detected_at`` (default: the current UTC time).
    """
    t0 = time.monotonic()
    params = {
        "as_of": as_of,
        "warn_days": warn_days,
        "now": (now or datetime.now(UTC)).isoformat(),
    }
    with transaction(con):
        params["baseline"] = con.execute("SELECT count(*) = 0 FROM change_events").fetchone()[0]
        params["batch_id"] = con.execute("SELECT max(batch_id) FROM batches").fetchone()[0]
        counts = {}
        for kind in ORDER:
            if kind == Kind.EDITED:
                counts[kind.value] = _insert_edits(con, params)
            else:
                SQL.execute(con, f"candidate_{kind}", **params)
                counts[kind.value] = _insert_candidates(con, params)
            if kind in STATUS_UPDATES:
                SQL.execute(con, STATUS_UPDATES[kind], **params)
        _insert_hunks(con)
        SQL.execute(con, "record_run", **params, events=sum(counts.values()))
        pause_point("diff:commit")
    return DiffResult(as_of, params["batch_id"], params["baseline"], counts, time.monotonic() - t0)


def _insert_candidates(con: duckdb.DuckDBPyConnection, params: dict) -> int:
    """Insert the staged candidate events whose key is not recorded yet; return how many."""
    return SQL.changed(con, "insert_candidates", **params)


def _insert_edits(con: duckdb.DuckDBPyConnection, params: dict) -> int:
    """Diff each version > 1 that has no ``edited`` event against its predecessor."""
    pending = SQL.rows(con, "pending_edits", **params)
    added = 0
    for i in range(0, len(pending), EDIT_CHUNK):
        chunk = pending[i : i + EDIT_CHUNK]
        rows = SQL.rows(con, "edit_texts", ids=[c[0] for c in chunk],
                        versions=[c[1] for c in chunk])
        events = pa.Table.from_pylist([_edit_event(row) for row in rows], schema=EDIT_SCHEMA)
        con.register("edit_events", events)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE candidate_events AS FROM edit_events")
        finally:
            con.unregister("edit_events")
        added += _insert_candidates(con, params)
    return added


def _edit_event(row: tuple) -> dict:
    notice_id, version, *old_new = row
    old, new = VersionFacts(*old_new[:4]), VersionFacts(*old_new[4:])
    diff = compute_diff(old.text, new.text)
    return {
        "event_key": f"edited:{notice_id}:{version}",
        "notice_id": notice_id,
        "kind": Kind.EDITED.value,
        "summary": edit_summary(old, new, diff),
        "from_version": version - 1,
        "to_version": version,
        "diff": diff_to_json(diff),
        "publicity_start": new.publicity_start,
        "publicity_end": new.publicity_end,
    }


def _insert_hunks(con: duckdb.DuckDBPyConnection) -> int:
    """Cut the passages of every edited event that has none yet; return how many rows."""
    added, after = 0, -1
    while chunk := SQL.rows(con, "pending_hunks", after=after, limit=EDIT_CHUNK):
        rows = [
            {"change_id": change_id, **vars(p)}
            for change_id, diff in chunk
            for p in passages(parse_diff(diff) or [])
        ]
        con.register("hunk_rows", pa.Table.from_pylist(rows, schema=HUNK_SCHEMA))
        try:
            SQL.execute(con, "insert_hunks")
        finally:
            con.unregister("hunk_rows")
        added += len(rows)
        after = chunk[-1][0]
    return added
