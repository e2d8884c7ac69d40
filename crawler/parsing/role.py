"""What each sentence of a notice is for: the cues that give a date its role.

The publicity window is stated where the notice invites the public's opinions
(欢迎…监督, 如有意见建议…反映, 受理…, 请于…前, the contact block), whatever
label precedes it. This module cuts folded text (``dates.fold``) into
sentences and marks in each:

- ``labels``: words naming a window (公开期限, 公示期, 意见反映时间, 受理时间,
  截止时间, 自公布之日起, …): evidence that raises confidence;
- ``appeal``: the sentence invites opinions or reports (the window's role);
- ``contact``: it carries contact labels (电话, 邮箱, 信箱, …);
- ``inspection``: it speaks of the inspection itself (巡视组…开展巡视, 进驻):
  a window there is the inspection's, never the public's;
- ``correction``: it belongs to a later correction note (更正, 勘误), to the
  end of its paragraph: never read.

A line that ends with a colon or a bare label (公开期限:) continues on the next
line: "label on one line, the range on the next" is one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LABEL = re.compile(
    r"(?:公开|公示|反映|反馈|受理|征求意见|意见建议|意见|监督|举报|信访|来信来电来访)"
    r"(?:的)?(?:起止)?(?:期限|期间|时间|时限|日期|期|截止时间|截止日期)"
    r"|(?:公开|公示)为期"
    r"|(?:公布|发布|公开|公示|印发|刊发|刊登)之日起"  # (自)(本通报)公布之日起
    r"|(?:自|从)?即日起"
    r"|截止(?:时间|日期)"
)
APPEAL = re.compile(
    r"欢迎[^。]{0,60}?(?:监督|意见|建议|反映|反馈|来信|来电|来访|举报)"
    r"|如(?:有|对)[^。]{0,30}?(?:意见|建议|异议|诉求)"
    r"|(?:意见|建议|异议)[^。]{0,8}?(?:反映|反馈|提出|告知|提交|受理|征集|征求)"
    r"|请[^。]{0,50}?(?:反映|反馈|联系|来信|来电|致电|提出|寄|发送|告知)"
    r"|受理[^。]{0,20}?(?:来信|来电|来访|信访|意见|建议|举报|反映|时间|期限)"
    r"|(?:来信|来电|来访|信访|举报)[^。]{0,10}?(?:受理|时间|期限|截止)"
    r"|(?:接受|征求)[^。]{0,10}?(?:监督|意见)"
    r"|(?:予以|进行|向社会)(?:公开|公布|公示)"
    r"|通过[^。]{0,12}?方式[^。]{0,12}?(?:反映|反馈|提出|联系|监督)"
    r"|向[^。,]{0,12}?反映"
)
CONTACT = re.compile(
    r"(?:联系|举报|值班|监督|咨询)电话|联系方式|电子(?:邮箱|信箱|邮件)|邮政(?:信箱|邮箱)"
    r"|来信请寄|(?:通信|通讯|邮寄|联系)地址|邮政编码|邮编"
)
INSPECTION = re.compile(
    r"(?:巡视|巡察)(?:第[\d一二三四五六七八九十]+)?组"
    r"|(?:开展|进行)了?(?:常规|专项|机动|提级|联动)?(?:巡视|巡察)|进驻|(?:巡视|巡察)期间"
)
CORRECTION = re.compile(r"更正|勘误")
_BOUNDARY = re.compile(r"[。!?;\n]")
# A line ending like this continues on the next: 公开期限: / 公示时间为 / 公示期
_CONTINUES = re.compile(r"(?:[:]|为|是|期限|时间|日期|期)\s*$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of folded text and its cues."""

    start: int  # offsets into the folded text
    end: int
    line: int  # the paragraph it starts in
    labels: tuple[tuple[int, int], ...]  # spans (folded offsets) of window labels
    appeal: bool
    contact: bool
    inspection: bool
    correction: bool


def sentences(folded: str) -> list[Sentence]:
    """The sentences of ``folded`` in order, each with its cues."""
    out: list[Sentence] = []
    start, line, in_correction = 0, 0, False
    for stop in _boundaries(folded):
        text = folded[start:stop]
        if text.strip(" ()"):
            in_correction = in_correction or bool(CORRECTION.search(text))
            out.append(
                Sentence(
                    start=start,
                    end=stop,
                    line=line,
                    labels=tuple((start + m.start(), start + m.end())
                                 for m in LABEL.finditer(text)),
                    appeal=bool(APPEAL.search(text)),
                    contact=bool(CONTACT.search(text)),
                    inspection=bool(INSPECTION.search(text)),
                    correction=in_correction,
                )
            )
        if stop < len(folded) and folded[stop] == "\n":
            line += 1
            in_correction = False  # a correction note runs to the end of its paragraph
        start = stop + 1
    return out


def _boundaries(folded: str) -> list[int]:
    """Where sentences end; a line that ends like a label continues on the next."""
    stops = []
    for m in _BOUNDARY.finditer(folded):
        if m.group() == "\n":
            line_start = folded.rfind("\n", 0, m.start()) + 1
            if _CONTINUES.search(folded, line_start, m.start()):
                continue
        stops.append(m.start())
    stops.append(len(folded))
    return stops


def clause_bounds(folded: str, sentence: Sentence, at: int) -> tuple[int, int]:
    """The comma-delimited clause of ``sentence`` around offset ``at``."""
    left = max(folded.rfind(",", sentence.start, at), sentence.start - 1) + 1
    right = folded.find(",", at, sentence.end)
    return left, right if right != -1 else sentence.end


CLOSING_LINES = 8  # paragraphs before the signature that hold the period and contacts
CLOSING_MAX = 16  # how far a closing of many short lines may reach back


def closing_start(lines: list[str], opening: int = 2) -> int:
    """Where the closing part begins in ``lines`` (the body before the signature).

    The last ``CLOSING_LINES`` paragraphs, reaching further back (up to
    ``CLOSING_MAX``, never into the opening) over paragraphs that still belong to
    it: an appeal, a window label, contacts, or a label whose value is on the
    next line.
    """
    start = max(0, len(lines) - CLOSING_LINES)
    floor = max(opening, len(lines) - CLOSING_MAX)
    while start > floor and _belongs_to_closing(lines[start - 1]):
        start -= 1
    return start


def _belongs_to_closing(line: str) -> bool:
    folded = line  # cue words are plain Chinese: no folding needed
    return bool(
        APPEAL.search(folded) or LABEL.search(folded) or CONTACT.search(folded)
        or _CONTINUES.search(folded.replace("：", ":"))
    )
