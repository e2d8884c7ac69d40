"""A feedback announcement (省委第N巡视组向XX反馈巡视情况): who gave feedback to whom, when.

One text often announces several feedbacks (a round's groups, each to one or
more units), sometimes with one date for all of them (近日, 10月26日至27日,
a lead sentence), sometimes in traditional script (巡視組…反饋). Rules:

- each "GROUP (分别)向 UNITS 反馈(了)…巡视/巡察…" is one feedback per unit;
  UNITS is a list (、, and 和 及 与 after a unit's end; the audience after it,
  领导班子 or 主要负责同志, is no part of it) read by
  ``core.units.unit_list``, the last city named carried onto the items that
  drop it;
- the group is the last one (numbered, else unnumbered) named before it in
  its sentence, else None;
- its date is the last date stated before it in its sentence (10月26日至27日:
  the 26th, where the feedback began); else the announcement's date: the
  first date of the text (its lead sentence: a day, a month, 近日); else a
  gap (``missing``). A date is never
  taken from a later sentence or from the publication date: an unstated date
  stays unstated (``DateRef`` says how precise it is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.hanzi import to_simplified
from core.units import UnitName, city_named, unit_list
from crawler.parsing.daterefs import DateRef, find_dates, read_date
from crawler.parsing.inspection import GROUP, PLAIN_GROUP, SENTENCE
from crawler.parsing.text import to_ascii

_FEEDBACK = re.compile(
    r"(?:分别)?向(?P<units>[^。;,]{2,200}?)(?:领导班子|主要负责同志)?(?:分别)?(?:反馈|通报)(?:了)?"
    r"(?:[^。;,]{0,8}?)(?:巡视|巡察)"
)
# 和/及/与 join two units only after a unit's end (和平县 is a county's name).
_LIST_WORDS = re.compile(r"(?<=[委组市县区])(?:和|及|与)")


@dataclass(frozen=True)
class Feedback:
    """One group's feedback to one unit."""

    group: str | None
    unit: UnitName
    on: DateRef


@dataclass(frozen=True)
class FeedbackAnnouncement:
    on: DateRef  # the announcement's own date: its text's first date, or a gap
    feedbacks: tuple[Feedback, ...]


def parse_feedback(text: str, published_on: date | None = None) -> FeedbackAnnouncement:
    """Every feedback ``text`` announces; ``published_on`` gives year-less dates their year."""
    body = to_simplified(to_ascii(text))
    lead = read_date(body, published_on)
    found: list[Feedback] = []
    for sentence in SENTENCE.finditer(body):
        found.extend(_sentence_feedbacks(body, sentence, lead, published_on))
    return FeedbackAnnouncement(on=lead, feedbacks=tuple(found))


def _sentence_feedbacks(
    body: str, sentence: re.Match, lead: DateRef, published_on: date | None
) -> list[Feedback]:
    text = sentence.group()
    dates = find_dates(text, published_on)
    found = []
    for m in _FEEDBACK.finditer(text):
        group = _group_before(text, m.start())
        on = next((d for d in reversed(dates) if d.stop <= m.start()), lead)
        city = city_named(body[: sentence.start() + m.start("units")])
        units = _LIST_WORDS.sub("、", m["units"])
        found.extend(Feedback(group, unit, on) for unit in unit_list(units, city))
    return found


def _group_before(text: str, at: int) -> str | None:
    """The last group named in ``text`` before ``at``."""
    last = None
    for pattern in (GROUP, PLAIN_GROUP):
        for m in pattern.finditer(text, 0, at):
            if last is None or m.start() > last.start():
                last = m
    return last.group() if last else None
