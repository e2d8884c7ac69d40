"""zgwatch's own per-cycle counts as StatsD metrics, all under one prefix (``statsd_prefix``).

Plain StatsD lines over UDP to ``statsd`` (``host:port``, ``ZGWATCH_STATSD``): fire
and forget, as StatsD is meant to be; a collector that is down costs nothing and
loses only its points. Nothing is sent when ``statsd`` is not set. Airflow's own
metrics go to the same collector under ``<prefix>.airflow`` (``zgwatch airflow``
turns them on: ``zgwatch.airflow.launcher.metrics_env``; docs/operators.md, "Metrics").

Names (``<prefix>`` is ``zgwatch`` by default):

| metric | type | what |
|---|---|---|
| ``<prefix>.cycle.requests`` | counter | fetches of the cycle's crawl |
| ``<prefix>.cycle.failed.<outcome>`` | counter | fetches that brought no content, by outcome |
| ``<prefix>.cycle.events.<kind>`` | counter | change events the cycle recorded, by kind |
| ``<prefix>.cycle.list_complete`` | gauge | 1 when the whole list was read, else 0 |
| ``<prefix>.cycle.crawl`` | timer (ms) | the crawl's duration |
| ``<prefix>.alerts.<sent, retry_later, failed>`` | counter | deliveries of the alert stage |
| ``<prefix>.publish`` | timer (ms) | the publish step (analysts' copy and site) |
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterable, Mapping
from typing import Any

log = logging.getLogger("zgwatch.metrics")

DEFAULT_PREFIX = "zgwatch"
_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def _name(*parts: str) -> str:
    return ".".join(_NAME.sub("_", p) for p in parts if p)


def cycle_lines(prefix: str, cycle: Mapping[str, Any]) -> list[str]:
    """The StatsD lines of a cycle's summary (``warehouse.cycles.CycleSummary.as_json()``)."""
    lines = [f"{_name(prefix, 'cycle', 'requests')}:{int(cycle.get('requests') or 0)}|c"]
    lines += [f"{_name(prefix, 'cycle', 'failed', outcome)}:{int(n)}|c"
              for outcome, n in sorted((cycle.get("failed") or {}).items())]
    lines += [f"{_name(prefix, 'cycle', 'events', kind)}:{int(n)}|c"
              for kind, n in (cycle.get("events") or {}).items()]
    if cycle.get("list_complete") is not None:
        lines.append(f"{_name(prefix, 'cycle', 'list_complete')}:"
                     f"{1 if cycle['list_complete'] else 0}|g")
    if cycle.get("seconds") is not None:
        lines.append(f"{_name(prefix, 'cycle', 'crawl')}:{round(cycle['seconds'] * 1000)}|ms")
    return lines


def alert_lines(prefix: str, report) -> list[str]:
    """The StatsD lines of the alert stage's ``AlertReport``."""
    return [f"{_name(prefix, 'alerts', what)}:{int(getattr(report, what))}|c"
            for what in ("sent", "retry_later", "failed")]


def publish_lines(prefix: str, seconds: float) -> list[str]:
    return [f"{_name(prefix, 'publish')}:{round(seconds * 1000)}|ms"]


def send(address: str | None, lines: Iterable[str]) -> int:
    """Send ``lines`` to the StatsD collector at ``host:port``; how many datagrams went.

    One datagram per line (a collector reads each on its own, none is cut by an MTU).
    A name that does not resolve or a refused send is logged once, never raised.
    """
    if not address:
        return 0
    host, _, port = address.rpartition(":")
    sent = 0
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                           socket.SOCK_DGRAM) as sock:
            for line in lines:
                sock.sendto(line.encode("ascii"), (host.strip("[]"), int(port)))
                sent += 1
    except OSError as exc:
        log.warning("metrics not sent to %s: %s", address, exc.strerror or exc)
    return sent
