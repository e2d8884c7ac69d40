"""Time as pages print it (Asia/Shanghai, naive) and as HTTP dates give it (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SHANGHAI = timedelta(hours=8)  # pages print local time; HTTP dates are GMT


def utc(local: datetime) -> datetime:
    """A local (Asia/Shanghai) naive time as an aware UTC instant."""
    return (local - SHANGHAI).replace(tzinfo=UTC)
