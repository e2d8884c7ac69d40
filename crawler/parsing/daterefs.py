"""Dates as the inspection cycle's documents state them: read, or reported as a gap.

A stationing announcement, a feedback announcement and a rectification
notice's opening state dates in every form; each mention is a ``DateRef``
whose ``precision`` says what it is, never more than the text says:

- ``day``: a full date (2024年9月26日, 2024-09-26, 二〇二四年九月二十六日,
  十二月三日, full-width digits, traditional script: 號, 電…);
- ``month``: a month and no day (2021年9月, 9月份, 9月底): ``month`` is
  (year, month) and ``day`` stays None: a month is not its first day;
- ``relative``: 近日, 日前, 近期, 前不久: the text says "lately" and nothing
  more; ``day`` stays None (the document's date is only an upper bound);
- ``gap``: something that looks like a date and cannot be read: ``reason`` is
  ``no_such_day`` (2024年2月30日, 2024年13月1日), ``no_year`` (9月26日 with no
  document date to take the year from), ``malformed_year`` (20224年9月1日),
  ``missing`` (``read_date`` found nothing).

No year printed (``year_from`` is then ``context``): after a dated mention
in the same text, the date is the first such day on or after it (2023年10月9日
至1月12日: 2024年1月12日, rolling over new year); else the year is the one
that puts it nearest the document's date (``context``), so a deadline after
new year (published 12月20日, 截止到1月10日) and a feedback date before it
(published 1月5日, 12月30日反馈) both land right.

One typo seen on real pages is repaired, and says so: a four-digit number
followed by 月 and then a month (2025月7月29日) can only be a year marked with
the wrong character, so it reads as 2025年7月29日 with ``repair`` =
``year_marked_as_month``. Any other slip is a gap.

The text is folded first (``core.hanzi.to_simplified``, then
``crawler.parsing.dates.fold``: full-width forms and Chinese numerals to
digits); ``at``/``stop`` are offsets into the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.hanzi import to_simplified
from crawler.parsing.dates import date_source, dated, fold, make_date, nearest_day, on_or_after


class Precision(StrEnum):
    """What a date mention pins down (``DateRef.precision``)."""

    DAY = "day"
    MONTH = "month"
    RELATIVE = "relative"
    GAP = "gap"


YEAR_MARKED_AS_MONTH = "year_marked_as_month"  # 2025月7月29日 read as 2025年7月29日


@dataclass(frozen=True)
class DateRef:
    """One date as a text states it (see the module docstring)."""

    raw: str
    precision: Precision
    day: date | None = None
    month: tuple[int, int] | None = None  # (year, month): set for day and month precision
    year_from: str | None = None  # printed | context (no year printed); None when no year
    repair: str | None = None  # a documented typo repair (YEAR_MARKED_AS_MONTH)
    reason: str | None = None  # why a gap could not be read
    at: int = 0  # offsets into the original text
    stop: int = 0


# 日前 only where it is not the end of another word (截止日前 = before the deadline).
_RELATIVE = r"(?P<rel>近日|(?<![止假期末节])日前|近期|前不久|近来|不久前)"
_TYPO = r"(?<![\d.])(?P<ty>\d{4})\s*月\s*(?P<tm>\d{1,2})\s*月\s*(?P<td>\d{1,2})\s*[日号]?"
_LONG_YEAR = r"(?<![\d.])(?P<ly>\d{5,})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号]?)?"
_MONTH = (
    r"(?<![\d.])(?:(?P<my>\d{4})\s*年\s*)?(?P<mm>\d{1,2})\s*月(?!\s*\d)"
    r"(?:份|底|初|中旬|上旬|下旬)?"
)
_MENTION = re.compile(
    "|".join((_RELATIVE, _TYPO, _LONG_YEAR, date_source("d"), _MONTH))
)


def find_dates(text: str, context: date | None = None) -> list[DateRef]:
    """Every date mention in ``text``, in order; ``context`` is the document's date."""
    folded = fold(to_simplified(text))
    found: list[DateRef] = []
    after: date | None = None  # the last dated mention: a year-less one follows it
    for m in _MENTION.finditer(folded.text):
        if m["dm"] is not None and not dated(m, "d"):
            continue  # 9.26 with no year and no 月: a version or a time, not a date
        at, stop = folded.span(*m.span())
        ref = _read(m, Anchor(context, after))
        if ref.month is not None:
            after = ref.day or date(*ref.month, 1)
        found.append(_placed(ref, text[at:stop].strip(), at, stop))
    return found


def read_date(text: str, context: date | None = None) -> DateRef:
    """The first date mention in ``text``, or a gap with reason ``missing``."""
    found = find_dates(text, context)
    if found:
        return found[0]
    return DateRef(raw=text.strip(), precision=Precision.GAP, reason="missing", stop=len(text))


def _placed(ref: DateRef, raw: str, at: int, stop: int) -> DateRef:
    return DateRef(ref.raw or raw, ref.precision, ref.day, ref.month, ref.year_from,
                   ref.repair, ref.reason, at, stop)  # fmt: skip


@dataclass(frozen=True)
class Anchor:
    """Where a year-less date takes its year from: a dated mention before it, else the
    document's date."""

    context: date | None
    after: date | None = None

    def day(self, month: int, day: int) -> date | None:
        if self.after is not None:
            return on_or_after(month, day, self.after)
        return nearest_day(month, day, self.context)


def _read(m: re.Match, anchor: Anchor) -> DateRef:
    if m["rel"]:
        return DateRef("", Precision.RELATIVE)
    if m["ty"]:
        return _day(m["ty"], m["tm"], m["td"], anchor, repair=YEAR_MARKED_AS_MONTH)
    if m["ly"]:
        return DateRef("", Precision.GAP, reason="malformed_year")
    if m["dm"]:
        return _day(m["dy"], m["dm"], m["dd"], anchor)
    return _month(m["my"], m["mm"], anchor)


def _day(year: str | None, month: str, day: str, anchor: Anchor, repair=None) -> DateRef:
    if year is None:
        if anchor.context is None and anchor.after is None:
            return DateRef("", Precision.GAP, reason="no_year")
        found, source = anchor.day(int(month), int(day)), "context"
    else:
        found, source = make_date(year, month, day), "printed"
    if found is None:
        return DateRef("", Precision.GAP, reason="no_such_day")
    return DateRef("", Precision.DAY, found, (found.year, found.month), source, repair)


def _month(year: str | None, month: str, anchor: Anchor) -> DateRef:
    number = int(month)
    if not 1 <= number <= 12:
        return DateRef("", Precision.GAP, reason="no_such_day")
    if year is not None:
        return DateRef("", Precision.MONTH, month=(int(year), number), year_from="printed")
    if anchor.context is None and anchor.after is None:
        return DateRef("", Precision.GAP, reason="no_year")
    month_of = Anchor(anchor.context and anchor.context.replace(day=1),
                      anchor.after and anchor.after.replace(day=1))  # fmt: skip
    first = month_of.day(number, 1)
    return DateRef("", Precision.MONTH, month=(first.year, number), year_from="context")
