"""Turn the warehouse's state into change events (``change_events``), idempotently.

Detection is state-based: each rule selects the notices whose state calls for
an event that is not there yet, identified by its ``event_key``
(``new:ID``, ``edited:ID:VERSION``, ``removed:ID:N``, ``restored:ID:N``,
``expiring:ID:END``, ``expired:ID:END``, and for the inspection cycle
``stationed:ID``, ``letters_expiring:ID:DEADLINE``,
``progress_overdue:UNIT:FEEDBACK_DAY``: docs/inspection.md). Rerunning for the same batch and
``as_of`` therefore adds nothing, and a run that was skipped is caught up by
the next. Everything happens in one transaction, which also records the run
in ``diff_runs`` (its ``as_of``: the date readers count days left from).

The events of a run that finds ``change_events`` empty are the **baseline**:
the first cycle on an empty warehouse records what is already there, marked
``baseline = true``, so alerts can summarise rather than announce them.

Only ``edited`` needs Python (diff-match-patch), and only for the versions
without their event; the other rules are SQL statements in ``sql/stages/diff.sql``.
An edit that moves the end of the publicity period (公开期限) also records
``period_extended`` or ``period_shortened`` (key ``period_<way>:ID:VERSION``),
found beside its edit so that only new versions are judged: the most important
edit there is gets its own label, with the old end in ``from_version``'s row.
Each edit's passages (``edit_hunks``, view ``change_hunks``) are cut from its
stored diff in the same transaction, for every edited event that has none yet;
so are those of every other pair of a notice's versions (``version_pair_hunks``),
which the table macro ``diff_versions(notice_id, a, b)`` reads.
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
from core.vocabulary import MOVED_PERIOD_WORDS, Kind
from warehouse.inspection import DEFAULT_RULES, CycleRules, cycle_tables
from warehouse.summaries import VersionFacts, edit_summary, moved_period_summary, passages

# The order the rules run in: a removal is settled before a return, and both
# before the date rules, which only look at active notices.
ORDER = (Kind.REMOVED, Kind.RESTORED, Kind.NEW, Kind.EDITED, Kind.EXPIRING, Kind.EXPIRED,
         Kind.STATIONED, Kind.LETTERS_EXPIRING, Kind.PROGRESS_OVERDUE)
EDIT_CHUNK = 200  # versions diffed per round trip: bounds the texts held in memory
SQL = SqlFile(Path(__file__).parent / "sql" / "stages" / "diff.sql")
# State the diff stage owns: a confirmed removal, and a return, flip the status.
STATUS_UPDATES = {Kind.REMOVED: "mark_removed", Kind.RESTORED: "mark_restored"}


EDIT_SCHEMA = pa.schema([
    ("event_key", pa.string()), ("notice_id", pa.string()), ("kind", pa.string()),
    ("summary", pa.string()), ("from_version", pa.int32()), ("to_version", pa.int32()),
    ("diff", pa.string()), ("publicity_start", pa.date32()), ("publicity_end", pa.date32()),
])  # fmt: skip
PAIR_SCHEMA = pa.schema([
    ("notice_id", pa.string()), ("from_version", pa.int32()), ("to_version", pa.int32()),
    ("seq", pa.int32()), ("section", pa.string()), ("position", pa.int32()),
    ("before", pa.string()), ("after", pa.string()), ("context_before", pa.string()),
    ("context_after", pa.string()), ("marked", pa.string()),
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
    con: duckdb.DuckDBPyConnection, *, as_of: date, warn_days: int, now: datetime | None = None,
    cycle: CycleRules = DEFAULT_RULES,
) -> DiffResult:
    """Add the events the warehouse's state calls for and that are not recorded yet.

    ``as_of`` is the cycle's date (publicity rules); ``now`` stamps
    ``detected_at`` (default: the current UTC time). ``cycle``: the inspection cycle's
    rules, with the copy across sources read (if it exists) for the rounds whose
    documents other sources hold (``progress_overdue``).
    """
    t0 = time.monotonic()
    params = {
        "as_of": as_of,
        "warn_days": warn_days,
        "now": (now or datetime.now(UTC)).isoformat(),
        "expected_months": cycle.expected_months,
    }
    # With other sources but no copy of theirs to read (or one some of them have not
    # published into yet), a round's progress notice may be there unseen: no round is
    # called overdue this cycle (a later one records it).
    judged = cycle_tables(con, as_of=as_of, expected_months=cycle.expected_months,
                          aliases=cycle.aliases, across=cycle.across, others=cycle.others)
    with transaction(con):
        params["baseline"] = con.execute("SELECT count(*) = 0 FROM change_events").fetchone()[0]
        params["batch_id"] = con.execute("SELECT max(batch_id) FROM batches").fetchone()[0]
        counts = {}
        for kind in ORDER:
            if kind == Kind.PROGRESS_OVERDUE and not judged:
                counts[kind.value] = 0
            elif kind == Kind.EDITED:
                counts.update(_insert_edits(con, params))
            else:
                SQL.execute(con, f"candidate_{kind}", **params)
                counts[kind.value] = _insert_candidates(con, params)
            if kind in STATUS_UPDATES:
                SQL.execute(con, STATUS_UPDATES[kind], **params)
        _insert_hunks(con)
        _insert_pairs(con)
        SQL.execute(con, "record_run", **params, events=sum(counts.values()))
        pause_point("diff:commit")
    return DiffResult(as_of, params["batch_id"], params["baseline"], counts, time.monotonic() - t0)


def _insert_candidates(con: duckdb.DuckDBPyConnection, params: dict) -> int:
    """Insert the staged candidate events whose key is not recorded yet; return how many."""
    return SQL.changed(con, "insert_candidates", **params)


def _insert_edits(con: duckdb.DuckDBPyConnection, params: dict) -> dict[str, int]:
    """Diff each version > 1 that has no ``edited`` event against its predecessor; a moved
    period end adds its own event. Return the events added, by kind."""
    pending = SQL.rows(con, "pending_edits", **params)
    added = dict.fromkeys((Kind.EDITED.value, *(k.value for k in MOVED_PERIOD_WORDS)), 0)
    for i in range(0, len(pending), EDIT_CHUNK):
        chunk = pending[i : i + EDIT_CHUNK]
        rows = SQL.rows(con, "edit_texts", ids=[c[0] for c in chunk],
                        versions=[c[1] for c in chunk])
        events = [_edit_event(row) for row in rows]
        events += [m for row in rows if (m := _moved_period(row))]
        for kind in added:
            of_kind = [e for e in events if e["kind"] == kind]
            if of_kind:
                added[kind] += _stage_and_insert(con, of_kind, params)
    return added


def _stage_and_insert(con: duckdb.DuckDBPyConnection, events: list[dict], params: dict) -> int:
    """Stage ``events`` as the candidate events and insert those not recorded yet."""
    con.register("edit_events", pa.Table.from_pylist(events, schema=EDIT_SCHEMA))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE candidate_events AS FROM edit_events")
    finally:
        con.unregister("edit_events")
    return _insert_candidates(con, params)


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


def _moved_period(row: tuple) -> dict | None:
    """The ``period_extended``/``period_shortened`` event of an edit whose version moves the
    publicity end from one read date to another; None when it does not."""
    notice_id, version, *old_new = row
    old, new = VersionFacts(*old_new[:4]), VersionFacts(*old_new[4:])
    if old.publicity_end is None or new.publicity_end is None:
        return None
    if old.publicity_end == new.publicity_end:
        return None
    kind = Kind.PERIOD_EXTENDED if new.publicity_end > old.publicity_end else Kind.PERIOD_SHORTENED
    return {
        "event_key": f"{kind}:{notice_id}:{version}",
        "notice_id": notice_id,
        "kind": kind.value,
        "summary": moved_period_summary(old.publicity_end, new.publicity_end),
        "from_version": version - 1,
        "to_version": version,
        "diff": None,
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
        _insert_rows(con, "hunk_rows", rows, HUNK_SCHEMA, "insert_hunks")
        added += len(rows)
        after = chunk[-1][0]
    return added


def _insert_rows(con: duckdb.DuckDBPyConnection, view: str, rows: list[dict], schema,
                 statement: str) -> None:
    """Run ``statement`` of diff.sql over ``rows``, seen by it as the Arrow view ``view``."""
    con.register(view, pa.Table.from_pylist(rows, schema=schema))
    try:
        SQL.execute(con, statement)
    finally:
        con.unregister(view)


def _insert_pairs(con: duckdb.DuckDBPyConnection) -> int:
    """Cut the passages of every pair of versions two or more apart that has none yet, as
    an edit's are cut (``passages`` of their diff); return how many rows."""
    added, after = 0, {"after_id": "", "after_b": 0, "after_a": 0}
    while chunk := SQL.rows(con, "pending_pairs", **after, limit=EDIT_CHUNK):
        rows = [
            {"notice_id": nid, "from_version": a, "to_version": b, **vars(p)}
            for nid, a, b, *texts in chunk
            for p in passages(compute_diff(VersionFacts(*texts[:2]).text,
                                           VersionFacts(*texts[2:]).text))
        ]  # fmt: skip
        _insert_rows(con, "pair_rows", rows, PAIR_SCHEMA, "insert_pairs")
        added += len(rows)
        nid, a, b = chunk[-1][:3]
        after = {"after_id": nid, "after_b": b, "after_a": a}
    return added
