"""One-line summaries of an edit: which section changed and how, in the notice's own terms.

``公开期限截止日 10月25日 → 11月24日`` for a moved publicity end;
``(一)统一思想认识,强化整改政治担当:…会后,[-第一时间-]{+及时+}召开常委…`` for
one change; ``3 处修改:一、…(2 处);(二)…`` for several, every change counted in a
named section or in "其余 N 处在另外 M 节". The section is the nearest preceding
heading (一、 / (一) / 1.), or 标题, 公开期限, 联系方式, 导语; the closing
paragraph is read sentence by sentence, so a changed phone number beside the
period is a 联系方式 change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.textdiff import Op, hunk_to_text, hunks, placed_hunks, widen_numbers

HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+、|[((][一二三四五六七八九十百]+[))]|\d{1,2}[.．、](?!\d))"
)
PERIOD_WORDS = ("公开期限", "公开时间", "公示期", "公示时间", "公开期")
CONTACT_WORDS = ("联系电话", "联系方式", "电子邮箱", "电子信箱", "邮政", "邮编", "来信")
# A phone number, mobile or e-mail address with no label before it is still a contact.
# An address is tried only where its local part starts (the look-behind): tried at every
# character, a long run of word characters without an @ took time quadratic in its length.
CONTACT_VALUE = re.compile(
    r"\(?0\d{2,3}\)?[-－ ]?\d{7,8}|(?<!\d)1[3-9]\d{9}(?!\d)"
    r"|(?<![\w.+-])[\w.+-]+[@＠][\w-]+\.[\w.]+"
)
SENTENCE_END = "。;；!！?？"
NAMED_SECTIONS = 3  # a summary names this many sections, then counts the rest
LABEL_CHARS = 24  # a heading is cut to this many characters in a summary
SNIPPET_CHARS = 20  # a deleted or inserted run is cut to this many
SNIPPET_CONTEXT = 6  # unchanged characters shown either side of a single change


@dataclass(frozen=True)
class VersionFacts:
    """What a summary needs of one version of a notice."""

    title: str
    body: str
    publicity_start: date | None = None
    publicity_end: date | None = None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}"


@dataclass(frozen=True)
class Change:
    """One run of adjacent deletions/insertions, placed in the new text."""

    position: int  # offset in the new text where the run starts
    deleted: str
    inserted: str


def changes(diff: Sequence[Op]) -> list[Change]:
    """The runs of ``diff`` that change something, with their place in the new text."""
    out: list[Change] = []
    pos, start, deleted, inserted = 0, 0, [], []
    for op, text in [*diff, (0, "")]:
        if op == 0:
            if deleted or inserted:
                out.append(Change(start, "".join(deleted), "".join(inserted)))
                deleted, inserted = [], []
            pos += len(text)
            start = pos
        elif op < 0:
            deleted.append(text)
        else:
            inserted.append(text)
            pos += len(text)
    return out


def cn_date(day: date | None, other: date | None = None) -> str:
    """``10月25日``; with the year when ``other`` is in a different year (or absent)."""
    if day is None:
        return "无"
    if other is not None and other.year == day.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def moved_period_summary(old_end: date, new_end: date) -> str:
    """``公开期限延长:截止日 11月28日 → 12月20日`` (or 缩短): a moved period's summary."""
    way = "延长" if new_end > old_end else "缩短"
    return f"公开期限{way}:截止日 {cn_date(old_end, new_end)} → {cn_date(new_end, old_end)}"


def _clip(text: str, n: int = SNIPPET_CHARS) -> str:
    text = text.replace("\n", " ").strip()
    return text if len(text) <= n else text[:n] + "…"


def _heading_label(paragraph: str) -> str:
    head = re.split(r"[。;;::]", paragraph.strip(), maxsplit=1)[0]
    return _clip(head, LABEL_CHARS)


def _sentence_at(paragraph: str, offset: int) -> str:
    """The sentence of ``paragraph`` (cut after 。 ; ！ ？) that holds ``offset``."""
    start = 0
    for i, ch in enumerate(paragraph):
        if ch in SENTENCE_END:
            if offset <= i:
                return paragraph[start : i + 1]
            start = i + 1
    return paragraph[start:]


def _closing_part(sentence: str) -> str | None:
    """联系方式 or 公开期限 when the sentence is one, else None."""
    if any(w in sentence for w in CONTACT_WORDS) or CONTACT_VALUE.search(sentence):
        return "联系方式"
    if any(w in sentence for w in PERIOD_WORDS):
        return "公开期限"
    return None


