"""What the replica knows about a notice: the ground truth a page is rendered from.

A ``NoticeSpec`` holds the text exactly as a reader sees it plus the facts a
parser should recover from it (publicity period, contacts), so tests of the
crawler can compare what they read with what was served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# What a document is (the values of zgwatch's document kinds, written here again
# because the replica imports nothing of the product).
RECTIFICATION = "rectification"  # 关于巡视整改进展情况的通报
INSPECTION = "inspection_announcement"  # 巡视组进驻…的公告, 受理信访时间截止到…


@dataclass(frozen=True)
class PeriodSpec:
    """公开期限 as printed: the sentence and the dates it means (the truth a parser is
    compared with: for a deadline or a count, the start is the publication day).

    ``phrasing`` names the form in ``replica.phrases.PERIOD_PHRASINGS``;
    ``sentence`` is empty and the dates ``None`` when the notice has no period.
    """

    phrasing: str
    sentence: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class ContactsSpec:
    """联系方式 as printed, with the values a parser should find in it.

    ``phrasing`` names the form in ``replica.phrases.CONTACT_PHRASINGS``.
    """

    phrasing: str
    sentence: str
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    postcode: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class AttachmentSpec:
    """A file linked under the article body (served as a small fake PDF)."""

    filename: str  # P<yyyymmdd><digits>.pdf, in the article's folder
    label: str  # the link text, e.g. 附件:巡视整改任务清单.pdf


@dataclass(frozen=True)
class NoticeSpec:
    """One notice of the column: everything its pages are rendered from.

    ``paragraphs`` is the body from the opening sentence to the last section,
    without the closing paragraph; the closing paragraph is ``appeal`` followed
    by the period sentence and the contacts sentence (as in the seed).
    """

    notice_id: str  # the N of post_N.html
    issuer: str  # the signature, e.g. 中共珠海市金湾区委
    title: str
    published_at: datetime  # local time (Asia/Shanghai), naive, as printed
    paragraphs: tuple[str, ...]
    appeal: str
    period: PeriodSpec
    contacts: ContactsSpec
    attachments: tuple[AttachmentSpec, ...] = ()
    headings: frozenset[int] = field(default_factory=frozenset)  # indexes into paragraphs
    kind: str = RECTIFICATION  # what the document is (RECTIFICATION or INSPECTION)

    @property
    def published_on(self) -> date:
        return self.published_at.date()

    @property
    def signed_on(self) -> date:
        """The date line under the signature: the publication date."""
        return self.published_at.date()

    @property
    def closing(self) -> str:
        """The closing paragraph: appeal for supervision, 公开期限, contacts."""
        return self.appeal + self.period.sentence + self.contacts.sentence

    @property
    def closing_lines(self) -> tuple[str, ...]:
        """The closing as printed: one paragraph, unless a phrasing puts a part on its own
        line (a label on one line and the range on the next, a contact block)."""
        return tuple(line for line in self.closing.split("\n") if line)

    @property
    def body_paragraphs(self) -> tuple[str, ...]:
        """Every paragraph of the article body in page order, signature and date included."""
        return (*self.paragraphs, *self.closing_lines, self.issuer, cn_date(self.signed_on))

    @property
    def text(self) -> str:
        """Title and body as one string, paragraphs separated by newlines."""
        return "\n".join((self.title, *self.body_paragraphs))


def cn_date(day: date, *, year: bool = True) -> str:
    """A date as notices print it: 2024年9月26日 (or 9月26日 without the year)."""
    tail = f"{day.month}月{day.day}日"
    return f"{day.year}年{tail}" if year else tail
