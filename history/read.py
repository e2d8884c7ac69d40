"""What the site shows, read from the warehouse's relations (``sql/site.sql``) into dataclasses.

Every read goes through an open DuckDB connection the caller owns (read-only
is enough). Notice pages are read in chunks of ids, so a full build of
20,000 notices never holds every text in memory at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from core.sqlfiles import SqlFile
from core.vocabulary import ALERTED_KINDS, BASELINE_ALERTED, CONTENT_OUTCOMES, is_notice_id

SQL = SqlFile(Path(__file__).parent / "sql" / "site.sql")
log = logging.getLogger("history")


def _csv(values: Sequence[str]) -> str:
    """Ids (digits, hex, batch ids: never a comma) as the one string site.sql splits."""
    return ",".join(values)


def _instant(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _json(value) -> object:
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)


def _has_table(con, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
    ).fetchone()[0])  # fmt: skip


def latest_as_of(con) -> date | None:
    """The date of the latest cycle: its diff run's ``as_of`` (days left count from it).

    A warehouse from before ``diff_runs`` falls back to its newest event's
    ``as_of``; an empty one has none.
    """
    if _has_table(con, "diff_runs") and (row := SQL.rows(con, "latest_as_of")):
        return row[0][0]
    found = SQL.rows(con, "latest_event_as_of")[0][0]
    return found


def column_source(con) -> str | None:
    """The column URL the newest batch was crawled from."""
    rows = SQL.rows(con, "column_source")
    return rows[0][0] if rows else None


# -- the index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeSummary:
    """One notice as the index lists it."""

    notice_id: str
    url: str
    title: str | None
    issuer: str | None
    published_on: date | None
    publicity_start: date | None
    publicity_end: date | None
    status: str
    versions: int
    last_kind: str | None
    last_change_at: datetime | None
    fingerprint: str  # moves whenever anything the notice's own page shows changes


def notice_summaries(con) -> list[NoticeSummary]:
    """Every notice ever seen, newest publication first (one whose id is no notice id, which
    an older version could load, is left out: it has no page, and is logged)."""
    return _notice_ids_only([
        NoticeSummary(*row[:10], _instant(row[10]), row[11])
        for row in SQL.rows(con, "index_rows")
    ])


def _notice_ids_only(rows: list) -> list:
    """``rows`` without those whose ``notice_id`` is not a notice id (``vocabulary.NOTICE_ID``)."""
    kept = [r for r in rows if is_notice_id(r.notice_id)]
    if dropped := [r.notice_id for r in rows if not is_notice_id(r.notice_id)]:
        log.warning("site: %d row(s) of ids that are no notice id left out (%s)",
                    len(dropped), ", ".join(repr(i)[:40] for i in dropped[:3]))
    return kept


# -- one notice's page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One text version of a notice, and where its page as fetched is stored."""

    notice_id: str
    version_no: int
    detected_at: datetime  # the fetch that first brought this text
    batch_id: str
    url: str
    title: str
    body: str
    text_sha256: str
    raw_sha256: str | None
    issuer: str | None
    publicity_start: date | None
    publicity_end: date | None
    encoding: str | None = None  # how the crawl decoded the stored bytes

    @property
    def text(self) -> str:
        """Title and body, as the diff stage compares them."""
        return f"{self.title}\n{self.body}"


@dataclass(frozen=True)
class Event:
    """One change event of a notice."""

    change_id: int
    notice_id: str
    kind: str
    detected_at: datetime
    as_of: date
    baseline: bool
    summary: str
    from_version: int | None
    to_version: int | None


@dataclass
class NoticeHistory:
    """Everything a notice's page shows: its fields, every version, every event."""

    notice_id: str
    url: str
    title: str | None
    issuer: str | None
    published_on: date | None
    publicity_start: date | None
    publicity_end: date | None
    status: str
    version_count: int
    published_at: datetime | None
    source: str | None
    signed_on: date | None
    publicity_days: int | None
    publicity_end_derived: bool | None
    publicity_raw: str | None
    contacts: dict | None
    inspection_group: str | None
    inspection_start: date | None
    inspection_end: date | None
    feedback_on: date | None
    attachments: list | None
    first_seen: datetime | None
    list_title: str | None
    listed_on: date | None
    versions: list[Version] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None


def _history(row: tuple) -> NoticeHistory:
    values = list(row)
    values[15] = _json(values[15])  # contacts
    values[20] = _json(values[20])  # attachments
    values[21] = _instant(values[21])  # first_seen
    return NoticeHistory(*values)


def notice_histories(con, notice_ids: Sequence[str], chunk: int = 500) -> Iterator[NoticeHistory]:
    """The full history of each of ``notice_ids``, read ``chunk`` notices at a time."""
    for i in range(0, len(notice_ids), chunk):
        ids = list(notice_ids[i : i + chunk])
        pages = {r[0]: _history(r) for r in SQL.rows(con, "notice_fields", ids=_csv(ids))}
        rows = SQL.rows(con, "notice_versions", ids=_csv(ids))
        shas = sorted({r[8] for r in rows if r[8]})
        encodings = dict(SQL.rows(con, "raw_encodings", shas=_csv(shas))) if shas else {}
        for r in rows:
            version = Version(r[0], r[1], _instant(r[2]), *r[3:], encoding=encodings.get(r[8]))
            pages[r[0]].versions.append(version)
        for r in SQL.rows(con, "notice_events", ids=_csv(ids)):
            pages[r[1]].events.append(Event(r[0], r[1], r[2], _instant(r[3]), *r[4:]))
        for notice_id in ids:
            if notice_id in pages:
                yield pages.pop(notice_id)


