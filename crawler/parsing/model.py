"""What a page says, as plain dataclasses (the parsers' output).

Dates are ``datetime.date``; ``published_at`` is the local time (Asia/Shanghai)
printed on the page, naive, when the page gives one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from core.contacts import Contacts  # the parser's output, stored and alerted as is
from crawler.parsing.pager import PageScheme
from crawler.profiles import AUTO_PROFILE, Profile


@dataclass(frozen=True)
class PublicityPeriod:
    """公开期限: the window in which the public may send opinions.

    ``source`` says how it was found: ``label`` (a window label such as 公开期限
    names it), ``role`` (no label, but it sits where the notice invites
    opinions), ``none``. ``confidence`` is 0..1 (see ``crawler.parsing.periods``).
    """

    start: date | None = None
    end: date | None = None
    end_derived: bool = False  # the end was computed from a count, not printed
    days: int | None = None  # a stated count of days (calendar or working), if any
    working_days: bool = False  # the count is of working days (工作日)
    raw: str | None = None  # the sentence it was read from
    start_derived: bool = False  # no start printed: the start is the publication date
    estimated: bool = False  # a working-day end computed beyond the holiday calendar's years
    source: str = "none"  # label | role | none
    confidence: float = 0.0


@dataclass(frozen=True)
class Inspection:
    """The facts of the opening sentence: who inspected, when, when feedback came."""

    group: str | None = None  # e.g. 省委第十一巡视组
    start: date | None = None
    end: date | None = None
    feedback_on: date | None = None
    unit: str | None = None  # the inspected unit as the opening names it (core.units)
    unit_short: str | None = None  # its short name given in parentheses (简称…)


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str


@dataclass(frozen=True)
class NoticePage:
    """One article page of the column, read."""

    notice_id: str  # the number in its URL the profile names (post_N.html: N)
    url: str
    title: str
    body: str  # normalised text, paragraphs separated by "\n"
    published_on: date | None = None
    published_at: datetime | None = None
    source: str | None = None  # 来源
    issuer: str | None = None  # the signature
    signed_on: date | None = None  # the date line under the signature
    publicity: PublicityPeriod = field(default_factory=PublicityPeriod)
    contacts: Contacts = field(default_factory=Contacts)
    inspection: Inspection = field(default_factory=Inspection)
    attachments: tuple[Attachment, ...] = ()
    document_kind: str = "other"  # core.vocabulary.DocumentKind
    # What it says for the inspection cycle, one per unit it names (crawler.parsing.cycle)
    cycle: tuple = ()
    # How each field was read (crawler.parsing.readings): {field: {source, raw, confidence}}
    readings: dict = field(default_factory=dict, hash=False)
    encoding: str | None = None  # how the page's bytes were read (classify)

    @property
    def text(self) -> str:
        """What makes a version: the title and the body, nothing else."""
        return f"{self.title}\n{self.body}"

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ListEntry:
    notice_id: str
    url: str  # absolute
    title: str
    listed_on: date | None = None


@dataclass(frozen=True)
class ListPage:
    """One page of the column's list."""

    url: str
    entries: tuple[ListEntry, ...] = ()
    page_urls: tuple[str, ...] = ()  # every pager link (absolute, same column)
    next_url: str | None = None  # 下一页
    last_url: str | None = None  # 尾页
    page_no: int | None = None  # the current page, from the pager or the URL
    encoding: str | None = None  # how the page's bytes were read (classify)
    profile: Profile = AUTO_PROFILE  # what the page read as (auto: the shape it showed)
    pager_kind: str | None = None  # crawler.profiles.PAGER_KINDS, None: no pager seen
    scheme: PageScheme | None = None  # how page N of the list is addressed
    stated_pages: int | None = None  # the count the page states (共N页, the script's total)
    # article links of the column whose id is not a notice id (vocabulary.NOTICE_ID): faults
    rejected: tuple[str, ...] = ()
