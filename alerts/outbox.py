"""The outbox: one row per event (or other message) and destination, written before sending.

Rows are grouped into messages (column ``message``): a notice's events of one
run, a digest, a summary, an operators' notice. Each statement
(``sql/outbox.sql``) runs in DuckDB's autocommit mode and marks all the rows
of one message (or digest part) at once, so they are ``sent`` on disk
together the moment Apprise has delivered the message; a crash can repeat at
most the one message in flight, never the ones before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts.destinations import Destination
from alerts.events import OpenNotice, open_notices, unread_periods
from core.sqlfiles import SqlFile
from core.vocabulary import BASELINE_ALERTED

SQL = SqlFile(Path(__file__).parent / "sql" / "outbox.sql")
execute = SQL.execute  # run a statement of this file by name


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
    message: str = ""  # the message the row goes out in (its message_key when alone)

    @property
    def family(self) -> str:
        """What kind of message: notice, digest, change (alone), baseline or incident."""
        return (self.message or self.message_key).partition(":")[0]


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


def next_run(con) -> int:
    """A new number for this run's messages (``notice:<id>:<run>``, ``digest:<run>``)."""
    return execute(con, "next_run").fetchone()[0]


def enqueue_events(con, destination: Destination, now: datetime, run: int) -> int:
    """Queue the events this destination wants and has no row for; returns how many.

    Each notice's events get one message of run ``run``; a digest destination's
    events all get one.
    """
    return execute(con, "enqueue_events", now=now, kinds=sorted(destination.wanted_kinds),
                   baseline_kinds=sorted(BASELINE_ALERTED), run=str(run),
                   digest=destination.digest, **_who(destination)).fetchone()[0]


def cap_flood(con, destination: Destination, run: int, threshold: int) -> int:
    """When this run queued more than ``threshold`` messages for ``destination``, make them
    the run's one digest; the number of messages so merged (0 when under the threshold)."""
    who = _who(destination)
    n = execute(con, "run_messages", run=str(run), **who).fetchone()[0]
    if n <= threshold:
        return 0
    execute(con, "flood_to_digest", run=str(run), **who)
    return n


def _listed(n: OpenNotice) -> dict[str, Any]:
    """A notice of the baseline's lists, as stored in the message's payload."""
    return {"notice_id": n.notice_id, "url": n.url, "title": n.title, "issuer": n.issuer,
            "publicity_start": n.publicity_start, "publicity_end": n.publicity_end,
            "version_no": n.version_no, "contacts": n.contacts.as_json(),
            "gaps": [{"field": g.field, "reason": g.reason} for g in n.gaps]}


def baseline_facts(con, destination: Destination) -> tuple[str, dict[str, Any]] | None:
    """(batch_id, facts) of the baseline this destination is still to be told of, or None.

    None when there is no baseline, it is older than the destination, or it is
    queued already. The facts hold the counts, and every notice open for
    opinions on the baseline's ``as_of`` (``open``, soonest deadline first) and
    every one whose period could not be read (``unread``), with their contacts.
    """
    row = execute(con, "baseline_facts", **_who(destination)).fetchone()
    if row is None or row[0] is None or row[1] == 0:
        return None
    batch, notices, expired, expiring, as_of = row
    if batch < since_batch(con, destination.url_hash) or queued(con, destination, batch):
        return None
    keywords = destination.keywords
    facts = {
        "notices": notices,
        "expired": expired,
        "expiring": expiring,
        "as_of": as_of.isoformat(),
        "match": list(keywords) or None,
        "open": [_listed(n) for n in open_notices(con, as_of, keywords)],
        "unread": [_listed(n) for n in unread_periods(con, keywords)],
    }
    return batch, facts


def enqueue_message(con, destination: Destination, key: str, payload: dict[str, Any],
                    now: datetime) -> int:
    """Queue a message that is not one event (summary, operators' notice); 1 if new."""
    return execute(con, "enqueue_message", key=key, payload=json.dumps(payload, default=str),
                   now=now, **_who(destination)).fetchone()[0]


def queued(con, destination: Destination, batch_id: str) -> bool:
    """Whether the baseline of ``batch_id`` is in this destination's outbox already."""
    return execute(con, "queued", url_hash=destination.url_hash,
                   key=f"baseline:{batch_id}").fetchone()[0]


def since_batch(con, url_hash: str) -> str:
    row = execute(con, "since_batch", url_hash=url_hash).fetchone()
    return row[0] if row else ""


def pending(con, hashes: Iterable[str], audience: str | None = None) -> list[Delivery]:
    """Pending rows of these destinations, oldest first (unconfigured ones' rows just wait)."""
    rows = execute(con, "pending", hashes=list(hashes), audience=audience).fetchall()
    return [
        Delivery(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None, r[7],
                 r[8])
        for r in rows
    ]


def message_events(con, url_hash: str, message: str) -> list[int]:
    """Every event of one message of one destination, sent or not, in queue order."""
    return [r[0] for r in execute(con, "message_events", url_hash=url_hash,
                                  message=message).fetchall()]


def mark_sent(con, deliveries: Iterable[Delivery], now: datetime) -> None:
    """Record the rows of one message as sent: one statement, so together or not at all."""
    ids = [d.delivery_id for d in deliveries]
    execute(con, "mark_sent", now=now, ids=ids)


def mark_failed_run(con, deliveries: Iterable[Delivery], error: str, now: datetime,
                    max_attempts: int) -> str:
    """Count one failed run for the rows of one message; ``failed`` once at ``max_attempts``."""
    ids = [d.delivery_id for d in deliveries]
    statuses = execute(con, "mark_failed_run", ids=ids, error=error[:2000], now=now,
                       max_attempts=max_attempts).fetchall()
    return "failed" if any(s == "failed" for (s,) in statuses) else "pending"


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
