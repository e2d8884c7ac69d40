"""A stationing announcement (省委第N巡视组进驻XX开展常规巡视的公告): its facts.

"根据省委统一部署,省委第三巡视组于2023年4月10日至7月10日对汕头市南澳县委开展
常规巡视。巡视期间,巡视组设立专门值班电话:0754-…,每天受理电话的时间为8:00至
18:00;专门邮政信箱:广州市1960号信箱(邮编:510620);电子邮箱:…。巡视组受理信访
时间截止到2023年6月30日。"

- ``group``: the numbered group (``inspection.GROUP``), else an unnumbered one;
- ``unit``: after 进驻 in the title (…进驻XX开展…的公告), else after 对 in the
  group's sentence, else after 进驻 in the body; its key and region by
  ``core.units.unit_name``, in the city the text named before it, if any;
- ``start``/``end``: the visit's period, the first date and the date after
  至/到/- in the group's sentence (``daterefs``: a month, 近日 or a gap are
  said as such);
- ``letters_until``: the letters deadline (受理信访时间截止到…, 受理来信来电来访
  的时间截止至…, 信访受理截止时间为…), the last date of the first sentence
  that speaks of 受理/信访 and a deadline: its OWN fact, the day after which
  the group takes no more letters, never a publicity period; office hours
  (8:00至18:00) are no date; a gap (``missing``) when the announcement states
  none;
- ``hours``: the daily hours for calls as printed (每天8:00至18:00), if any;
- ``contacts``: phones, emails, the postal box and its postcode, read by
  ``contacts.parse_contacts``.

``round_units`` reads the list of a whole round (经省委批准,本轮巡视对汕头市、
…,汕头市濠江区、南澳县…开展常规巡视): every unit, the city carried onto the
items that drop it (``core.units.unit_list``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.contacts import Contacts
from core.hanzi import to_simplified
from core.units import UnitName, city_named, unit_list, unit_name
from crawler.parsing.contacts import parse_contacts
from crawler.parsing.daterefs import DateRef, find_dates, read_date
from crawler.parsing.inspection import GROUP, PLAIN_GROUP, unit_after
from crawler.parsing.text import to_ascii

_SENTENCE = re.compile(r"[^。!?;\n]+")
_LETTERS = re.compile(r"(?:受理|信访|来信来电来访)")
_RANGE_WORD = re.compile(r"至|到|-|~")
_CLOCK = r"\d{1,2}\s*[:∶时点]\s*(?:\d{2})?"
_HOURS = re.compile(rf"每天[^。;,]{{0,12}}?(?P<hours>{_CLOCK}\s*(?:至|到|-|~)\s*{_CLOCK})")


_ROUND = re.compile(
    r"本轮(?:巡视|巡察)(?:将|拟)?对(?P<list>[^。]+?)"
    r"(?=等?\d*个?(?:地方|单位)?(?:党组织)?(?:开展|进行)|。|$)"
)


@dataclass(frozen=True)
class Stationing:
    """What a stationing announcement states (see the module docstring)."""

    group: str | None
    unit: UnitName | None
    start: DateRef | None
    end: DateRef | None
    letters_until: DateRef
    hours: str | None
    contacts: Contacts


def parse_stationing(title: str, text: str, published_on: date | None = None) -> Stationing:
    """The facts of a stationing announcement: its ``title`` and body ``text``."""
    title, body = to_simplified(to_ascii(title)), to_simplified(to_ascii(text))
    group = GROUP.search(title) or GROUP.search(body) or PLAIN_GROUP.search(title + body)
    group_sentence = _sentence_with(body, group.group() if group else "巡视")
    start, end = _visit(group_sentence, published_on)
    hours = _HOURS.search(body)
    return Stationing(
        group=group.group() if group else None,
        unit=_unit(title, body, group_sentence),
        start=start,
        end=end,
        letters_until=_letters_until(body, published_on),
        hours=hours["hours"] if hours else None,
        contacts=parse_contacts(text),
    )


def _sentence_with(body: str, word: str) -> str:
    for m in _SENTENCE.finditer(body):
        if word in m.group():
            return m.group()
    return ""


def _unit(title: str, body: str, group_sentence: str) -> UnitName | None:
    """Rule: the title's 进驻XX, else the group sentence's 对XX, else the body's 进驻XX."""
    for text, word in ((title, "进驻"), (group_sentence, "对"), (body, "进驻")):
        if name := unit_after(text, word):
            before = body[: body.find(name)] if name in body else ""
            return unit_name(name, city_named(before))
    return None


def _visit(sentence: str, published_on: date | None) -> tuple[DateRef | None, DateRef | None]:
    """The visit's first day and last day as the group's sentence states them."""
    refs = find_dates(sentence, published_on)
    if not refs:
        return None, None
    first = refs[0]
    if len(refs) > 1 and _RANGE_WORD.search(sentence, first.stop, refs[1].at):
        return first, refs[1]
    return first, None


def _letters_until(body: str, published_on: date | None) -> DateRef:
    """The letters deadline: the last date after the cue, in the first sentence with both."""
    for m in _SENTENCE.finditer(body):
        if (cue := _LETTERS.search(m.group())) is None:
            continue
        refs = [r for r in find_dates(m.group(), published_on) if r.at >= cue.start()]
        if refs:
            return refs[-1]
    return read_date("", published_on)


def round_units(text: str) -> list[UnitName]:
    """The units a round's announcement lists after 本轮巡视对 (empty when it lists none)."""
    m = _ROUND.search(to_simplified(to_ascii(text)))
    return unit_list(m["list"]) if m else []
