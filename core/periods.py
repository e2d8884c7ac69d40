"""Where a day stands in a notice's publicity period (公开期限): written once for Python and SQL.

``period_facts(start, end, as_of)`` gives the phase, the days left and their
label; ``sql_macros()`` writes the same rules as DuckDB macros
(``period_phase``, ``days_left``, ``days_label``) from the same tables, so the
alerts, the history site, its feed and the analysts' views cannot disagree.

The answers for the windows a page can leave us with:

- **missing** (no end read): phase ``unknown``, no days left, label ``—``;
- **yearless** (``9月26日至10月25日``): the parser dates it from the
  publication (``crawler.parsing.periods``); with no publication date it is
  missing;
- **start after end** (a slip on the page): the end decides. The period is
  ``closed`` once its end has passed, whatever the start says, so no reader
  is told an opinion may still be sent after the stated deadline; before the
  end it is ``upcoming`` until the start, like any window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Phase(StrEnum):
    """Where ``as_of`` stands in a publicity period (the webhook's ``period``)."""

    OPEN = "open"
    UPCOMING = "upcoming"
    CLOSED = "closed"
    UNKNOWN = "unknown"  # no end was read


# The phase rules, first match wins: (phase, the bound compared, how it compares to as_of).
# A bound that is missing never matches a comparison.
PHASE_RULES: tuple[tuple[Phase, str, str], ...] = (
    (Phase.UNKNOWN, "end", "missing"),
    (Phase.CLOSED, "end", "before"),  # end < as_of
    (Phase.UPCOMING, "start", "after"),  # start > as_of
    (Phase.OPEN, "", "always"),
)

# The label of the days left, by phase first, then by the sign of the days.
PHASE_LABELS = {Phase.UNKNOWN: "—", Phase.UPCOMING: "未开始"}
DAYS_AHEAD = "剩 {} 天"  # days > 0
LAST_DAY = "今日截止"  # days == 0
DAYS_PAST = "已过 {} 天"  # days < 0, counted positive


@dataclass(frozen=True)
class PeriodFacts:
    """A period as of one day: its phase, the days to its end (negative once over), the label."""

    phase: Phase
    days_left: int | None
    label: str


def period_facts(start: date | None, end: date | None, as_of: date) -> PeriodFacts:
    """The facts of the window ``start``..``end`` (either may be missing) on ``as_of``."""
    bounds = {"start": start, "end": end}
    phase = next(p for p, bound, test in PHASE_RULES if _holds(test, bounds.get(bound), as_of))
    days = None if end is None else (end - as_of).days
    return PeriodFacts(phase, days, _label(phase, days))


def _holds(test: str, value: date | None, as_of: date) -> bool:
    if test in ("always", "missing"):
        return test == "always" or value is None
    return value is not None and (value < as_of if test == "before" else value > as_of)


def _label(phase: Phase, days: int | None) -> str:
    if phase in PHASE_LABELS or days is None:
        return PHASE_LABELS.get(phase, PHASE_LABELS[Phase.UNKNOWN])
    if days > 0:
        return DAYS_AHEAD.format(days)
    return LAST_DAY if days == 0 else DAYS_PAST.format(-days)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_format(template: str, number: str) -> str:
    before, after = template.split("{}")
    return f"{_sql_text(before)} || {number} || {_sql_text(after)}"


def sql_macros() -> list[str]:
    """The DuckDB macros giving SQL the same answers as ``period_facts`` (NULL as_of: NULL).

    ``period_phase(start, end, as_of)``, ``days_left(end, as_of)`` and
    ``days_label(start, end, as_of)``.
    """
    tests = {"missing": "{} IS NULL", "before": "{} < as_of", "after": "{} > as_of"}
    whens = ["WHEN as_of IS NULL THEN NULL"]
    for phase, bound, test in PHASE_RULES:
        if test == "always":
            whens.append(f"ELSE '{phase}'")
        else:
            whens.append(f"WHEN {tests[test].format('p_' + bound)} THEN '{phase}'")
    phase_sql = "CASE " + " ".join(whens) + " END"
    days = "days_left(p_end, as_of)"
    labels = [f"WHEN '{phase}' THEN {_sql_text(text)}" for phase, text in PHASE_LABELS.items()]
    label_sql = (
        f"CASE period_phase(p_start, p_end, as_of) {' '.join(labels)} ELSE CASE "
        f"WHEN {days} > 0 THEN {_sql_format(DAYS_AHEAD, days)} "
        f"WHEN {days} = 0 THEN {_sql_text(LAST_DAY)} "
        f"ELSE {_sql_format(DAYS_PAST, '-' + days)} END END"
    )
    return [
        f"CREATE OR REPLACE MACRO period_phase(p_start, p_end, as_of) AS {phase_sql}",
        "CREATE OR REPLACE MACRO days_left(p_end, as_of) AS p_end - as_of",
        f"CREATE OR REPLACE MACRO days_label(p_start, p_end, as_of) AS {label_sql}",
    ]
