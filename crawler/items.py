"""Records a crawl batch holds, one JSON line each (see docs/architecture.md)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from core.vocabulary import Outcome, PageKind
from crawler.parsing.model import NoticePage

# A crawl that cannot store what it reads (a full disk, a folder it may not write) stops:
# the first failure ("path: reason") in this stats key, and this finish reason.
STORAGE_ERROR = "zgwatch/storage_error"
STORE_FAILED = "store_failed"


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class FetchRecord:
    """One fetch of one URL, whatever came of it."""

    url: str
    page_kind: PageKind | str
    outcome: Outcome | str
    fetched_at: str  # ISO 8601, UTC
    notice_id: str | None = None
    http_status: int | None = None
    reason: str | None = None  # why it is not ok, in a few words
    etag: str | None = None
    last_modified: str | None = None
    content_sha256: str | None = None  # of the raw bytes, for ok pages
    bytes: int = 0
    elapsed_ms: int | None = None
    encoding: str | None = None
    page_no: int | None = None  # list pages


@dataclass
class ListingEntry:
    """A notice as a list page shows it."""

    notice_id: str
    url: str
    title: str
    listed_on: str | None  # ISO date
    page_no: int | None
    position: int  # 0-based rank in the whole list (page order, then item order)


@dataclass
class NoticeRecord:
    """A notice read from an ok article fetch: ``NoticePage`` flattened to JSON types."""

    notice_id: str
    url: str
    title: str
    body: str
    text_sha256: str
    fetched_at: str
    raw_sha256: str
    published_on: str | None = None
    published_at: str | None = None
    source: str | None = None
    issuer: str | None = None
    signed_on: str | None = None
    publicity_start: str | None = None
    publicity_end: str | None = None
    publicity_end_derived: bool = False
    publicity_days: int | None = None
    publicity_raw: str | None = None
    contacts: dict = field(default_factory=dict)  # phones, emails, postcode, address, raw
    inspection: dict = field(default_factory=dict)  # group, start, end, feedback_on, unit, …
    attachments: list = field(default_factory=list)  # [{name, url}]
    etag: str | None = None
    last_modified: str | None = None
    document_kind: str | None = None  # core.vocabulary.DocumentKind
    readings: dict = field(default_factory=dict)  # {field: {source, raw, confidence, ...}}
    cycle: list = field(default_factory=list)  # crawler.parsing.cycle.CycleFact.as_json, each

    @classmethod
    def from_page(cls, notice: NoticePage, *, notice_id: str, fetched_at: str,
                  raw_sha256: str, etag: str | None, last_modified: str | None) -> NoticeRecord:
        """Flatten a parsed ``NoticePage`` (dates to ISO strings, nested parts to dicts)."""
        period, contacts, inspection = notice.publicity, notice.contacts, notice.inspection
        return cls(
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
            contacts=contacts.stored_json(),
            inspection={
                "group": inspection.group,
                "start": _iso(inspection.start),
                "end": _iso(inspection.end),
                "feedback_on": _iso(inspection.feedback_on),
                "unit": inspection.unit,
                "unit_short": inspection.unit_short,
            },
            attachments=[{"name": a.name, "url": a.url} for a in notice.attachments],
            etag=etag,
            last_modified=last_modified,
            document_kind=notice.document_kind,
            readings=notice.readings,
            cycle=[fact.as_json() for fact in notice.cycle],
        )


@dataclass
class RawPage:
    """The bytes of an ok page as served, stored once by content hash (``sha``)."""

    sha256: str
    body: bytes = field(repr=False)

    @staticmethod
    def sha(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()


@dataclass
class Page:
    """Everything one response gave, as one item: Scrapy's per-item cost is paid once a page.

    Its raw bytes are already stored: a list page's by the spider, an article's
    by its reader (``crawler.pages``), which may run in another process. A page
    that could not be stored is an ``error`` fetch, and it stops the crawl.
    """

    fetch: FetchRecord
    notice: NoticeRecord | None = None
    listings: list[ListingEntry] = field(default_factory=list)

