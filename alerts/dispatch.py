"""Send pending deliveries as messages: a couple of quick retries each, the result recorded at once.

Pending rows are grouped by the message they go out in (``outbox.message``): a
notice's events of one run become one message, a digest one message per part,
a summary or an operators' notice one message. The rows of a message are
marked sent (or failed) together, by one statement, right after Apprise's
answer, so a crash repeats at most the message in flight.

Backoff happens inside the run (``RETRY_PAUSES``), so an hourly cycle never
skips a retry; what still fails stays ``pending`` for the next run and is
``failed`` after ``max_attempts`` failed runs. A destination that fails
``DOWN_AFTER`` messages in a row is left alone for the rest of the run: its
other messages wait, untouched, instead of each spending the retry pauses.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from alerts.channels import Channel, DeliveryError
from alerts.digest import digest_items, digest_message
from alerts.events import ChangeEvent, load_events
from alerts.messages import (
    Message,
    Origin,
    baseline_message,
    gap_message,
    incident_message,
    notice_message,
)
from alerts.outbox import Delivery, mark_destination, mark_failed_run, mark_sent, message_events
from core.testhook import pause_point

log = logging.getLogger("alerts")

RETRY_PAUSES = (0.5, 2.0)  # seconds before the 2nd and 3rd try of one message in a run
DOWN_AFTER = 2


@dataclass
class SendStats:
    """What one pass over the pending deliveries did (counts are outbox rows)."""

    sent: int = 0
    retry_later: int = 0  # failed this run, still pending
    failed: int = 0  # failed this run for the last time
    waiting: int = 0  # not tried: their destination was down this run
    messages: int = 0  # messages delivered (a message carries one or more rows)
    errors: list[str] = field(default_factory=list)  # destinations by label: no secret

    def add(self, other: SendStats) -> None:
        self.sent += other.sent
        self.retry_later += other.retry_later
        self.failed += other.failed
        self.waiting += other.waiting
        self.messages += other.messages
        self.errors += other.errors


@dataclass(frozen=True)
class Outbound:
    """One message to one destination and the outbox rows it delivers."""

    message: Message
    deliveries: tuple[Delivery, ...]


def group(deliveries: list[Delivery]) -> list[list[Delivery]]:
    """The pending rows by destination and message, in the order of each message's first row."""
    groups: dict[tuple[str, str], list[Delivery]] = {}
    for d in deliveries:
        groups.setdefault((d.url_hash, d.message or d.message_key), []).append(d)
    return list(groups.values())


def outbound(con, rows: list[Delivery], channel: Channel, events: dict[int, ChangeEvent], *,
             site_url: str | None = None, origin: Origin | None = None) -> list[Outbound]:
    """The message(s) the rows of one outbox message go out as, on this channel, each
    naming its source (``origin``).

    A digest is cut into the parts the service takes from all of its events
    (sent ones too, so a retry sends the same parts); only parts with a
    pending row are returned, each with its pending rows.
    """
    named = origin.name if origin else (lambda message: message)
    first = rows[0]
    name = first.message or first.message_key
    family, _, rest = name.partition(":")
    if family in ("notice", "change"):
        message = notice_message([events[d.change_id] for d in rows], name, site_url=site_url)
        return [Outbound(named(message), tuple(rows))]
    if family == "digest":
        ids = message_events(con, first.url_hash, name)
        found = {**load_events(con, [i for i in ids if i not in events]), **events}
        digest = digest_message(name, digest_items([found[i] for i in ids if i in found],
                                                   site_url), origin=origin)
        by_event = {d.change_id: d for d in rows}
        out = []
        for part in channel.parts(digest):
            mine = tuple(by_event[i] for i in part.change_ids if i in by_event)
            if mine:
                out.append(Outbound(part, mine))
        return out
    if family == "baseline":
        message = baseline_message(rest, first.payload or {}, site_url=site_url)
        return [Outbound(named(message), (first,))]
    if family == "incident":
        message = incident_message(first.payload or {}, rest.rsplit(":", 1)[1])
        return [Outbound(named(message), (first,))]
    if family == "gap":
        return [Outbound(named(gap_message(first.payload or {})), (first,))]
    raise ValueError(f"unknown message {name!r}")


