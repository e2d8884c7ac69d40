"""The outbox: one row per message and destination, written before sending.

Each statement (``sql/outbox.sql``) runs in DuckDB's autocommit mode, so a
row's ``sent`` is on disk the moment Apprise has delivered it; a crash can
repeat at most the one send in flight, never the ones before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts.destinations import Destination
from core.sqlfiles import statements, used_params
from core.vocabulary import BASELINE_ALERTED

SQL = statements(Path(__file__).parent / "sql" / "outbox.sql")


def execute(con, name: str, **params):
    """Run the statement ``name`` of outbox.sql with the parameters it uses."""
    sql = SQL[name]
    return con.execute(sql, used_params(sql, params))


@dataclass(frozen=True)
class Delivery:
    """A pending outbox row; ``masked`` is its destination as stored (``outbox.channel``)."""

    delivery_id: int
    message_key: str
    url_hash: str
    audience: str
    masked: str
    change_id: int | None
    payload: dict[str, Any] | None
    attempts: int


def _ts(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _who(destination: Destination) -> dict[str, Any]:
    return {"url_hash": destination.url_hash, "channel": destination.masked,
            "audience": destination.audience, "keywords": list(destination.keywords)}


def register(con, destination: Destination, now: datetime) -> None:
    """Remember a destination; a new one hears of the latest cycle's events onwards.

    Without this horizon a destination added after months would receive every
    event ever recorded.
    """
    execute(con, "register", now=now, **_who(destination))


def enqueue_events(con, destination: Destination, now: datetime) -> int:
    """Queue the events this destination wants and has no row for; returns how many."""
    return execute(con, "enqueue_events", now=now, kinds=sorted(destination.wanted_kinds),
                   baseline_kinds=sorted(BASELINE_ALERTED), **_who(destination)).fetchone()[0]


def baseline_facts(con, destination: Destination) -> tuple[str, dict[str, Any]] | None:
    """(batch_id, counts) of the baseline for this destination, or None when there is none."""
    row = execute(con, "baseline_facts", **_who(destination)).fetchone()
    if row is None or row[0] is None or row[1] == 0:
        return None
    batch, notices, expired, expiring, as_of = row
    facts = {
        "notices": notices,
        "expired": expired,
        "expiring": expiring,
        "as_of": as_of.isoformat(),
        "match": list(destination.keywords) or None,
    }
    return batch, facts


def enqueue_message(con, destination: Destination, key: str, payload: dict[str, Any],
                    now: datetime) -> int:
    """Queue a message that is not one event (summary, operators' notice); 1 if new."""
    return execute(con, "enqueue_message", key=key, payload=json.dumps(payload, default=str),
                   now=now, **_who(destination)).fetchone()[0]


def since_batch(con, url_hash: str) -> str:
    row = execute(con, "since_batch", url_hash=url_hash).fetchone()
    return row[0] if row else ""


def pending(con, hashes: Iterable[str], audience: str | None = None) -> list[Delivery]:
    """Pending rows of these destinations, oldest first (unconfigured ones' rows just wait)."""
    rows = execute(con, "pending", hashes=list(hashes), audience=audience).fetchall()
    return [
        Delivery(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None, r[7])
        for r in rows
    ]


def mark_sent(con, delivery: Delivery, now: datetime) -> None:
    """Record a delivery as sent (one statement: one commit per message)."""
    execute(con, "mark_sent", now=now, delivery_id=delivery.delivery_id)


def mark_failed_run(con, delivery: Delivery, error: str, now: datetime, max_attempts: int) -> str:
    """Count one failed run for a delivery; ``failed`` once it reached ``max_attempts``."""
    attempts = delivery.attempts + 1
    status = "failed" if attempts >= max_attempts else "pending"
    execute(con, "mark_failed_run", attempts=attempts, status=status, error=error[:2000], now=now,
            delivery_id=delivery.delivery_id)
    return status


def mark_destination(con, url_hash: str, ok: bool, now: datetime) -> None:
    """After a run's sends: working if it accepted anything, else failing since its first failure.

    A destination that takes most messages but rejects one is working; the
    rejected delivery becomes ``failed`` on its own.
    """
    execute(con, "destination_ok" if ok else "destination_failed", now=now, url_hash=url_hash)


@dataclass(frozen=True)
class Health:
    """How a destination's deliveries stand after a run's sends (``destination_health``)."""

    url_hash: str
    masked: str
    failing_since: datetime | None  # first failure since its last success; None when fine
    last_ok: datetime | None
    pending: int
    most_attempts: int  # the most failed runs a pending delivery of it has had
    given_up: int  # deliveries with status failed
    given_up_while_failing: int  # of those, given up since failing_since
    last_given_up: datetime | None


def destination_health(con, hashes: Iterable[str], audience: str) -> list[Health]:
    """The health of each of these destinations, counting its deliveries to ``audience``."""
    rows = execute(con, "destination_health", hashes=list(hashes), audience=audience).fetchall()
    return [Health(h, masked, _ts(since), _ts(ok), pending, most, failed, failed_since,
                   _ts(last_failed))
            for h, masked, since, ok, pending, most, failed, failed_since, last_failed in rows]


def retry_failed(con, hashes: Iterable[str], now: datetime) -> int:
    """Put these destinations' failed deliveries back to ``pending`` with no failed runs
    counted, recording each re-send in ``outbox_resends``; return how many.

    Call inside a transaction (the record and the reset go together). A delivery is
    still sent once: it was never sent, and the send that follows records it as usual.
    """
    hashes = list(hashes)
    count = execute(con, "record_resends", hashes=hashes, now=now).fetchone()[0]
    execute(con, "retry_failed", hashes=hashes)
    return count
