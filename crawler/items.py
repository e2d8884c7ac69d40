"""Records a crawl batch holds, one JSON line each (see docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal[
    "ok",
    "not_modified",
    "not_found",
    "server_error",
    "timeout",
    "blocked",
    "truncated",
    "wrong_page",
    "empty_list",
    "error",
]
CONTENT_OUTCOMES = frozenset({"ok", "not_modified"})
PageKind = Literal["list", "article", "probe"]


@dataclass
class FetchRecord:
    """One fetch of one URL, whatever came of it."""

    url: str
    page_kind: PageKind
    outcome: Outcome
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
    inspection: dict = field(default_factory=dict)  # group, start, end, feedback_on
    attachments: list = field(default_factory=list)  # [{name, url}]
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class RawPage:
    """The bytes of an ok page as served, stored once by content hash."""

    sha256: str
    body: bytes = field(repr=False)

    @staticmethod
    def sha(body: bytes) -> str:
        import hashlib

        return hashlib.sha256(body).hexdigest()


@dataclass
class Page:
    """Everything one response gave, as one item: Scrapy's per-item cost is paid once a page.

    ``raw`` is set for list pages; an article's bytes are stored by its reader
    (``crawler.pages``), which runs in another process.
    """

    fetch: FetchRecord
    notice: NoticeRecord | None = None
    raw: RawPage | None = None
    listings: list[ListingEntry] = field(default_factory=list)

