"""Turn a parsed ``NoticePage`` into the JSON-ready ``NoticeRecord`` a batch stores."""

from __future__ import annotations

from datetime import date, datetime

from crawler.items import NoticeRecord
from crawler.parsing.model import NoticePage


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def notice_record(notice: NoticePage, *, notice_id: str, fetched_at: str, raw_sha256: str,
                  etag: str | None, last_modified: str | None) -> NoticeRecord:
    """Flatten ``notice`` (dates to ISO strings, nested parts to dicts)."""
    period, contacts, inspection = notice.publicity, notice.contacts, notice.inspection
    return NoticeRecord(
        notice_id=notice_id,
        url=notice.url,
        title=notice.title,
        body=notice.body,
        text_sha256=notice.text_sha256,
        fetched_at=fetched_at,
        raw_sha256=raw_sha256,
        published_on=_iso(notice.published_on),
        published_at=_iso(notice.published_at),
        source=notice.source,
        issuer=notice.issuer,
        signed_on=_iso(notice.signed_on),
        publicity_start=_iso(period.start),
        publicity_end=_iso(period.end),
        publicity_end_derived=period.end_derived,
        publicity_days=period.days,
        publicity_raw=period.raw,
        contacts={
            "phones": list(contacts.phones),
            "emails": list(contacts.emails),
            "postcode": contacts.postcode,
            "address": contacts.address,
            "raw": contacts.raw,
        },
        inspection={
            "group": inspection.group,
            "start": _iso(inspection.start),
            "end": _iso(inspection.end),
            "feedback_on": _iso(inspection.feedback_on),
        },
        attachments=[{"name": a.name, "url": a.url} for a in notice.attachments],
        etag=etag,
        last_modified=last_modified,
    )