def section_of(text: str, position: int) -> str:
    """The section of ``text`` (title + "\\n" + body) that holds ``position``."""
    paragraphs = text.split("\n")
    offset, index = 0, len(paragraphs) - 1
    for i, para in enumerate(paragraphs):
        if position <= offset + len(para):
            index = i
            break
        offset += len(para) + 1
    if index == 0:
        return "标题"
    here = paragraphs[index]
    # The closing paragraph often holds both the period and the contacts: the sentence decides.
    if part := _closing_part(_sentence_at(here, position - offset)):
        return part
    if any(w in here for w in PERIOD_WORDS):
        return "公开期限"
    if any(w in here for w in CONTACT_WORDS):
        return "联系方式"
    for para in reversed(paragraphs[1 : index + 1]):
        if HEADING.match(para):
            return _heading_label(para)
    return "导语"


@dataclass(frozen=True)
class Passage:
    """One changed passage of an edit, as ``change_hunks`` shows it (one row each)."""

    seq: int  # 1, 2, ... in text order
    section: str  # what section_of names at its first change
    position: int  # offset of its first change in the new text
    before: str  # the old text from its first change to its last
    after: str  # the new text in its place
    context_before: str
    context_after: str
    marked: str  # the whole hunk as alerts' plain text shows it: …[-old-]{+new+}…


def passages(diff: Sequence[Op]) -> list[Passage]:
    """The hunks of ``diff`` as alerts show them (``hunks(widen_numbers(diff))``) as passages.

    ``before``/``after`` span the hunk's changes and the short unchanged runs
    between them, so "what replaced what" reads without diff marks; a changed
    digit of a date or a number gives the whole of it (``12月8日`` →
    ``12月18日``, not ``""`` → ``1``). The unchanged edges are the contexts
    (``…`` where cut).
    """
    diff = widen_numbers(diff)  # the old and new texts stay what they were
    new_text = "".join(text for op, text in diff if op >= 0)
    out = []
    for seq, (position, hunk) in enumerate(placed_hunks(diff), 1):
        changed = [i for i, (op, _) in enumerate(hunk) if op != 0]
        first, last = changed[0], changed[-1]
        middle = hunk[first : last + 1]
        out.append(Passage(
            seq=seq,
            section=section_of(new_text, position),
            position=position,
            before="".join(text for op, text in middle if op <= 0),
            after="".join(text for op, text in middle if op >= 0),
            context_before="".join(text for _, text in hunk[:first]),
            context_after="".join(text for _, text in hunk[last + 1 :]),
            marked=hunk_to_text(hunk),
        ))  # fmt: skip
    return out


def _snippet(diff: Sequence[Op]) -> str:
    """The only change of ``diff`` with a few words around it: ``…召[-开-]{+集+}常委…``."""
    (hunk,) = hunks(widen_numbers(diff), SNIPPET_CONTEXT)
    clipped = [(op, text if op == 0 else _clip(text)) for op, text in hunk]
    return hunk_to_text(clipped).replace("\n", " ")


def edit_summary(old: VersionFacts, new: VersionFacts, diff: Sequence[Op]) -> str:
    """One line saying what an edit changed (see the module docstring)."""
    parts = []
    for label, before, after in (
        ("公开期限起始日", old.publicity_start, new.publicity_start),
        ("公开期限截止日", old.publicity_end, new.publicity_end),
    ):
        if before != after:
            parts.append(f"{label} {cn_date(before, after)} → {cn_date(after, before)}")
    period_told = bool(parts)
    placed = [(section_of(new.text, c.position), c) for c in changes(diff)]
    rest = [(s, c) for s, c in placed if not (period_told and s == "公开期限")]
    if len(rest) == 1 and len(placed) == 1:
        parts.append(f"{rest[0][0]}:{_snippet(diff)}")
    elif rest:  # several changes (or one beside a period change): say where
        parts.append(f"{len(rest)} 处修改:{_where([s for s, _ in rest])}")
    return ";".join(parts) or "内容修改"


def _where(sections: list[str]) -> str:
    """Where the changes are: each named section with its count, then how many are not named.

    ``一、…(2 处);联系方式`` for three changes; with more sections than
    ``NAMED_SECTIONS``, ``…;其余 3 处在另外 2 节``: the counts always add up.
    """
    counts: dict[str, int] = {}
    for s in sections:
        counts[s] = counts.get(s, 0) + 1
    named = list(counts.items())[:NAMED_SECTIONS]
    words = [f"{s}({n} 处)" if n > 1 else s for s, n in named]
    unnamed = len(sections) - sum(n for _, n in named)
    if unnamed:
        words.append(f"其余 {unnamed} 处在另外 {len(counts) - len(named)} 节")
    return ";".join(words)
