"""``zgwatch sources``: each source of the registry, its last cycle and its health.

Read from each source's analyst copy (``<stem>.analyst.duckdb`` beside its
warehouse), read-only: the copy is replaced by renames, never written in place,
so listing never waits for a running cycle nor holds one up. The copy says what
the last published cycle saw; a cycle that failed before its publish still
refreshes it with the operators' incident it opened (``pipeline.tell_operators``),
so a failing source shows as failing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from core.errors import ZgwatchError
from zgwatch.config import Settings

NO_CYCLE = "no cycle yet"


@dataclass(frozen=True)
class SourceStatus:
    """One source as ``zgwatch sources`` shows it."""

    id: str
    name: str
    kind: str
    host: str
    url: str
    profile: str
    last_cycle: str | None = None  # the latest cycle's start, ISO 8601 UTC
    outcome: str | None = None  # list complete (n/n pages), N events, M failed fetches
    health: str = NO_CYCLE  # ok | what is wrong, in words

    def lines(self) -> list[str]:
        when = f"{self.last_cycle} ({self.outcome})" if self.last_cycle else "none"
        return [f"{self.id}  {self.name}  [{self.kind}]",
                f"  url: {self.url} (host {self.host}, profile {self.profile})",
                f"  last cycle: {when}",
                f"  health: {self.health}"]

    def as_json(self) -> dict:
        return asdict(self)


def source_statuses(settings: Settings) -> list[SourceStatus]:
    """Every source of ``settings`` (the registry, else the default source), in order."""
    return [_status(settings, source) for source in settings.source_list]


def _status(settings: Settings, source) -> SourceStatus:
    from warehouse.publish import analyst_copy_path

    status = SourceStatus(source.id, source.name, source.kind, source.host, source.url,
                          source.profile)
    copy = analyst_copy_path(settings.for_source(source).db)
    if not copy.exists():
        return status
    try:
        last, incidents = _read(copy, settings.lock_wait)
    except ZgwatchError as exc:
        return replace(status, health=f"copy unreadable: {exc}")
    if last is None:
        return replace(status, health=_health(None, incidents))
    events = sum(last.events.values())
    outcome = (f"{last.list_line()}, {events} event{'s' * (events != 1)}, "
               f"{last.failed_total} failed fetch{'es' * (last.failed_total != 1)}")
    return replace(status, last_cycle=last.started_at.isoformat(), outcome=outcome,
                    health=_health(last, incidents))


def _read(copy, lock_wait: float):
    """(the latest cycle's summary or None, the open incidents) of the copy at ``copy``."""
    from alerts.operators import open_incidents
    from warehouse.cycles import recent_cycles
    from warehouse.db import connect

    with connect(copy, read_only=True, lock_wait=lock_wait) as con:
        latest = recent_cycles(con, 1)
        return (latest[0] if latest else None), open_incidents(con)


def _health(last, incidents: list[dict]) -> str:
    """``ok``, or what is wrong: the open incidents (kind: subject), an incomplete list."""
    wrong = [f"{i['kind']}: {i['subject']}" for i in incidents]
    if last is not None and not last.list_complete:
        wrong.append("the list was not read in full")
    if last is None and not wrong:
        return NO_CYCLE
    return "; ".join(wrong) or "ok"
