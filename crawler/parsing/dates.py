"""Dates as notices print them: 2024年9月26日, 2024-09-26, 2024.9.26, 9月26日 (no year).

The patterns expect text folded by ``text.to_ascii`` (full-width digits and
punctuation already ASCII).
"""

from __future__ import annotations

import re
from datetime import date

from crawler.parsing.text import cn_number, to_ascii


def date_pattern(name: str, *, year: bool | None) -> str:
    """A regex source for one date with groups ``<name>y``, ``<name>m``, ``<name>d``.

    ``year``: True = the year must be printed, False = must not, None = optional.
    The lookarounds keep it from starting or ending inside a longer number.
    """
    y = rf"(?P<{name}y>\d{{4}})\s*(?:年|[-./])\s*"
    if year is None:
        y = f"(?:{y})?"
    elif year is False:
        y = ""
    return (
        rf"(?<![\d.]){y}(?P<{name}m>\d{{1,2}})\s*(?:月|[-./])\s*"
        rf"(?P<{name}d>\d{{1,2}})(?!\d)(?:\s*[日号])?"
    )


def make_date(year: int | str | None, month: int | str, day: int | str) -> date | None:
    """``date(year, month, day)``, or None when the parts are no calendar date."""
    if year is None:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def match_date(match: re.Match, name: str, default_year: int | None = None) -> date | None:
    """The date a ``date_pattern`` group set matched; ``default_year`` if none printed."""
    year = match.group(f"{name}y") if f"{name}y" in match.re.groupindex else None
    return make_date(year or default_year, match.group(f"{name}m"), match.group(f"{name}d"))


def on_or_after(month: int | str, day: int | str, anchor: date) -> date | None:
    """A year-less month/day read as the first such day on or after ``anchor``.

    "2024年12月20日至1月19日": the end is in the next year.
    """
    found = make_date(anchor.year, month, day)
    if found is not None and found < anchor:
        found = make_date(anchor.year + 1, month, day)
    return found


_ISO_LINE = re.compile(r"^" + date_pattern("", year=True) + r"$")
_CN_LINE = re.compile(
    r"^(?P<y>[〇零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月"
    r"(?P<d>[一二三四五六七八九十]{1,3})日$"
)


def parse_date_line(line: str) -> date | None:
    """A line that is a date and nothing else (a signature's date line).

    Reads 2024年9月26日, full-width digits, and 二〇二四年九月二十六日.
    """
    line = to_ascii(line).replace(" ", "")
    if m := _ISO_LINE.match(line):
        return make_date(m["y"], m["m"], m["d"])
    if m := _CN_LINE.match(line):
        return make_date(cn_number(m["y"]), cn_number(m["m"]), cn_number(m["d"]))
    return None
