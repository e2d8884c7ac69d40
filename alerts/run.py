"""The alert stage: queue what is new, send what is pending, tell operators of trouble
and of what the parser could not read (parse gaps)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from alerts import gaps, operators, outbox
from alerts.channels import Channel
from alerts.destinations import OPERATORS, STAKEHOLDERS, Destination, unique
from alerts.dispatch import RETRY_PAUSES, SendStats, plan, send_pending
from alerts.logs import masking
from alerts.messages import Origin, utc_now
from core.sources import DEFAULT_SOURCE_ID, Source
from core.sqlfiles import transaction
from core.vocabulary import FLOOD_MESSAGES, MAX_ATTEMPTS

DEFAULT_SOURCE = Source(id=DEFAULT_SOURCE_ID, url="")  # a config built without one (tests)


@dataclass(frozen=True)
class AlertConfig:
    """What the alert stage needs: where to send, how long to keep trying, which source."""

    destinations: tuple[Destination, ...] = ()  # stakeholders' and operators'
    max_attempts: int = MAX_ATTEMPTS  # failed runs after which a delivery is given up
    # the source this warehouse watches: every message names it, operators' by its column
    source: Source = DEFAULT_SOURCE
    several_sources: bool = False  # the registry lists more than one: subjects name the source
    resend_hint: str = ""  # how operators re-send given-up deliveries (the application's command)
    site_url: str | None = None  # the history site's public base URL: alerts link to it
    runbook: str | None = None  # the operators' runbook (address or file): messages link it
    # more messages than this for one destination in one run: one digest and an incident
    flood_threshold: int = FLOOD_MESSAGES

    @property
    def origin(self) -> Origin:
        """How messages name the source (``messages.Origin``)."""
        return Origin(self.source, self.several_sources)


@dataclass
class AlertReport:
    """What ``run_alerts`` did (or, with ``dry_run``, would do)."""

    queued: int = 0  # outbox rows added this run
    resent: int = 0  # failed deliveries put back to pending by ``retry_failed``
    sent: int = 0  # outbox rows sent (a message carries one or more)
    messages: int = 0  # messages sent
    retry_later: int = 0  # failed this run, pending for the next
    failed: int = 0  # given up this run (status failed)
    waiting: int = 0  # not tried this run: their destination was down
    pending: int = 0  # pending rows for configured destinations after the run
    incidents_opened: int = 0
    incidents_closed: int = 0
    dry_run: bool = False
    planned: list[tuple[str, str]] = field(default_factory=list)  # (masked channel, subject)
    # deliveries given up to destinations not configured in this run: (masked channel, count)
    failed_elsewhere: list[tuple[str, int]] = field(default_factory=list)
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
        parts = [f"queued {self.queued}", f"sent {self.sent} in {self.messages} message(s)",
                 f"pending {self.pending}"]
        if self.resent:
            parts.insert(0, f"re-sending {self.resent} failed")
        if self.failed:
            parts.append(f"failed {self.failed}")
        if self.incidents_opened or self.incidents_closed:
            parts.append(f"incidents +{self.incidents_opened}/-{self.incidents_closed}")
        return ", ".join(parts)

    def plan_lines(self) -> list[str]:
        """One line per message a dry run would send: to whom, what."""
        return [f"{channel}  {subject}" for channel, subject in self.planned]


def _queue_stakeholders(con, stakeholders: list[Destination], now: datetime,
                        config: AlertConfig) -> tuple[int, list[operators.Trouble]]:
    """Queue the baseline summary (first, so it is sent first), then the events, for each
    destination that follows this source; (rows queued, an ``alert_flood`` trouble per
    destination whose run was a flood)."""
    queued, floods = 0, []
    flood_threshold = config.flood_threshold
    stakeholders = [t for t in stakeholders if t.wants_source(config.source.id)]
    run = outbox.next_run(con) if stakeholders else 0
    for t in stakeholders:
        baseline = outbox.baseline_facts(con, t) if t.wants_kind("new") else None
        if baseline:
            batch_id, facts = baseline
            queued += outbox.enqueue_message(con, t, f"baseline:{batch_id}", facts, now)
        queued += outbox.enqueue_events(con, t, now, run)
        if merged := outbox.cap_flood(con, t, run, flood_threshold):
            floods.append(operators.flood_trouble(t, merged, flood_threshold))
    return queued, floods


def _open_channels(destinations: list[Destination]) -> dict[str, Channel]:
    channels = {}
    for d in destinations:
        channels.setdefault(d.url_hash, Channel.open(d))
    return channels


def _plan(con, deliveries, channels, report: AlertReport, config: AlertConfig) -> None:
    for out in plan(con, deliveries, channels, site_url=config.site_url, origin=config.origin):
        report.planned.append((out.deliveries[0].masked, out.message.subject))


def _stage(
    con,
    config: AlertConfig,
    destinations: list[Destination],
    report: AlertReport,
    clock: Callable[[], datetime],
    send: Callable[[list, dict], SendStats],
) -> None:
    stakeholders = [d for d in destinations if d.audience == STAKEHOLDERS]
    ops = [d for d in destinations if d.audience == OPERATORS]
    channels = _open_channels(destinations)
    for d in destinations:
        outbox.register(con, d, clock())

    queued, floods = _queue_stakeholders(con, stakeholders, clock(), config)
    report.queued += queued
    first = outbox.pending(con, [t.url_hash for t in stakeholders], STAKEHOLDERS)
    stats = send(first, channels)

    # After the stakeholders' sends, so a destination that just recovered ends its incident,
    # and one whose delivery is now a failed run from being given up opens one.
    batch_id, troubles = operators.current_trouble(
        con, config.source.url, stakeholders, clock(), max_attempts=config.max_attempts,
        resend_hint=config.resend_hint,
    )
    report.incidents_opened, report.incidents_closed = operators.reconcile(
        con, troubles + floods, batch_id, clock(), [t.url_hash for t in stakeholders]
    )
    report.queued += operators.enqueue_notices(con, ops, clock(), config.runbook)
    report.queued += gaps.enqueue_gaps(con, ops, clock(), config.runbook)
    stats.add(send(outbox.pending(con, [d.url_hash for d in ops], OPERATORS), channels))

    report.sent, report.retry_later, report.failed = stats.sent, stats.retry_later, stats.failed
    report.waiting, report.errors, report.messages = stats.waiting, stats.errors, stats.messages
    report.pending = len(outbox.pending(con, [d.url_hash for d in destinations]))
    report.failed_elsewhere = outbox.failed_elsewhere(con, [d.url_hash for d in destinations])


def run_alerts(
    con,
    config: AlertConfig,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    retry_failed: bool = False,
    retry_pauses: tuple[float, ...] = RETRY_PAUSES,
    sleep: Callable[[float], None] = time.sleep,
) -> AlertReport:
    """Queue new events for every destination, send what is pending, check for trouble.

    ``retry_failed`` first puts the failed deliveries of the configured destinations
    back to pending, with their failed runs reset and the re-send recorded
    (``outbox.retry_failed``), so this run tries them again; each is still sent once.

    ``con`` is a writable warehouse connection (migrations applied). ``now``
    fixes the clock (tests); by default each record gets the current time.
    ``dry_run`` goes through the same steps inside a transaction that is rolled
    back: nothing is sent or recorded, and the report lists what would be sent
    (``plan_lines()``). Secrets are masked in the warehouse and in every log
    record the stage and Apprise emit meanwhile.
    """
    clock = (lambda: now) if now is not None else utc_now
    report = AlertReport(dry_run=dry_run)
    destinations = unique(config.destinations)
    secrets = [s for d in destinations for s in d.secrets]

    def send(deliveries, channels) -> SendStats:
        if dry_run:
            _plan(con, deliveries, channels, report, config)
            return SendStats()
        return send_pending(
            con,
            deliveries,
            channels,
            clock=clock,
            max_attempts=config.max_attempts,
            pauses=retry_pauses,
            sleep=sleep,
            site_url=config.site_url,
            origin=config.origin,
        )

    hashes = [d.url_hash for d in destinations]
    with masking(secrets):
        if not dry_run:
            if retry_failed:
                with transaction(con):
                    report.resent = outbox.retry_failed(con, hashes, clock())
            _stage(con, config, destinations, report, clock, send)
        else:
            with transaction(con, commit=False):  # a dry run keeps nothing
                if retry_failed:
                    report.resent = outbox.retry_failed(con, hashes, clock())
                _stage(con, config, destinations, report, clock, send)
    return report


def send_to_operators(
    con,
    config: AlertConfig,
    *,
    now: datetime | None = None,
    retry_pauses: tuple[float, ...] = RETRY_PAUSES,
    sleep: Callable[[float], None] = time.sleep,
) -> AlertReport:
    """Queue the incidents' messages for the operators' destinations and send what they have
    pending; stakeholders' deliveries are left for the alert stage."""
    clock = (lambda: now) if now is not None else utc_now
    report = AlertReport()
    ops = [d for d in unique(config.destinations) if d.audience == OPERATORS]
    with masking([s for d in ops for s in d.secrets]):
        for d in ops:
            outbox.register(con, d, clock())
        report.queued = operators.enqueue_notices(con, ops, clock(), config.runbook)
        stats = send_pending(con, outbox.pending(con, [d.url_hash for d in ops], OPERATORS),
                             _open_channels(ops), clock=clock, max_attempts=config.max_attempts,
                             pauses=retry_pauses, sleep=sleep, origin=config.origin)
    report.sent, report.retry_later, report.failed = stats.sent, stats.retry_later, stats.failed
    report.waiting, report.errors, report.messages = stats.waiting, stats.errors, stats.messages
    report.pending = len(outbox.pending(con, [d.url_hash for d in ops]))
    return report
