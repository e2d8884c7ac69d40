"""The outbox: one row per message and destination, written before sending.

Each statement runs in DuckDB's autocommit mode, so a row's ``sent`` is on disk
the moment Apprise has delivered it; a crash can repeat at most the one send in
flight, never the ones before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alerts.destinations import STAKEHOLDERS, Target

# Kinds alerted one by one from the baseline; the rest is one summary message.
BASELINE_ALERTED = ("expiring",)


@dataclass(frozen=True)
class Delivery:
    """A pending outbox row."""

    delivery_id: int
    message_key: str
    url_hash: str
    audience: str
    channel: str
    change_id: int | None
    payload: dict[str, Any] | None
    attempts: int


def _ts(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def register(con, target: Target, now: datetime) -> None:
    """Remember a destination; a new one hears of the latest cycle's events onwards.

    Without this horizon a destination added after months would receive every
    event ever recorded.
    """
    con.execute(
        """
        INSERT INTO alert_destinations (url_hash, channel, since_batch, first_seen)
        SELECT ?, ?, coalesce((SELECT max(batch_id) FROM change_events), ''), ?
        ON CONFLICT (url_hash) DO UPDATE SET channel = excluded.channel
        """,
        [target.url_hash, target.channel, now],
    )


def _match_sql(target: Target) -> tuple[str, list]:
    if not target.match:
        return "", []
    ors = " OR ".join(
        "contains(coalesce(c.title, ''), ?) OR contains(coalesce(c.issuer, ''), ?)"
        for _ in target.match
    )
    return f" AND ({ors})", [k for k in target.match for _ in (0, 1)]


def enqueue_events(con, target: Target, now: datetime) -> int:
    """Queue the events this destination wants and has no row for; returns how many."""
    kinds = sorted(target.kinds)
    match_sql, match_args = _match_sql(target)
    inserted = con.execute(
        f"""
        INSERT INTO outbox (message_key, url_hash, audience, channel, change_id, queued_at)
        SELECT 'change:' || e.change_id, ?, ?, ?, e.change_id, ?
        FROM change_events e
        JOIN changes c USING (change_id)
        WHERE e.kind IN (SELECT unnest(?::VARCHAR[]))
          AND (NOT e.baseline OR e.kind IN (SELECT unnest(?::VARCHAR[])))
          AND coalesce(e.batch_id, '') >= (
                SELECT since_batch FROM alert_destinations WHERE url_hash = ?)
          {match_sql}
        ORDER BY e.change_id
        ON CONFLICT DO NOTHING
        """,
        [
            target.url_hash,
            STAKEHOLDERS,
            target.channel,
            now,
            kinds,
            list(BASELINE_ALERTED),
            target.url_hash,
            *match_args,
        ],
    ).fetchone()
    return inserted[0]


def baseline_facts(con, target: Target) -> tuple[str, dict[str, Any]] | None:
    """(batch_id, counts) of the baseline for this destination, or None when there is none."""
    match_sql, match_args = _match_sql(target)
    row = con.execute(
        f"""
        SELECT min(e.batch_id),
               count(*) FILTER (WHERE e.kind = 'new'),
               count(*) FILTER (WHERE e.kind = 'expired'),
               count(*) FILTER (WHERE e.kind = 'expiring'),
               max(e.as_of)
        FROM change_events e JOIN changes c USING (change_id)
        WHERE e.baseline {match_sql}
        """,
        match_args,
    ).fetchone()
    if row is None or row[0] is None or row[1] == 0:
        return None
    batch, notices, expired, expiring, as_of = row
    facts = {
        "notices": notices,
        "expired": expired,
        "expiring": expiring,
        "as_of": as_of.isoformat(),
        "match": list(target.match) or None,
    }
    return batch, facts


def enqueue_message(con, target: Target, key: str, payload: dict[str, Any], now: datetime) -> int:
    """Queue a message that is not one event (summary, operators' notice); 1 if new."""
    inserted = con.execute(
        """
        INSERT INTO outbox (message_key, url_hash, audience, channel, payload, queued_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """,
        [
            key,
            target.url_hash,
            target.audience,
            target.channel,
            json.dumps(payload, default=str),
            now,
        ],
    ).fetchone()
    return inserted[0]


def since_batch(con, url_hash: str) -> str:
    row = con.execute(
        "SELECT since_batch FROM alert_destinations WHERE url_hash = ?", [url_hash]
    ).fetchone()
    return row[0] if row else ""


def pending(con, hashes: Iterable[str], audience: str | None = None) -> list[Delivery]:
    """Pending rows of these destinations, oldest first (unconfigured ones' rows just wait)."""
    rows = con.execute(
        """
        SELECT delivery_id, message_key, url_hash, audience, channel, change_id, payload, attempts
        FROM outbox
        WHERE status = 'pending' AND url_hash IN (SELECT unnest(?::VARCHAR[]))
          AND audience = coalesce(?, audience)
        ORDER BY delivery_id
        """,
        [list(hashes), audience],
    ).fetchall()
    return [
        Delivery(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None, r[7])
        for r in rows
    ]


def mark_sent(con, delivery: Delivery, now: datetime) -> None:
    """Record a delivery as sent (one statement: one commit per message)."""
    con.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, last_tried_at = ?, last_error = NULL"
        " WHERE delivery_id = ?",
        [now, now, delivery.delivery_id],
    )


def mark_failed_run(con, delivery: Delivery, error: str, now: datetime, max_attempts: int) -> str:
    """Count one failed run for a delivery; ``failed`` once it reached ``max_attempts``."""
    attempts = delivery.attempts + 1
    status = "failed" if attempts >= max_attempts else "pending"
    con.execute(
        "UPDATE outbox SET attempts = ?, status = ?, last_error = ?, last_tried_at = ?"
        " WHERE delivery_id = ?",
        [attempts, status, error[:2000], now, delivery.delivery_id],
    )
    return status


def mark_destination(con, url_hash: str, ok: bool, now: datetime) -> None:
    """After a run's sends: working if it accepted anything, else failing since its first failure.

    A destination that takes most messages but rejects one is working; the
    rejected delivery becomes ``failed`` on its own.
    """
    if ok:
        con.execute(
            "UPDATE alert_destinations SET last_ok_at = ?, failing_since = NULL WHERE url_hash = ?",
            [now, url_hash],
        )
    else:
        con.execute(
            "UPDATE alert_destinations SET failing_since = coalesce(failing_since, ?)"
            " WHERE url_hash = ?",
            [now, url_hash],
        )


def failing_destinations(
    con, hashes: Iterable[str]
) -> list[tuple[str, str, datetime, datetime | None]]:
    """(url_hash, channel, failing_since, last_ok_at) of configured destinations now failing."""
    rows = con.execute(
        """
        SELECT url_hash, channel, epoch(failing_since), epoch(last_ok_at)
        FROM alert_destinations
        WHERE failing_since IS NOT NULL AND url_hash IN (SELECT unnest(?::VARCHAR[]))
        """,
        [list(hashes)],
    ).fetchall()
    return [(h, ch, _ts(since), _ts(ok)) for h, ch, since, ok in rows]
