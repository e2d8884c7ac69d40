"""What the alert stage reads of the warehouse: change events, each with its notice's fields.

Besides the ``changes`` view's columns, an event carries what a reader needs
to act on it: the contacts of the notice's version (``notice_versions.contacts``)
and the fields that could not be read (the ``parse_gaps`` relation, when the
warehouse has it). Queries are in ``sql/facts.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from core.contacts import Contacts
from core.sqlfiles import SqlFile
from core.textdiff import parse_diff
from core.vocabulary import KIND_LABELS

SQL = SqlFile(Path(__file__).parent / "sql" / "facts.sql")
execute = SQL.execute  # run a statement of this file by name


# parse_gaps.field in the words of the notice (见 docs/alerts.md): the fields alerts speak
# of. parse_gaps also lists the rectification timeline's dates (inspection_group,
# feedback_on, …): those are for analysts, and alerts leave them out.
GAP_FIELDS = {
    "publicity_period": "公开期限",
    "publicity_start": "公开期限起始日",
    "publicity_end": "公开期限截止日",
    "contacts": "联系方式",
    "phones": "联系电话",
    "emails": "电子邮箱",
    "postcode": "邮政编码",
    "address": "通信地址",
    "issuer": "发布单位",
}


@dataclass(frozen=True)
class Gap:
    """A field of a notice version that could not be read, or was read with doubt."""

    field: str  # parse_gaps.field: publicity_period, publicity_end, contacts, issuer, …
    reason: str  # parse_gaps.reason: missing, doubtful, estimated, …


@dataclass(frozen=True)
class ChangeEvent:
    """One change event with its notice's fields as of the event's version."""

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
    version_no: int | None = None  # the version the event speaks of (None: never read)
    from_version: int | None = None  # an edit's previous version
    previous_end: date | None = None  # the publicity end of from_version (a moved period)
    contacts: Contacts = field(default_factory=Contacts)
    gaps: tuple[Gap, ...] = ()
    document_kind: str | None = None  # the version's (core.vocabulary.DocumentKind)

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def _event(row: tuple) -> ChangeEvent:
    (cid, nid, kind, batch, detected, as_of, baseline, summary, url, title, issuer, start, end,
     diff, version, contacts, from_version, previous_end, document_kind) = row  # fmt: skip
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
        version_no=version,
        from_version=from_version,
        previous_end=previous_end,
        contacts=Contacts.from_json(contacts),
        document_kind=document_kind,
    )


def gaps(con, versions: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[Gap, ...]]:
    """The unread or doubtful fields of these (notice_id, version_no), from ``parse_gaps``.

    Empty when the warehouse has no ``parse_gaps`` relation (before the parser
    reported its gaps).
    """
    keys = sorted({f"{n}:{v}" for n, v in versions if v is not None})
    if not keys or not execute(con, "has_parse_gaps").fetchone()[0]:
        return {}
    out: dict[tuple[str, int], list[Gap]] = {}
    rows = execute(con, "gaps", keys=keys, fields=list(GAP_FIELDS)).fetchall()
    for nid, version, fld, reason in rows:
        out.setdefault((nid, version), []).append(Gap(fld, reason))
    return {k: tuple(v) for k, v in out.items()}


def load_events(con, change_ids: list[int]) -> dict[int, ChangeEvent]:
    """The events with these ids, keyed by ``change_id``, with their notices' gaps."""
    if not change_ids:
        return {}
    events = [_event(r) for r in execute(con, "events", ids=list(change_ids)).fetchall()]
    found = gaps(con, [(e.notice_id, e.version_no) for e in events])
    return {
        e.change_id: _with_gaps(e, found.get((e.notice_id, e.version_no), ()))
        for e in events
    }


def _with_gaps(event: ChangeEvent, found: tuple[Gap, ...]) -> ChangeEvent:
    return replace(event, gaps=found) if found else event


@dataclass(frozen=True)
class OpenNotice:
    """A notice still open for opinions, as the baseline lists it."""

    notice_id: str
    url: str | None
    title: str | None
    issuer: str | None
    publicity_start: date | None
    publicity_end: date | None
    version_no: int | None
    contacts: Contacts
    gaps: tuple[Gap, ...] = ()


def open_notices(con, as_of: date) -> list[OpenNotice]:
    """Every active notice open for opinions on ``as_of``, soonest deadline first."""
    rows = execute(con, "open_notices", as_of=as_of).fetchall()
    found = gaps(con, [(r[0], r[6]) for r in rows])
    return [
        OpenNotice(nid, url, title, issuer, start, end, version, Contacts.from_json(contacts),
                   found.get((nid, version), ()))
        for nid, url, title, issuer, start, end, version, contacts in rows
    ]


def unread_periods(con) -> list[OpenNotice]:
    """Active notices whose publicity period could not be read (empty without ``parse_gaps``)."""
    if not execute(con, "has_parse_gaps").fetchone()[0]:
        return []
    rows = execute(con, "unread_periods").fetchall()
    found = gaps(con, [(r[0], r[4]) for r in rows])
    return [
        OpenNotice(nid, url, title, issuer, None, None, version, Contacts.from_json(contacts),
                   found.get((nid, version), ()))
        for nid, url, title, issuer, version, contacts in rows
    ]
