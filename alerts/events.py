"""Change events as the alert stage reads them from the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.textdiff import parse_diff
from core.vocabulary import KIND_LABELS


@dataclass(frozen=True)
class ChangeEvent:
    """One row of the ``changes`` view (``change_events`` with url, title, issuer)."""

    change_id: int
    notice_id: str
    kind: str
    batch_id: str | None
    detected_at: datetime  # aware, UTC
    as_of: date
    baseline: bool
    summary: str
    url: str | None
    title: str | None
    issuer: str | None
    publicity_start: date | None
    publicity_end: date | None
    diff: tuple[tuple[int, str], ...] | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def days_left(self) -> int | None:
        """Days from the event's ``as_of`` to the end of the publicity period (公开期限)."""
        if self.publicity_end is None:
            return None
        return (self.publicity_end - self.as_of).days


# TIMESTAMPTZ is read as epoch seconds: DuckDB needs pytz to hand out aware datetimes.
_COLUMNS = """
    change_id, notice_id, kind, batch_id, epoch(detected_at), as_of, baseline,
    summary, url, title, issuer, publicity_start, publicity_end, diff
"""


def _event(row: tuple) -> ChangeEvent:
    (cid, nid, kind, batch, detected, as_of, baseline, summary, url, title, issuer, start, end,
     diff) = row  # fmt: skip
    ops = parse_diff(diff)
    return ChangeEvent(
        change_id=cid,
        notice_id=nid,
        kind=kind,
        batch_id=batch,
        detected_at=datetime.fromtimestamp(detected, UTC),
        as_of=as_of,
        baseline=bool(baseline),
        summary=summary or "",
        url=url,
        title=title,
        issuer=issuer,
        publicity_start=start,
        publicity_end=end,
        diff=tuple(ops) if ops else None,
    )


def load_events(con, change_ids: list[int]) -> dict[int, ChangeEvent]:
    """The events with these ids, keyed by ``change_id``."""
    if not change_ids:
        return {}
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM changes WHERE change_id IN (SELECT unnest(?::BIGINT[]))",
        [list(change_ids)],
    ).fetchall()
    return {r[0]: _event(r) for r in rows}
