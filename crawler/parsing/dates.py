"""Dates as notices print them, in every form official documents use.

2024年9月26日, 2024-09-26, 2024.9.26, 2024/09/26, 9月26日 (no year), full-width
digits, and Chinese numerals (二〇二四年九月二十六日, 十月二十五日). The patterns
run on text ``fold``-ed first: full-width forms become ASCII and Chinese
numerals that count something (before 年 月 日 号 天 个 周 星期 工作日 自然日) become digits,
so one pattern reads every form. A ``Folded`` text remembers where each of
its characters came from, so a match can be cut out of the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from crawler.parsing.text import cn_number, to_ascii

# -- folding -------------------------------------------------------------------------------

# A run of Chinese numerals that counts or dates something. "第十一巡视组" and
# "一是" stay as they are; "二〇二四年", "九月", "二十六日", "三十天", "一个月" fold.
_CN_RUN = re.compile(
    r"[〇零○一二三四五六七八九十两]+(?=\s*(?:年|月|日|号|天|个|周|星期|工作日|自然日))"
)


@dataclass(frozen=True)
class Folded:
    """``text`` with digits and punctuation folded; ``origin[i]`` is where its char i began."""

    text: str
    origin: tuple[int, ...]  # len(text) + 1 entries; the last is len(original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span for ``text[start:end]``."""
        return self.origin[start], self.origin[end]


def fold(text: str) -> Folded:
    """Fold ``text`` for the date and count patterns (see the module docstring)."""
    ascii_text = to_ascii(text)
    parts: list[str] = []
    origin: list[int] = []
    at = 0
    for m in _CN_RUN.finditer(ascii_text):
        value = cn_number(m.group().replace("○", "〇"))
        if value is None:
            continue
        parts.append(ascii_text[at : m.start()])
        origin.extend(range(at, m.start()))
        digits = str(value)
        parts.append(digits)
        origin.extend([m.start()] * len(digits))
        at = m.end()
    parts.append(ascii_text[at:])
    origin.extend(range(at, len(ascii_text) + 1))
    return Folded("".join(parts), tuple(origin))


# -- one date ------------------------------------------------------------------------------

_WEEKDAY = r"(?:\s*\(?\s*(?:星期|周|礼拜)[一二三四五六日天1-7]\s*\)?)?"
_CLOCK = r"(?:\s*(?:上午|中午|下午|晚上)?\s*\d{1,2}\s*(?::\s*\d{2}|时|点)(?:\s*\d{1,2}\s*分)?)?"
# A clock written right after the day, with no space: 2005-01-0517:00, 2005/1/518时. Its
# hour has two digits, which is what tells the day from the hour (05|17:00, 5|18时).
_GLUED_CLOCK = r"(?=[0-2]\d(?::\d{2}|时|点))"


def date_source(p: str) -> str:
    """A regex source for one date on folded text, groups ``<p>y``, ``<p>m``, ``<p>d``, ``<p>ms``.

    The year is optional; ``<p>ms`` is the month's separator (月, -, ., /), which
    tells a dated 9月26日 from a bare 9.26 (read only as the end of a range).
    A weekday (星期四) and a clock time (17:00, 下午5时) after the date are part of it, the clock
    even when written with no space after the day (``2005-01-0517:00``).
    """
    return (
        rf"(?<![\d.])(?<!\d:)(?:(?P<{p}y>\d{{4}})\s*(?:年|[-./])\s*)?"
        rf"(?P<{p}m>\d{{1,2}})\s*(?P<{p}ms>月|[-./])\s*(?P<{p}d>\d{{1,2}})"
        rf"(?:(?![\d:])|{_GLUED_CLOCK})"
        rf"(?:\s*[日号])?{_WEEKDAY}{_CLOCK}"
    )


def date_pattern(name: str, *, year: bool | None) -> str:
    """A regex source for one Arabic-numeral date, groups ``<name>y``, ``<name>m``, ``<name>d``.

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
    """The date a ``date_pattern``/``date_source`` group set matched; ``default_year`` if none."""
    year = match.group(f"{name}y") if f"{name}y" in match.re.groupindex else None
    return make_date(year or default_year, match.group(f"{name}m"), match.group(f"{name}d"))


def has_year(match: re.Match, name: str) -> bool:
    return match.group(f"{name}y") is not None


def dated(match: re.Match, name: str) -> bool:
    """The date is unmistakably one: it has a year, or its month is written with 月."""
    return has_year(match, name) or match.group(f"{name}ms") == "月"


def on_or_after(month: int | str, day: int | str, anchor: date) -> date | None:
    """A year-less month/day read as the first such day on or after ``anchor``.

    "2024年12月20日至1月19日": the end is in the next year.
    """
    found = make_date(anchor.year, month, day)
    if found is not None and found < anchor:
        found = make_date(anchor.year + 1, month, day)
    return found


def nearest_day(month: int, day: int, context: date) -> date | None:
    """A year-less ``month``/``day`` in whichever of ``context``'s year and the years either
    side puts it nearest ``context``: a day within half a year either way lands right, across
    new year too. 29 February only in a leap year of the three; None when none has the day.
    """
    candidates = [
        found for year in (context.year - 1, context.year, context.year + 1)
        if (found := make_date(year, month, day)) is not None
    ]  # fmt: skip
    if not candidates:
        return None
    return min(candidates, key=lambda found: abs((found - context).days))


_ISO_LINE = re.compile(r"^" + date_pattern("", year=True) + r"$")


def parse_date_line(line: str) -> date | None:
    """A line that is a date and nothing else (a signature's date line).

    Reads 2024年9月26日, full-width digits, and 二〇二四年九月二十六日.
    """
    line = fold(line.replace(" ", "")).text
    if m := _ISO_LINE.match(line):
        return make_date(m["y"], m["m"], m["d"])
    return None