def plan(con, deliveries: list[Delivery], channels: dict[str, Channel], *,
         site_url: str | None = None, origin: Origin | None = None) -> list[Outbound]:
    """Every message the pending rows would go out as (a dry run lists their subjects)."""
    events = load_events(con, [d.change_id for d in deliveries if d.change_id is not None])
    return [o for rows in group(deliveries)
            for o in outbound(con, rows, channels[rows[0].url_hash], events, site_url=site_url,
                              origin=origin)]


def _try(
    channel: Channel, message: Message, pauses: tuple[float, ...], sleep: Callable[[float], None]
) -> str | None:
    """None when sent; else the (masked) reason of the last failure."""
    error = None
    for pause in (0.0, *pauses):
        if pause:
            sleep(pause)
        try:
            channel.send(message)
            return None
        except DeliveryError as exc:
            error = str(exc)
    return error


def send_pending(
    con,
    deliveries: list[Delivery],
    channels: dict[str, Channel],
    *,
    clock: Callable[[], datetime],
    max_attempts: int,
    pauses: tuple[float, ...] = RETRY_PAUSES,
    sleep: Callable[[float], None] = time.sleep,
    site_url: str | None = None,
    origin: Origin | None = None,
) -> SendStats:
    """Send each message (oldest first) and record the outcome of its rows immediately.

    The channels are closed at the end: what one keeps open for the run (an
    SMTP session per mail destination) lives as long as this call.
    """
    stats = SendStats()
    events = load_events(con, [d.change_id for d in deliveries if d.change_id is not None])
    streak: Counter[str] = Counter()
    worked: dict[str, bool] = {}  # destination -> accepted anything this run

    def failed(rows, error: str, what: str) -> None:
        shown = channels[rows[0].url_hash].destination.label
        status = mark_failed_run(con, rows, error, clock(), max_attempts)
        streak[rows[0].url_hash] += 1
        worked.setdefault(rows[0].url_hash, False)
        stats.errors.append(f"{shown}: {error}")
        if status == "failed":
            stats.failed += len(rows)
            log.error("gave up on %s to %s after %d runs: %s", what, shown,
                      rows[0].attempts + 1, error)
        else:
            stats.retry_later += len(rows)
            log.warning("could not send %s to %s (run %d of %d): %s", what, shown,
                        rows[0].attempts + 1, max_attempts, error)

    try:
        for rows in group(deliveries):
            url_hash = rows[0].url_hash
            if streak[url_hash] >= DOWN_AFTER:
                stats.waiting += len(rows)
                continue
            channel = channels[url_hash]
            shown = channel.destination.label  # scheme, host, hash of the secret: never the secret
            try:
                messages = outbound(con, rows, channel, events, site_url=site_url,
                                    origin=origin)
            except Exception as exc:  # a rendering bug must not hold back the other messages
                log.exception("cannot build %s for %s", rows[0].message, shown)
                failed(rows, channel.destination.redact(f"{type(exc).__name__}: {exc}"),
                       rows[0].message)
                continue
            for out in messages:
                if streak[url_hash] >= DOWN_AFTER:
                    stats.waiting += len(out.deliveries)
                    continue
                try:
                    error = _try(channel, out.message, pauses, sleep)
                except Exception as exc:  # a plugin or template bug: this message only
                    log.exception("cannot send %s to %s", out.message.key, shown)
                    error = channel.destination.redact(f"{type(exc).__name__}: {exc}")
                if error is not None:
                    failed(out.deliveries, error, out.message.key)
                    continue
                pause_point("alert:sent")
                mark_sent(con, out.deliveries, clock())
                streak[url_hash] = 0
                worked[url_hash] = True
                stats.sent += len(out.deliveries)
                stats.messages += 1
                log.info("sent %s to %s (%d rows)", out.message.key, shown,
                         len(out.deliveries))
    finally:
        for channel in channels.values():  # the run's sessions (SMTP) end with it
            channel.close()
    for url_hash, ok in worked.items():
        mark_destination(con, url_hash, ok, clock())
    return stats
