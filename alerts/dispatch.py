"""Send pending deliveries: a couple of quick retries each, the result recorded at once.

Backoff happens inside the run (``RETRY_PAUSES``), so an hourly cycle never
skips a retry; what still fails stays ``pending`` for the next run and is
``failed`` after ``max_attempts`` failed runs. A destination that fails
``DOWN_AFTER`` deliveries in a row is left alone for the rest of the run: its
other deliveries wait, untouched, instead of each spending the retry pauses.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from alerts.channels import Channel, DeliveryError
from alerts.events import ChangeEvent, load_events
from alerts.messages import (
    Message,
    event_message,
    gap_message,
    incident_message,
    summary_message,
)
from alerts.outbox import Delivery, mark_destination, mark_failed_run, mark_sent
from core.testhook import pause_point

log = logging.getLogger("alerts")

RETRY_PAUSES = (0.5, 2.0)  # seconds before the 2nd and 3rd try of one delivery in a run
DOWN_AFTER = 2


@dataclass
class SendStats:
    """What one pass over the pending deliveries did."""

    sent: int = 0
    retry_later: int = 0  # failed this run, still pending
    failed: int = 0  # failed this run for the last time
    waiting: int = 0  # not tried: their destination was down this run
    errors: list[str] = field(default_factory=list)  # masked

    def add(self, other: SendStats) -> None:
        self.sent += other.sent
        self.retry_later += other.retry_later
        self.failed += other.failed
        self.waiting += other.waiting
        self.errors += other.errors


def message_for(delivery: Delivery, events: dict[int, ChangeEvent]) -> Message:
    """Rebuild the message an outbox row stands for."""
    family, _, rest = delivery.message_key.partition(":")
    if family == "change":
        return event_message(events[delivery.change_id])
    if family == "baseline":
        return summary_message(rest, delivery.payload or {})
    if family == "incident":
        return incident_message(delivery.payload or {}, rest.rsplit(":", 1)[1])
    if family == "gap":
        return gap_message(delivery.payload or {})
    raise ValueError(f"unknown message key {delivery.message_key!r}")


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
) -> SendStats:
    """Try each delivery (oldest first) and record the outcome immediately."""
    stats = SendStats()
    events = load_events(con, [d.change_id for d in deliveries if d.change_id is not None])
    streak: Counter[str] = Counter()
    worked: dict[str, bool] = {}  # destination -> accepted anything this run
    for d in deliveries:
        if streak[d.url_hash] >= DOWN_AFTER:
            stats.waiting += 1
            continue
        channel = channels[d.url_hash]
        try:
            message = message_for(d, events)
            error = _try(channel, message, pauses, sleep)
        except Exception as exc:  # a rendering bug must not hold back the other deliveries
            log.exception("cannot build %s for %s", d.message_key, d.masked)
            error = channel.destination.redact(f"{type(exc).__name__}: {exc}")
        if error is None:
            pause_point("alert:sent")
            mark_sent(con, d, clock())
            streak[d.url_hash] = 0
            worked[d.url_hash] = True
            stats.sent += 1
            log.info("sent %s to %s", d.message_key, d.masked)
            continue
        status = mark_failed_run(con, d, error, clock(), max_attempts)
        streak[d.url_hash] += 1
        worked.setdefault(d.url_hash, False)
        stats.errors.append(f"{d.masked}: {error}")
        if status == "failed":
            stats.failed += 1
            log.error(
                "gave up on %s to %s after %d runs: %s",
                d.message_key,
                d.masked,
                d.attempts + 1,
                error,
            )
        else:
            stats.retry_later += 1
            log.warning(
                "could not send %s to %s (run %d of %d): %s",
                d.message_key,
                d.masked,
                d.attempts + 1,
                max_attempts,
                error,
            )
    for url_hash, ok in worked.items():
        mark_destination(con, url_hash, ok, clock())
    return stats
