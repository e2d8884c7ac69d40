"""Working days (工作日) on China's official calendar: holidays and make-up working days.

"公示期为15个工作日" ends on the 15th working day counted from the start, the
start included when it is a working day itself (as a count of calendar days
counts its first day). Working days are those of the State Council's yearly
schedule, read from the locked ``chinese-calendar`` package: 2024-10-01..07 are
holidays, Saturday 2024-10-12 is a working day.

The package knows the years it was released with (``COVERAGE``: 2004–2026 for
chinese-calendar 1.11). A count that runs past them is computed on plain
weekdays (Monday to Friday) and flagged ``estimated``: the next year's
schedule is published each November, and a newer package release carries it.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

# The years the installed package has schedules for.
COVERAGE: tuple[int, int] = (
    min(chinese_calendar.holidays).year,
    max(max(chinese_calendar.holidays), max(chinese_calendar.workdays)).year,
)
MAX_COUNT = 366  # a longer count of working days is no publicity period


def covered(day: date) -> bool:
    """The package has the official schedule of ``day``'s year."""
    return COVERAGE[0] <= day.year <= COVERAGE[1]


def is_working_day(day: date) -> bool:
    """Official working day where covered, else Monday to Friday."""
    if covered(day):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_working_days(start: date, count: int) -> tuple[date, bool]:
    """(the ``count``-th working day from ``start`` inclusive, whether it is estimated).

    Estimated when any day walked over lies outside ``COVERAGE``.
    """
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"a count of working days must be 1..{MAX_COUNT}, not {count}")
    day, seen, estimated = start, 0, False
    while True:
        estimated = estimated or not covered(day)
        if is_working_day(day):
            seen += 1
            if seen == count:
                return day, estimated
        day += timedelta(days=1)
