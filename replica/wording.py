"""Dates and numbers as official documents write them, for the replica's phrasings.

2024年9月26日, 2024年09月26日 (zero-padded), 二〇二四年九月二十六日 (Chinese
numerals), 2024-09-26, 2024.9.26, and counts in Chinese numerals (三十, 十五).
Also the official working-day calendar (``chinese-calendar``), so a phrasing
in working days knows its true end.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

_DIGITS = "〇一二三四五六七八九"
WEEKDAYS = "一二三四五六日"


def cn_count(n: int) -> str:
    """1..99 in Chinese numerals: 十, 十五, 二十, 三十一."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def cn_year(year: int) -> str:
    """二〇二四: digit by digit."""
    return "".join(_DIGITS[int(c)] for c in str(year))


def date_forms(day: date) -> dict[str, str]:
    """The ways a phrasing may print ``day``: key letters, see ``replica.phrases``."""
    return {
        "Y": f"{day.year}年{day.month}月{day.day}日",  # with year
        "M": f"{day.month}月{day.day}日",  # without year
        "Y0": f"{day.year}年{day.month:02d}月{day.day:02d}日",  # zero-padded
        "YC": f"{cn_year(day.year)}年{cn_count(day.month)}月{cn_count(day.day)}日",
        "MC": f"{cn_count(day.month)}月{cn_count(day.day)}日",
        "ISO": day.isoformat(),
        "DOT": f"{day.year}.{day.month}.{day.day}",
        "dot": f"{day.month}.{day.day}",  # year-less end of a dotted range
        "W": f"星期{WEEKDAYS[day.weekday()]}",
    }


def nth_working_day(start: date, count: int) -> date | None:
    """The ``count``-th official working day from ``start`` (inclusive); None when the
    calendar does not cover the days needed (the true end would be unknown)."""
    day, seen = start, 0
    while True:
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            return None
        if working:
            seen += 1
            if seen == count:
                return day
        day += timedelta(days=1)


def month_later(start: date) -> date:
    """The last day of a one-month window from ``start``: same day next month, minus one."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    for d in (start.day, 30, 29, 28):
        try:
            return date(year, month, d) - timedelta(days=1)
        except ValueError:
            continue
    raise AssertionError("unreachable")
