"""Turn the warehouse's state into change events (``change_events``), idempotently.

Detection is state-based: each rule selects the notices whose state calls for
an event that is not there yet, identified by its ``event_key``
(``new:ID``, ``edited:ID:VERSION``, ``removed:ID:N``, ``restored:ID:N``,
``expiring:ID:END``, ``expired:ID:END``). Rerunning for the same batch and
``as_of`` therefore adds nothing, and a run that was skipped is caught up by
the next. Everything happens in one transaction.

The events of a run that finds ``change_events`` empty are the **baseline**:
the first cycle on an empty warehouse records what is already there, marked
``baseline = true``, so alerts can summarise rather than announce them.

Only ``edited`` needs Python (diff-match-patch), and only for the versions
without their event; the other rules are single INSERT … SELECT statements.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from warehouse.summaries import VersionFacts, edit_summary
from warehouse.textdiff import compute_diff, diff_to_json

KINDS = ("removed", "restored", "new", "edited", "expiring", "expired")
EDIT_CHUNK = 200  # versions diffed per round trip: bounds the texts held in memory

LATEST = (
    "JOIN notice_versions AS v ON v.notice_id = s.notice_id AND v.version_no = s.latest_version"
)
SEEN_AGAIN = "s.status = 'removed' AND s.absent_streak = 0"
CONFIRMED_GONE = "s.status = 'active' AND s.absent_streak >= 2"


def _nth(kind: str) -> str:
    """SQL for "1 + how many ``kind`` events this notice already has" (removals can repeat)."""
    return (
        f"1 + (SELECT count(*) FROM change_events AS e "
        f"WHERE e.notice_id = s.notice_id AND e.kind = '{kind}')"
    )


# Each rule: the candidate events, as columns of change_events.
RULES = {
    "removed": f"""
        SELECT 'removed:' || s.notice_id || ':' || ({_nth("removed")}) AS event_key,
               s.notice_id, 'removed' AS kind,
               '已撤下:列表中不再出现,页面连续 ' || s.absent_streak || ' 次返回 404/410' AS summary,
               nullif(s.latest_version, 0) AS to_version, v.publicity_start, v.publicity_end
        FROM notice_state AS s LEFT {LATEST}
        WHERE {CONFIRMED_GONE}""",
    "restored": f"""
        SELECT 'restored:' || s.notice_id || ':' || ({_nth("restored")}) AS event_key,
               s.notice_id, 'restored' AS kind, '恢复发布:重新出现在列表中' AS summary,
               nullif(s.latest_version, 0) AS to_version, v.publicity_start, v.publicity_end
        FROM notice_state AS s LEFT {LATEST}
        WHERE {SEEN_AGAIN}""",
    "new": """
        SELECT 'new:' || v.notice_id AS event_key, v.notice_id, 'new' AS kind,
               '新通报' || coalesce(
                   ',公开期限至 ' || strftime(v.publicity_end, '%Y年%-m月%-d日'), '') AS summary,
               1 AS to_version, v.publicity_start, v.publicity_end
        FROM notice_versions AS v
        WHERE v.version_no = 1""",
    "expiring": f"""
        SELECT 'expiring:' || s.notice_id || ':' || v.publicity_end AS event_key,
               s.notice_id, 'expiring' AS kind,
               CASE WHEN v.publicity_end = $as_of
                    THEN '公开期限今天(' || strftime(v.publicity_end, '%-m月%-d日') || ')截止'
                    ELSE '公开期限 ' || strftime(v.publicity_end, '%-m月%-d日') || ' 截止,还有 '
                         || (v.publicity_end - $as_of) || ' 天' END AS summary,
               s.latest_version AS to_version, v.publicity_start, v.publicity_end
        FROM notice_state AS s {LATEST}
        WHERE s.status = 'active'
          AND v.publicity_end BETWEEN $as_of AND $as_of + $warn_days""",
    "expired": f"""
        SELECT 'expired:' || s.notice_id || ':' || v.publicity_end AS event_key,
               s.notice_id, 'expired' AS kind,
               '公开期限已于 ' || strftime(v.publicity_end, '%Y年%-m月%-d日') || ' 截止' AS summary,
               s.latest_version AS to_version, v.publicity_start, v.publicity_end
        FROM notice_state AS s {LATEST}
        WHERE s.status = 'active' AND v.publicity_end < $as_of""",
}
# State the diff stage owns: a confirmed removal, and a return, flip the status.
STATUS_UPDATES = {
    "removed": f"UPDATE notice_state AS s SET status = 'removed' WHERE {CONFIRMED_GONE}",
    "restored": f"UPDATE notice_state AS s SET status = 'active' WHERE {SEEN_AGAIN}",
}


EDIT_SCHEMA = pa.schema([
    ("event_key", pa.string()), ("notice_id", pa.string()), ("kind", pa.string()),
    ("summary", pa.string()), ("from_version", pa.int32()), ("to_version", pa.int32()),
    ("diff", pa.string()), ("publicity_start", pa.date32()), ("publicity_end", pa.date32()),
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
    con.execute("BEGIN TRANSACTION")
    try:
        params["baseline"] = con.execute("SELECT count(*) = 0 FROM change_events").fetchone()[0]
        params["batch_id"] = con.execute("SELECT max(batch_id) FROM batches").fetchone()[0]
        counts = {}
        for kind in KINDS:
            if kind == "edited":
                counts[kind] = _insert_edits(con, params)
            else:
                counts[kind] = _insert_rule(con, RULES[kind], params)
            if kind in STATUS_UPDATES:
                con.execute(STATUS_UPDATES[kind])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return DiffResult(as_of, params["batch_id"], params["baseline"], counts, time.monotonic() - t0)


def _insert_rule(con: duckdb.DuckDBPyConnection, candidates: str, params: dict) -> int:
    """Insert the candidate events whose key is not recorded yet; return how many."""
    used = {k: v for k, v in params.items() if f"${k}" in candidates}
    con.execute(
        f"""INSERT INTO change_events BY NAME
        SELECT c.*, $batch_id AS batch_id, $now::TIMESTAMPTZ AS detected_at,
               $as_of::DATE AS as_of, $baseline AS baseline
        FROM ({candidates}) AS c
        WHERE c.event_key NOT IN (SELECT event_key FROM change_events)
        ORDER BY c.notice_id""",
        {**used, **{k: params[k] for k in ("batch_id", "now", "as_of", "baseline")}},
    )
    return con.fetchone()[0]


def _insert_edits(con: duckdb.DuckDBPyConnection, params: dict) -> int:
    """Diff each version > 1 that has no ``edited`` event against its predecessor."""
    pending = con.execute(
        """SELECT notice_id, version_no FROM notice_versions
        WHERE version_no > 1
          AND 'edited:' || notice_id || ':' || version_no
              NOT IN (SELECT event_key FROM change_events)
        ORDER BY notice_id, version_no"""
    ).fetchall()
    added = 0
    for i in range(0, len(pending), EDIT_CHUNK):
        chunk = pending[i : i + EDIT_CHUNK]
        rows = con.execute(
            """SELECT n.notice_id, n.version_no,
                      o.title, o.body, o.publicity_start, o.publicity_end,
                      n.title, n.body, n.publicity_start, n.publicity_end
            FROM (SELECT unnest($ids) AS notice_id, unnest($versions) AS version_no) AS k
            JOIN notice_versions AS n USING (notice_id, version_no)
            JOIN notice_versions AS o
              ON o.notice_id = n.notice_id AND o.version_no = n.version_no - 1
            ORDER BY n.notice_id, n.version_no""",
            {"ids": [c[0] for c in chunk], "versions": [c[1] for c in chunk]},
        ).fetchall()
        events = [_edit_event(row) for row in rows]
        con.register("edit_events", pa.Table.from_pylist(events, schema=EDIT_SCHEMA))
        try:
            added += _insert_rule(con, "SELECT * FROM edit_events", params)
        finally:
            con.unregister("edit_events")
    return added


def _edit_event(row: tuple) -> dict:
    notice_id, version, *old_new = row
    old, new = VersionFacts(*old_new[:4]), VersionFacts(*old_new[4:])
    diff = compute_diff(old.text, new.text)
    return {
        "event_key": f"edited:{notice_id}:{version}",
        "notice_id": notice_id,
        "kind": "edited",
        "summary": edit_summary(old, new, diff),
        "from_version": version - 1,
        "to_version": version,
        "diff": diff_to_json(diff),
        "publicity_start": new.publicity_start,
        "publicity_end": new.publicity_end,
    }
