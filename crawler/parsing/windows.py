"""Date windows as a sentence writes them, before anyone decides whose window it is.

Forms (on text folded by ``dates.fold``):

- **range**: two dates and a separator: 至 到 - — -- ~ 〜 一, 起至, 自…起至…止,
  …起,…止, 至次年…; a year-less end follows the start (rolling over new year);
- **deadline**: one date after 截止到/截至/截止时间为/至/到 or before 前/之前/止/
  为止/截止 ("请于2024年10月25日前反映"): the start is for the caller to supply;
- **start**: one date after 自/从 or before 起/开始;
- **bare**: one date with no such word (meaningful only after a label);
- **count**: N天/日/自然日 (calendar days), N个工作日, N周, N个月 — never a
  count of something else (3件), a day of the month (9月30日) or a response time
  (15个工作日内答复).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from crawler.parsing.dates import date_source, dated, has_year, make_date, match_date, on_or_after

_RANGE = re.compile(
    date_source("s")
    + r"\s*(?P<sep>(?:起\s*,?\s*)?(?:至|到|-+|~+|一)|起\s*,)\s*(?P<next>次年)?\s*"
    + date_source("e")
    + r"(?P<stop>\s*(?:止|为止|截止|结束))?"
)
_SINGLE = re.compile(date_source("x"))
_BEFORE_END = re.compile(
    r"(?:截止(?:时间|日期)?(?:为|是|到|至|于)?|截至(?:到)?|至|到|止于|直至)\s*:?\s*$"
)
_AFTER_END = re.compile(r"\s*(?:前|之前|以前|止|为止|截止|结束)")
_BEFORE_START = re.compile(r"(?:自|从|由)\s*$")
_AFTER_START = re.compile(r"\s*(?:起|开始)")
_COUNT = re.compile(
    r"(?<![\d月./-])(?<!\d:)(?P<n>\d{1,3})\s*"
    r"(?P<unit>个\s*工作日|工作日|个\s*自然日|自然日|天|日|个\s*月|周|个\s*星期|星期)"
)
# A count of days to answer, not to comment: "我们将在15个工作日内答复", "收到后5日内办结".
_RESPONSE_AFTER = re.compile(
    r"\s*内?\s*(?:予以|给予|作出|进行)?(?:答复|回复|办结|处理|回应|反馈结果)"
)
_RESPONSE_BEFORE = re.compile(r"(?:将在?|将于|收到[^,]{0,12}后|受理后|之后)\s*$")
_START_SLACK = timedelta(days=90)  # a year-less start may precede publication a little
MAX_DAYS = 366


@dataclass(frozen=True)
class Window:
    """One window-like mention: where it is and what it says."""

    form: str  # range | deadline | start | bare | count
    at: int  # folded offsets of the mention
    stop: int
    start: date | None = None
    end: date | None = None
    days: int | None = None  # a count of days (calendar or working)
    working: bool = False  # the count is of working days
    months: int | None = None  # a count of months


def find_windows(folded: str, lo: int, hi: int, published_on: date | None) -> list[Window]:
    """Every window mention in ``folded[lo:hi]``, in text order."""
    found: list[Window] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE.finditer(folded, lo, hi):
        window = _range(m, published_on)
        if window is not None:
            found.append(window)
            taken.append(m.span())
    for m in _SINGLE.finditer(folded, lo, hi):
        if any(s <= m.start() < e for s, e in taken) or not dated(m, "x"):
            continue
        found.append(_single(folded, lo, hi, m, published_on))
        taken.append(m.span())
    for m in _COUNT.finditer(folded, lo, hi):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if (window := _count(folded, lo, hi, m)) is not None:
            found.append(window)
    return sorted(found, key=lambda w: w.at)


def _range(m: re.Match, published_on: date | None) -> Window | None:
    """A printed range; None for what only looks like one (9.26-10.25 office hours)."""
    if not dated(m, "s"):
        return None
    if m["sep"].strip("起 ,") == "" and not m["stop"]:  # "…起,…" needs its "…止"
        return None
    start, end = match_date(m, "s"), match_date(m, "e")
    if start is None and end is not None:  # "9月26日至2024年10月25日"
        start = make_date(end.year, m["sm"], m["sd"])
        if start is not None and start > end:
            start = make_date(end.year - 1, m["sm"], m["sd"])
    elif start is None and published_on is not None:
        start = on_or_after(m["sm"], m["sd"], published_on - _START_SLACK)
    if end is None and start is not None:
        if m["next"]:  # 至次年1月19日
            end = make_date(start.year + 1, m["em"], m["ed"])
        else:
            end = on_or_after(m["em"], m["ed"], start)
    if start is None and end is None:
        return None
    if not has_year(m, "e") and m["ems"] != "月" and not has_year(m, "s"):
        return None  # two bare m.d dates: a time or a version, not a window
    return Window("range", m.start(), m.end(), start=start, end=end)


def _single(folded: str, lo: int, hi: int, m: re.Match, published_on: date | None) -> Window:
    """One date: a deadline, a start, or bare, by the words around it."""
    before, after = folded[max(lo, m.start() - 12) : m.start()], folded[m.end() : hi]
    day = match_date(m, "x")
    if _BEFORE_END.search(before) or _AFTER_END.match(after):
        if day is None and published_on is not None:
            day = on_or_after(m["xm"], m["xd"], published_on)
        stop = m.end() + (_AFTER_END.match(after).end() if _AFTER_END.match(after) else 0)
        return Window("deadline", m.start(), stop, end=day)
    if day is None and published_on is not None:
        day = on_or_after(m["xm"], m["xd"], published_on - _START_SLACK)
    if _BEFORE_START.search(before) or _AFTER_START.match(after):
        return Window("start", m.start(), m.end(), start=day)
    return Window("bare", m.start(), m.end(), start=day)


def _count(folded: str, lo: int, hi: int, m: re.Match) -> Window | None:
    n = int(m["n"])
    if _RESPONSE_AFTER.match(folded, m.end(), hi):
        return None
    if _RESPONSE_BEFORE.search(folded[max(lo, m.start() - 16) : m.start()]):
        return None
    unit = m["unit"].replace(" ", "")
    if unit.endswith("月"):
        return Window("count", m.start(), m.end(), months=n) if 1 <= n <= 12 else None
    days = n * 7 if unit in ("周", "星期", "个星期") else n
    if not 1 <= days <= MAX_DAYS:
        return None
    return Window("count", m.start(), m.end(), days=days, working=unit.endswith("工作日"))
