"""公开期限: the window in which the public may send opinions, found by its role.

The window is the date window stated where the notice invites the public's
opinions, whatever label (or none) precedes it. Each sentence is read for
window mentions (``windows``) and for cues (``role``); a mention counts when

- a window label names it (公开期限:, 意见反映时间为, 截止时间为, 自公布之日起…):
  source ``label``, confidence 0.9–0.95;
- or its sentence invites opinions (欢迎…监督, 如有意见建议…, 请于…前反映,
  受理…截止到…): source ``role``, confidence 0.8;
- or it follows such a sentence in the same paragraph, or sits in the contact
  block: source ``role``, confidence 0.6.

Never a window in a sentence about the inspection itself (巡视组…开展巡视, unless
its own clause is labelled), never one in a correction note (更正, 勘误), never
a lone date without a label. Of several, the strongest wins; between equals,
one with an end, then the later (the closing statement, not an early mention).

What the fields mean (downstream code relies on it):

- printed range: ``start``/``end`` as printed; a year-less date is read near the
  publication date, a year-less end after the start (rolling over new year);
- deadline only (截止到…, 请于…前): ``start`` = ``published_on``, ``start_derived``;
- count of calendar days ("公开期限为30天", "自公布之日起30日内"): ``end = start +
  days - 1`` (inclusive, as the seed's 9月26日至10月25日 is 30 days), ``end_derived``;
  weeks are 7 days;
- count of months ("公示期一个月"): same day next month minus one, ``end_derived``;
- count of working days ("15个工作日"): the 15th working day from the start on
  the official calendar (``workdays``), ``end_derived``; ``estimated`` when the
  count runs past the calendar's years;
- a printed end always beats a count;
- nothing found: every field None/False, ``source`` "none".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from crawler.parsing.dates import fold, make_date
from crawler.parsing.model import PublicityPeriod
from crawler.parsing.role import APPEAL, INSPECTION, Sentence, clause_bounds, sentences
from crawler.parsing.windows import Window, find_windows
from crawler.parsing.workdays import add_working_days

LABEL, ROLE, NEAR = 3, 2, 1  # strength of the evidence that a window is the public's
CONFIDENCE = {LABEL: 0.9, ROLE: 0.8, NEAR: 0.6}
_ENDS = ("range", "deadline")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class _Reading:
    strength: int
    at: int  # folded offset of the sentence
    sentence: Sentence
    main: Window | None  # range, deadline, start or bare date
    count: Window | None


def parse_period(text: str, published_on: date | None) -> PublicityPeriod:
    """The publicity period stated in ``text`` (a notice's closing part, or all of it)."""
    folded = fold(text)
    best: _Reading | None = None
    previous: Sentence | None = None
    for sentence in sentences(folded.text):
        if not sentence.correction:
            reading = _read(folded.text, sentence, previous, published_on)
            if reading is not None and (best is None or _rank(reading) >= _rank(best)):
                best = reading
        previous = sentence
    if best is None:
        return PublicityPeriod()
    lo, hi = folded.span(best.sentence.start, best.sentence.end)
    appeal_anywhere = APPEAL.search(folded.text) is not None
    return _period(best, published_on, text[lo:hi].strip(), appeal_anywhere)


def notice_period(
    closing: str, opening: str, published_on: date | None
) -> PublicityPeriod:
    """The period of a notice: from its closing part, else from its opening."""
    period = parse_period(closing, published_on)
    if period.source == "none":  # some notices state it in the opening instead
        period = parse_period(opening, published_on)
    return period


def _rank(reading: _Reading) -> tuple[int, bool, int]:
    has_end = (reading.main is not None and reading.main.form in _ENDS) or reading.count is not None
    return reading.strength, has_end, reading.at


def _read(
    folded: str, s: Sentence, previous: Sentence | None, published_on: date | None
) -> _Reading | None:
    """The strongest window reading of one sentence, or None."""
    if not _DIGIT.search(folded, s.start, s.end):
        return None  # folded text writes every date and count in digits
    main = count = None
    strength = 0
    for window in find_windows(folded, s.start, s.end, published_on):
        evidence = _evidence(folded, s, previous, window)
        if window.form == "count":
            if evidence >= ROLE and count is None:
                count, strength = window, max(strength, evidence)
        elif window.form == "bare":
            if evidence == LABEL and main is None:
                main, strength = window, max(strength, evidence)
        elif evidence and (main is None or main.form == "bare"):
            main, strength = window, max(strength, evidence)
    if main is None and count is None:
        return None
    return _Reading(strength, s.start, s, main, count)


def _evidence(folded: str, s: Sentence, previous: Sentence | None, window: Window) -> int:
    """How strongly the words around ``window`` say it is the public's window (0: not)."""
    lo, hi = clause_bounds(folded, s, window.at)
    if s.inspection:  # only a clause of its own, labelled or inviting, may hold the window
        if any(lo <= a < hi for a, _ in s.labels):
            return LABEL  # 巡视组受理信访时间截止到…: the label names it
        if INSPECTION.search(folded, lo, hi):
            return 0
        return ROLE if APPEAL.search(folded, lo, hi) else 0
    if any(a < hi for a, _ in s.labels):
        return LABEL
    if s.appeal:
        return ROLE
    near = previous is not None and previous.line == s.line and not previous.correction
    if (near and (previous.appeal or previous.labels)) or s.contact:
        return NEAR if window.form in _ENDS else 0
    return 0


def _period(
    reading: _Reading, published_on: date | None, raw: str, appeal_anywhere: bool
) -> PublicityPeriod:
    main, count = reading.main, reading.count
    start = end = None
    start_derived = end_derived = estimated = False
    if main is not None:
        start, end = main.start, main.end
    if start is None and (main is None or main.form in ("deadline", "range")):
        start, start_derived = published_on, published_on is not None
    days = count.days if count else None
    working = bool(count and count.working)
    if end is None and start is not None and count is not None:
        end_derived = True
        if count.months:
            end = _add_months(start, count.months) - timedelta(days=1)
        elif working:
            end, estimated = add_working_days(start, count.days)
        else:
            end = start + timedelta(days=count.days - 1)
    confidence = CONFIDENCE[reading.strength]
    if reading.strength == LABEL and (reading.sentence.appeal or appeal_anywhere):
        confidence = 0.95
    return PublicityPeriod(
        start=start,
        end=end,
        end_derived=end_derived,
        days=days,
        working_days=working,
        raw=raw or None,
        start_derived=start_derived,
        estimated=estimated,
        source="label" if reading.strength == LABEL else "role",
        confidence=confidence,
    )


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's end)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        if (found := make_date(year, month, d)) is not None:
            return found
    raise AssertionError("unreachable: every month has 28 days")