# -- changes, cycles, feed ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    """An event on the changes page, with how its deliveries stand."""

    change_id: int
    notice_id: str
    title: str | None
    issuer: str | None
    kind: str
    detected_at: datetime
    as_of: date
    summary: str
    batch_id: str | None
    baseline: bool
    from_version: int | None
    to_version: int | None
    sent: int
    pending: int
    failed: int


def recent_changes(con, limit: int) -> list[ChangeRow]:
    """The newest ``limit`` events alerted one by one, newest first."""
    rows = SQL.rows(con, "recent_changes", limit=limit, alerted=sorted(ALERTED_KINDS),
                baseline_alerted=sorted(BASELINE_ALERTED))  # fmt: skip
    return _notice_ids_only([ChangeRow(*r[:5], _instant(r[5]), *r[6:]) for r in rows])


def baseline_counts(con) -> dict[str, tuple[dict[str, int], datetime, date]]:
    """``{batch_id: ({kind: count}, detected_at, as_of)}`` of the baseline events."""
    found: dict[str, tuple[dict[str, int], datetime, date]] = {}
    for batch_id, kind, n, detected, as_of in SQL.rows(con, "baseline_counts"):
        counts = found.setdefault(batch_id, ({}, _instant(detected), as_of))[0]
        counts[kind] = n
    return found


@dataclass(frozen=True)
class Failure:
    """A fetch that brought no content."""

    fetched_at: datetime
    page_kind: str
    notice_id: str | None
    url: str
    outcome: str
    http_status: int | None
    reason: str | None


@dataclass
class Cycle:
    """One loaded crawl batch: what was fetched and how it went."""

    batch_id: str
    started_at: datetime
    list_complete: bool
    fetch_count: int
    listing_count: int
    notice_count: int
    new_notices: int
    new_versions: int
    as_of: date | None = None
    outcomes: dict[str, int] = field(default_factory=dict)  # outcome -> fetches
    events: dict[str, int] = field(default_factory=dict)  # kind -> events detected after it
    failures: list[Failure] = field(default_factory=list)  # the first few

    @property
    def failed(self) -> int:
        """Fetches that brought no content (faults, and 404/410)."""
        return sum(n for outcome, n in self.outcomes.items() if outcome not in CONTENT_OUTCOMES)


def cycles(con, limit: int, failures_per_cycle: int = 20) -> list[Cycle]:
    """The newest ``limit`` cycles, newest first, with outcome counts and first failures."""
    found = [Cycle(r[0], _instant(r[1]), *r[2:]) for r in SQL.rows(con, "cycles", limit=limit)]
    by_id = {c.batch_id: c for c in found}
    ids = _csv(list(by_id))
    if not ids:
        return []
    if _has_table(con, "diff_runs"):
        for batch_id, as_of in SQL.rows(con, "cycle_as_of", batches=ids):
            by_id[batch_id].as_of = as_of
    for batch_id, outcome, n in SQL.rows(con, "cycle_outcomes", batches=ids):
        by_id[batch_id].outcomes[outcome] = n
    for batch_id, kind, n in SQL.rows(con, "cycle_events", batches=ids):
        by_id[batch_id].events[kind] = n
    for r in SQL.rows(con, "cycle_failures", batches=ids, per_cycle=failures_per_cycle):
        by_id[r[0]].failures.append(Failure(_instant(r[1]), *r[2:]))
    return found


@dataclass(frozen=True)
class FeedEvent:
    """An alerted event, as the feed carries it."""

    change_id: int
    event_key: str
    notice_id: str
    url: str | None
    title: str | None
    issuer: str | None
    kind: str
    detected_at: datetime
    as_of: date
    summary: str
    from_version: int | None
    to_version: int | None
    publicity_start: date | None
    publicity_end: date | None
    diff: str | None  # change_events.diff as stored (JSON), edits only
    contacts: dict | None = None  # of to_version: how to send an opinion
    # on a site of several sources: the folder of the event's source (sitemap.source_folder)
    # and its column's URL (the entry's id derives from it); "" and None: the feed's own
    folder: str = ""
    column: str | None = None


def feed_events(con, limit: int, *, per_issuer: bool = False) -> list[FeedEvent]:
    """The newest ``limit`` alerted events, newest first; ``per_issuer``: the newest
    ``limit`` of each issuer."""
    rows = SQL.rows(con, "feed_events", limit=limit, per_issuer=per_issuer,
                    alerted=sorted(ALERTED_KINDS), baseline_alerted=sorted(BASELINE_ALERTED))
    return _notice_ids_only([FeedEvent(*r[:7], _instant(r[7]), *r[8:15], _json(r[15]))
                             for r in rows])
