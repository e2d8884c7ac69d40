"""The opening sentence's facts: which group inspected, when, and when feedback came.

"根据省委统一部署,2023年4月24日至7月26日,省委第十一巡视组对…开展了常规巡视。
2023年10月26日,省委巡视组向…反馈了巡视意见。"

- group: the numbered group (省委第十一巡视组, 省委巡视三组, 市委第二巡察组);
  an unnumbered 省委巡视组 only when no numbered one is named;
- window: the first date range in the first sentence that speaks of 巡视/巡察;
  a year-less end takes the start's year (rolling over new year); a
  month-only window (2023年4月至7月) gives no dates rather than invented days;
- feedback: the last date before 反馈 in its sentence, outside the window;
- unit: the body after 对 in the window's sentence (else after 向 in the
  feedback's), up to the first word that is no longer its name (开展, 进行,
  推进…, 反馈, a comma): 珠海市金湾区委, and a short name given in
  parentheses (中共…管理局(简称明珠湾管理局)党组) as ``unit_short``.
  ``core.units.unit_name`` gives its key and region.
"""

from __future__ import annotations

import re
from datetime import date

from core.hanzi import to_simplified
from core.units import unit_name
from crawler.parsing.dates import date_pattern, match_date, on_or_after
from crawler.parsing.model import Inspection
from crawler.parsing.text import CN_NUMBER, to_ascii

_N = rf"[{CN_NUMBER}\d]+"
GROUP = re.compile(
    rf"(?:中央|省委|市委|县委|区委|自治区党委)?(?:第{_N}(?:巡视|巡察)组|(?:巡视|巡察)第?{_N}组)"
)
PLAIN_GROUP = re.compile(  # 省委巡视组, 区委营商环境专项巡察组
    r"(?:中央|省委|市委|县委|区委)(?:[\u4e00-\u9fff]{2,8}?专项)?(?:巡视|巡察)组"
)
# Where a unit's name ends: the verb or topic after it, or the clause's end.
_UNIT_END = re.compile(
    r"开展|进行|推进|落实|贯彻|实施|反馈|通报|召开|的|工作|情况|巡视|巡察|[,。;!?\n]"
)
_UNIT_MAX = 60
SENTENCE = re.compile(r"[^。!?\n]+")  # a sentence of folded text
_RANGE = re.compile(
    date_pattern("s", year=True) + r"\s*(?:起\s*)?(?:至|到|-+|~)\s*" + date_pattern("e", year=None)
)
_DATE = re.compile(date_pattern("x", year=None))
_FEEDBACK = re.compile(r"反馈(?:了)?(?:巡视|巡察)?意见|反馈")


def parse_inspection(text: str) -> Inspection:
    """Inspection facts from the opening of a notice (its first paragraph or two)."""
    folded = to_simplified(to_ascii(text))  # same length: offsets hold
    group = GROUP.search(folded) or PLAIN_GROUP.search(folded)

    start = end = unit = None
    window_span = (0, 0)
    for sentence in SENTENCE.finditer(folded):
        if "巡视" in sentence.group() or "巡察" in sentence.group():
            if m := _RANGE.search(folded, sentence.start(), sentence.end()):
                start = match_date(m, "s")
                end = match_date(m, "e") or (start and on_or_after(m["em"], m["ed"], start))
                window_span = m.span()
            unit = unit_after(sentence.group(), "对")
            break
    if unit is None and (fb := re.search(r"向(?=[^。]*?反馈)", folded)):
        unit = unit_phrase(folded, fb.end())
    named = unit_name(unit) if unit else None

    return Inspection(
        group=group.group() if group else None,
        start=start,
        end=end,
        feedback_on=_feedback(folded, window_span, end or start),
        unit=named.name if named else None,
        unit_short=named.short if named else None,
    )


def unit_after(text: str, word: str) -> str | None:
    """The unit named right after ``word`` (对, 向, 进驻) in ``text``: the first occurrence
    that names one (根据省委对巡视工作的部署…对XX开展: XX), or None."""
    at = text.find(word)
    while at != -1:
        if name := unit_phrase(text, at + len(word)):
            return name
        at = text.find(word, at + 1)
    return None


def unit_phrase(text: str, at: int) -> str | None:
    """The unit's name starting at ``text[at]``: up to the word that ends it (``_UNIT_END``),
    a parenthesised short name (简称…) inside it kept."""
    stop = min(len(text), at + _UNIT_MAX)
    depth, i = 0, at
    while i < stop:
        ch = text[i]
        depth += ch in "(（"
        depth -= ch in ")）" and depth > 0
        if depth == 0 and _UNIT_END.match(text, i):
            break
        i += 1
    name = text[at:i].strip()
    return name or None


def _feedback(folded: str, window_span: tuple[int, int], after: date | None) -> date | None:
    """The last date before the first 反馈 of the text, in the same sentence.

    A year-less date takes its year from ``after`` (the window's end).
    """
    fb = _FEEDBACK.search(folded)
    if fb is None:
        return None
    sentence_start = max(folded.rfind(ch, 0, fb.start()) for ch in "。!?\n") + 1
    found = None
    for m in _DATE.finditer(folded, sentence_start, fb.start()):
        if window_span[0] <= m.start() < window_span[1]:
            continue
        day = match_date(m, "x")
        if day is None and after is not None:
            day = on_or_after(m["xm"], m["xd"], after)
        found = day or found
    return found
