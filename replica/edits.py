"""How tests change a notice's text: one character, a passage, the publicity period.

Each function returns a new ``NoticeSpec``; ``Replica`` stores it and moves
the page's Last-Modified.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from replica.model import NoticeSpec
from replica.phrases import PRINTS_BOTH, period_sentence


def with_period(notice: NoticeSpec, start: date, end: date) -> NoticeSpec:
    """The notice with its 公开期限 rewritten for ``start``..``end``, in its own phrasing."""
    phrasing = notice.period.phrasing
    if phrasing not in PRINTS_BOTH:  # a count, a deadline or none cannot print both dates
        phrasing = "seed"
    return dataclasses.replace(notice, period=period_sentence(phrasing, start, end))


def one_character_changed(notice: NoticeSpec, serial: int) -> NoticeSpec:
    """The notice with one Chinese character of one body paragraph replaced.

    Never a heading, the opening or a closing line, so the change is an edit
    of substance and no date or contact moves; ``serial`` moves the spot.
    """
    candidates = [i for i, p in enumerate(notice.paragraphs) if i > 0 and i not in notice.headings]
    index = candidates[(len(candidates) // 2 + serial) % len(candidates)]
    text = notice.paragraphs[index]
    spots = [i for i, ch in enumerate(text) if "\u4e00" <= ch <= "\u9fff"]
    spot = spots[(len(spots) // 2 + 7 * serial) % len(spots)]
    replacement = "之" if text[spot] == "的" else "的"
    paragraphs = list(notice.paragraphs)
    paragraphs[index] = text[:spot] + replacement + text[spot + 1 :]
    return dataclasses.replace(notice, paragraphs=tuple(paragraphs))


def replaced(notice: NoticeSpec, old: str, new: str) -> NoticeSpec:
    """The notice with the first ``old`` replaced by ``new``; ValueError if ``old`` is not there."""
    if old in notice.title:
        return dataclasses.replace(notice, title=notice.title.replace(old, new, 1))
    for i, paragraph in enumerate(notice.paragraphs):
        if old in paragraph:
            paragraphs = list(notice.paragraphs)
            paragraphs[i] = paragraph.replace(old, new, 1)
            return dataclasses.replace(notice, paragraphs=tuple(paragraphs))
    if old in notice.appeal:
        return dataclasses.replace(notice, appeal=notice.appeal.replace(old, new, 1))
    for name in ("period", "contacts"):
        part = getattr(notice, name)
        if old in part.sentence:
            sentence = part.sentence.replace(old, new, 1)
            return dataclasses.replace(
                notice, **{name: dataclasses.replace(part, sentence=sentence)}
            )
    raise ValueError(f"{old!r} is not in notice {notice.notice_id}")
