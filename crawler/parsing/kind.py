"""What kind of document a page of the column is, from its title and opening.

The column is meant for rectification progress notices (关于巡视整改进展情况的
通报), but carries other documents now and then: an inspection group's
announcement (巡视组进驻…, 受理信访时间截止到…), a list, a news item. The kind
decides what the page's window means (``core.vocabulary.DocumentKind``) and
whether a missing window is a gap.

The title decides when it names the genre (source ``label``); else the
opening sentence (source ``role``); else the kind is ``other`` (source
``none``). A feedback announcement (巡视组向…反馈巡视情况) is its own kind:
told by its title before the rectification words (its title never has
them), and by its opening only after them (a rectification notice's opening
restates the feedback). Its window, if it printed one, is no one's deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.vocabulary import DocumentKind

_RECTIFICATION = re.compile(r"(?:巡视|巡察|审计|督察)?整改(?:工作)?(?:进展|落实|情况|结果|成效)")
_INSPECTION = re.compile(
    r"(?:巡视|巡察)(?:第[\d一二三四五六七八九十]+)?组.{0,30}?(?:进驻|开展|公告)"
    r"|(?:巡视|巡察)(?:工作)?(?:公告|进驻)"
    r"|受理(?:信访|来信来电来访)"
)


_FEEDBACK = re.compile(
    r"(?:巡视|巡察)[^。,]{0,6}?组[^。,]{0,6}?向[^。]{1,80}?反馈[^。]{0,6}?(?:巡视|巡察)"
    r"|(?:巡视|巡察)(?:工作)?反馈(?:情况|会|工作)|(?:巡视|巡察)[^。,]{0,6}?(?:完成|集中)反馈"
)


@dataclass(frozen=True)
class KindReading:
    kind: DocumentKind
    source: str  # label (the title) | role (the opening) | none
    confidence: float
    raw: str | None


def classify_document(title: str, opening: str) -> KindReading:
    """The document's kind: by its title, else by its opening paragraph(s)."""
    if _FEEDBACK.search(title) and not _RECTIFICATION.search(title):
        return KindReading(DocumentKind.FEEDBACK, "label", 0.95, title)
    for text, source, confidence in ((title, "label", 0.95), (opening, "role", 0.8)):
        if _RECTIFICATION.search(text):
            return KindReading(DocumentKind.RECTIFICATION, source, confidence, text or None)
        if _INSPECTION.search(text):
            return KindReading(DocumentKind.INSPECTION, source, confidence, text or None)
        if _FEEDBACK.search(text):
            return KindReading(DocumentKind.FEEDBACK, source, confidence, text or None)
    return KindReading(DocumentKind.OTHER, "none", 0.5, title or None)
