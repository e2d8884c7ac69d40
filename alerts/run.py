"""The alert stage: queue what is new, send what is pending, tell operators of trouble."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from alerts import operators, outbox
from alerts.channels import Channel
from alerts.destinations import OPERATORS, STAKEHOLDERS, Target, targets
from alerts.dispatch import RETRY_PAUSES, SendStats, message_for, send_pending
from alerts.events import load_events
from alerts.logs import masking
from alerts.messages import utc_now
from zgwatch.config import Settings

log = logging.getLogger("alerts")


@dataclass
class AlertReport:
    """What ``run_alerts`` did (or, with ``dry_run``, would do)."""

    queued: int = 0  # outbox rows added this run
    sent: int = 0
    retry_later: int = 0  # failed this run, pending for the next
    failed: int = 0  # given up this run (status failed)
    waiting: int = 0  # not tried this run: their destination was down
    pending: int = 0  # pending rows for configured destinations after the run
    incidents_opened: int = 0
    incidents_closed: int = 0
    dry_run: bool = False
    planned: list[tuple[str, str]] = field(default_factory=list)  # (masked channel, subject)
    errors: list[str] = field(default_factory=list)  # masked

    def __str__(self) -> str:
        """One line; a dry run adds one line per message it would send."""
        if self.dry_run:
            head = f"dry run: {len(self.planned)} message(s) would be sent, nothing recorded"
            return "\n".join([head, *("  " + line for line in self.plan_lines())])
        return self.summary()

    def summary(self) -> str:
        """What the run did, in one line."""
        if self.dry_run:
            return f"dry run: {len(self.planned)} message(s) would be sent, nothing recorded"
        parts = [f"queued {self.queued}", f"sent {self.sent}", f"pending {self.pending}"]
        if self.failed:
            parts.append(f"failed {self.failed}")
        if self.incidents_opened or self.incidents_closed:
            parts.append(f"incidents +{self.incidents_opened}/-{self.incidents_closed}")
        return ", ".join(parts)

    def plan_lines(self) -> list[str]:
        """One line per message a dry run would send: to whom, what."""
        return [f"{channel}  {subject}" for channel, subject in self.planned]


def _queue_stakeholders(con, stakeholders: list[Target], now: datetime) -> int:
    queued = 0
    for t in stakeholders:
        queued += outbox.enqueue_events(con, t, now)
        if not t.wants_kind("new"):
            continue
        baseline = outbox.baseline_facts(con, t)
        if baseline and baseline[0] >= outbox.since_batch(con, t.url_hash):
            batch_id, facts = baseline
            queued += outbox.enqueue_message(con, t, f"baseline:{batch_id}", facts, now)
    return queued


def _open_channels(all_targets: list[Target]) -> dict[str, Channel]:
    channels = {}
    for t in all_targets:
        channels.setdefault(t.url_hash, Channel.open(t))
    return channels


def _plan(con, deliveries, report: AlertReport) -> None:
    events = load_events(con, [d.change_id for d in deliveries if d.change_id is not None])
    for d in deliveries:
        report.planned.append((d.channel, message_for(d, events).subject))


def _stage(
    con,
    settings: Settings,
    all_targets: list[Target],
    report: AlertReport,
    clock: Callable[[], datetime],
    send: Callable[[list, dict], SendStats],
) -> None:
    stakeholders = [t for t in all_targets if t.audience == STAKEHOLDERS]
    ops = [t for t in all_targets if t.audience == OPERATORS]
    channels = _open_channels(all_targets)
    for t in all_targets:
        outbox.register(con, t, clock())

    report.queued += _queue_stakeholders(con, stakeholders, clock())
    first = outbox.pending(con, [t.url_hash for t in stakeholders], STAKEHOLDERS)
    stats = send(first, channels)

    # After the stakeholders' sends, so a destination that just recovered ends its incident.
    batch_id, troubles = operators.current_trouble(con, settings.source, stakeholders, clock())
    report.incidents_opened, report.incidents_closed = operators.reconcile(
        con, troubles, batch_id, clock()
    )
    report.queued += operators.enqueue_notices(con, ops, clock())
    stats.add(send(outbox.pending(con, [t.url_hash for t in ops], OPERATORS), channels))

    report.sent, report.retry_later, report.failed = stats.sent, stats.retry_later, stats.failed
    report.waiting, report.errors = stats.waiting, stats.errors
    report.pending = len(outbox.pending(con, [t.url_hash for t in all_targets]))


def run_alerts(
    con,
    settings: Settings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    retry_pauses: tuple[float, ...] = RETRY_PAUSES,
    sleep: Callable[[float], None] = time.sleep,
) -> AlertReport:
    """Queue new events for every destination, send what is pending, check for trouble.

    ``con`` is a writable warehouse connection (migrations applied). ``now``
    fixes the clock (tests); by default each record gets the current time.
    ``dry_run`` goes through the same steps inside a transaction that is rolled
    back: nothing is sent or recorded, and the report lists what would be sent
    (``plan_lines()``). Secrets are masked in the warehouse and in every log
    record the stage and Apprise emit meanwhile.
    """
    clock = (lambda: now) if now is not None else utc_now
    report = AlertReport(dry_run=dry_run)
    all_targets = targets(settings)
    secrets = [s for t in all_targets for s in t.secrets]

    def send(deliveries, channels) -> SendStats:
        if dry_run:
            _plan(con, deliveries, report)
            return SendStats()
        return send_pending(
            con,
            deliveries,
            channels,
            clock=clock,
            max_attempts=settings.max_attempts,
            pauses=retry_pauses,
            sleep=sleep,
        )

    with masking(secrets):
        if not dry_run:
            _stage(con, settings, all_targets, report, clock, send)
        else:
            con.begin()
            try:
                _stage(con, settings, all_targets, report, clock, send)
            finally:
                con.rollback()
    log.info("alerts: %s", report.summary())
    return report
