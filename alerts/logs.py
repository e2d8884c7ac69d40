"""Apprise's log: what it said about a failed send, and no secret in anyone's log.

Apprise reports a failure by returning False and logging why; ``capture``
collects those warnings so the outbox can keep them as ``last_error``.
Some plugins log the full request URL at debug level (a WeCom key, a DingTalk
token), and urllib3 logs request lines; ``masking`` scrubs every configured
secret from those loggers' records while the alert stage runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from alerts.destinations import MASK

# Loggers that may see a destination's URL. Filters on a logger do not reach
# its children, so each one that logs is listed.
SCRUBBED_LOGGERS = ("apprise", "urllib3.connectionpool", "requests", "alerts", "zgwatch")


class _Scrub(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(s in text for s in self.secrets):
            for s in self.secrets:
                text = text.replace(s, MASK)
            record.msg, record.args = text, ()
        return True


@contextmanager
def masking(secrets: Iterable[str]) -> Iterator[None]:
    """While inside, records of the scrubbed loggers never show these strings."""
    secrets = [s for s in secrets if s]
    if not secrets:
        yield
        return
    scrub = _Scrub(secrets)
    loggers = [logging.getLogger(name) for name in SCRUBBED_LOGGERS]
    for lg in loggers:
        lg.addFilter(scrub)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(scrub)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def capture() -> Iterator[list[str]]:
    """Collect Apprise's warnings and errors logged inside the block."""
    handler = _Collect()
    logger = logging.getLogger("apprise")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
