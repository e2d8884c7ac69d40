"""Apprise's log: what it said about a failed send, and no secret in anyone's log.

Apprise reports a failure by returning False and logging why; ``capture``
collects those warnings so the outbox can keep them as ``last_error``.
Some plugins log the full request URL at debug level (a WeCom key, a DingTalk
token), and urllib3 logs request lines; ``masking`` scrubs every configured
secret from every log record made in this process while the alert stage runs,
whichever logger made it (no list of logger names to keep up to date).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from alerts.destinations import MASK

_lock = threading.Lock()


@contextmanager
def masking(secrets: Iterable[str]) -> Iterator[None]:
    """While inside, no log record of this process shows any of these strings.

    The record factory is wrapped, so a record is scrubbed when it is made,
    before any filter, handler or formatter sees it.
    """
    secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not secrets:
        yield
        return
    with _lock:
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            try:
                text = record.getMessage()
            except Exception:  # a bad format string is the logging module's to report
                return record
            if any(s in text for s in secrets):
                for s in secrets:
                    text = text.replace(s, MASK)
                record.msg, record.args = text, ()
            return record

        logging.setLogRecordFactory(factory)
    try:
        yield
    finally:
        with _lock:
            logging.setLogRecordFactory(previous)


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
