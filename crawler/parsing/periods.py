"""公开期限: the publicity period a notice states near its end.

Read by structure, not by a list of phrasings: a *label* (公开期限, 公开时间,
公示期, 公示时间, 公开期, … or 自公布之日起) opens a window that runs to the end of
its sentence; inside it a date range, a single start or end date, and/or a
count of days. An unlabelled range (the inspection window in the opening) is
never the period; a date in a later sentence (a 更正 note) is never its end.

Representation (downstream code relies on it):

- printed range: ``start``/``end`` as printed, a year-less end takes the
  start's year and rolls over new year; ``end_derived`` False;
- count of calendar days only ("公开期限为30天", "自公布之日起30天"): ``start`` is
  the printed start or else ``published_on``; ``end = start + days - 1``
  (inclusive, as the seed's 9月26日至10月25日 is 30 days); ``end_derived`` True;
- count of months ("公示期一个月"): ``end`` = same day next month minus one,
  ``end_derived`` True, ``days`` None;
- count of working days ("15个工作日"): ``days`` = 15, ``working_days`` True,
  ``end`` None — the calendar end needs a holiday calendar we do not have;
- only an end ("公开期限至2024年10月25日"): ``start`` = ``published_on``;
- nothing found: every field None/False.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from crawler.parsing.dates import date_pattern, make_date, match_date, on_or_after
from crawler.parsing.model import PublicityPeriod
from crawler.parsing.text import CN_NUMBER, cn_number, to_ascii

_LABEL = re.compile(
    r"(?:公开|公示)(?:期限|期间|时间|时限|日期|期)"
    r"|自(?:公布|发布|公开|公示|印发|刊发|刊登)之日起"
)
_SENTENCE_END = re.compile(r"[。;!?\n]")
_WINDOW_MAX = 120  # characters after a label; a period statement is short

_RANGE = re.compile(
    date_pattern("s", year=None)
    + r"\s*(?:起\s*)?(?:至|到|-+|~|一)\s*"
    + date_pattern("e", year=None)
)
_SINGLE = re.compile(date_pattern("x", year=None))
_BEFORE_END = re.compile(r"(?:至|到|截至|截止|止于)\s*$")
_NUM = rf"(?<![月\d{CN_NUMBER}])(?P<n>\d+|[{CN_NUMBER}]+)\s*"
_DAYS = re.compile(_NUM + r"(?:个)?\s*(?P<unit>工作日|自然日|天|日)")
_MONTHS = re.compile(_NUM + r"个\s*月")
_START_SLACK = timedelta(days=90)  # a year-less start may precede publication a little


def parse_period(text: str, published_on: date | None) -> PublicityPeriod:
    """The publicity period stated in ``text`` (a notice's body or its closing part).

    The last label that yields a date or a count wins: the statement sits in the
    closing part, and earlier mentions (公示期间…) carry none.
    """
    folded = to_ascii(text)
    for label in reversed(list(_LABEL.finditer(folded))):
        stop = _SENTENCE_END.search(folded, label.end())
        stop = min(stop.start() if stop else len(folded), label.end() + _WINDOW_MAX)
        period = _read_window(folded[label.end() : stop], published_on)
        if period is not None:
            begin = max(folded.rfind(ch, 0, label.start()) for ch in "。;!?\n") + 1
            return replace(period, raw=text[begin:stop].strip())
    return PublicityPeriod()


def _read_window(window: str, published_on: date | None) -> PublicityPeriod | None:
    start = end = None
    if m := _RANGE.search(window):
        start, end = _range_dates(m, published_on)
    if start is None and end is None and (m := _SINGLE.search(window)):
        if _BEFORE_END.search(window[: m.start()]):
            end = match_date(m, "x") or _yearless(m, "x", published_on)
        else:
            start = match_date(m, "x") or _yearless(m, "x", published_on)

    days, working, months = _count(window)
    if start is None and end is None and days is None and months is None:
        return None
    start = start or published_on
    derived = False
    if end is None and start is not None and not working:
        if days is not None:
            end, derived = start + timedelta(days=days - 1), True
        elif months is not None:
            end, derived = _add_months(start, months) - timedelta(days=1), True
    return PublicityPeriod(
        start=start, end=end, end_derived=derived, days=days, working_days=working
    )


def _range_dates(m: re.Match, published_on: date | None) -> tuple[date | None, date | None]:
    """Start and end of a printed range; year-less parts resolved from their neighbours."""
    start = match_date(m, "s")
    end = match_date(m, "e")
    if start is None and end is not None:  # "9月26日至2024年10月25日"
        start = make_date(end.year, m["sm"], m["sd"])
        if start is not None and start > end:
            start = make_date(end.year - 1, m["sm"], m["sd"])
    elif start is None:
        start = _yearless(m, "s", published_on)
    if end is None and start is not None:
        end = on_or_after(m["em"], m["ed"], start)
    return start, end


def _yearless(m: re.Match, name: str, published_on: date | None) -> date | None:
    """A year-less date in the window, read near the publication date."""
    if published_on is None:
        return None
    return on_or_after(m[f"{name}m"], m[f"{name}d"], published_on - _START_SLACK)


def _count(window: str) -> tuple[int | None, bool, int | None]:
    """(days, working_days, months) stated in the window."""
    if m := _DAYS.search(window):
        days = cn_number(m["n"])
        if days and days <= 366:
            return days, m["unit"] == "工作日", None
    if m := _MONTHS.search(window):
        months = cn_number(m["n"])
        if months and months <= 12:
            return None, False, months
    return None, False, None


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's end)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        if (found := make_date(year, month, d)) is not None:
            return found
    raise AssertionError("unreachable: every month has 28 days")
