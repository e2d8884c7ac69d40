"""What one document says for the inspection cycle: one ``CycleFact`` per unit it names.

The three kinds of document of a round (docs/inspection.md) each state part
of it; this module reads each with its own parser and gives the same shape:

- a stationing announcement (``inspection_announcement``): one fact, its
  unit, group, visit (``stationed_from``/``stationed_to``) and **letters
  deadline** (``letters_until``: its own fact, never a publicity period),
  by ``stationing.parse_stationing``;
- a feedback announcement (``feedback_announcement``): one fact per unit it
  gave feedback to, with the group and the day (``feedback.parse_feedback``);
- a rectification progress notice (``rectification``): one fact, the unit
  of its opening (else its signature), the visit and the feedback day its
  first paragraph restates (``inspection.parse_inspection``).

Dates are days or nothing: a month, 近日 or a date that cannot be read is
left empty and named in ``gaps`` (field, reason), never guessed. Units carry
their key and region from ``core.units.unit_name``; the warehouse links the
facts of every source into rounds (``warehouse/sql/inspection.sql``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from core.units import UnitName, unit_name
from core.vocabulary import DocumentKind
from crawler.parsing.daterefs import DateRef, Precision
from crawler.parsing.feedback import parse_feedback
from crawler.parsing.model import Inspection
from crawler.parsing.stationing import parse_stationing


@dataclass(frozen=True)
class CycleFact:
    """What one document says about one unit's round."""

    kind: str  # the document's kind (core.vocabulary.DocumentKind)
    unit: str  # as printed
    unit_key: str
    region: str | None
    unit_short: str | None = None
    group: str | None = None
    stationed_from: date | None = None
    stationed_to: date | None = None
    letters_until: date | None = None
    feedback_on: date | None = None
    gaps: tuple[tuple[str, str], ...] = ()  # (field, reason): stated but not read as a day

    def as_json(self) -> dict:
        """The fact as a batch line and ``notice_versions.cycle`` store it (ISO dates)."""
        return {
            "kind": self.kind, "unit": self.unit, "unit_key": self.unit_key,
            "region": self.region, "unit_short": self.unit_short, "group": self.group,
            "stationed_from": _iso(self.stationed_from), "stationed_to": _iso(self.stationed_to),
            "letters_until": _iso(self.letters_until), "feedback_on": _iso(self.feedback_on),
            "gaps": [{"field": f, "reason": r} for f, r in self.gaps],
        }  # fmt: skip


def cycle_facts(kind: str, title: str, body: str, inspection: Inspection,
                issuer: str | None, published_on: date | None) -> tuple[CycleFact, ...]:
    """The facts a document of ``kind`` states for the cycle (none for other kinds)."""
    if kind == DocumentKind.INSPECTION:
        return _stationing(title, body, published_on)
    if kind == DocumentKind.FEEDBACK:
        return _feedbacks(body, published_on)
    if kind == DocumentKind.RECTIFICATION:
        return _progress(inspection, issuer)
    return ()


def stored_facts(version: dict) -> list[dict]:
    """The facts of a stored version (``notice_versions``: ``document_kind``, ``title``,
    ``body``, ``inspection`` JSON, ``issuer``, ``published_on``), as ``CycleFact.as_json``:
    for versions read before the facts were stored (``warehouse.load.fill_cycle_facts``)."""
    opening = json.loads(version["inspection"] or "{}")
    inspection = Inspection(
        group=opening.get("group"), start=_date(opening.get("start")),
        end=_date(opening.get("end")), feedback_on=_date(opening.get("feedback_on")),
        unit=opening.get("unit"), unit_short=opening.get("unit_short"))
    facts = cycle_facts(version["document_kind"] or "", version["title"] or "",
                        version["body"] or "", inspection, version["issuer"],
                        version["published_on"])
    return [f.as_json() for f in facts]


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _stationing(title: str, body: str, published_on: date | None) -> tuple[CycleFact, ...]:
    found = parse_stationing(title, body, published_on)
    if found.unit is None:
        return ()
    gaps: list[tuple[str, str]] = []
    start = _day(found.start, "stationed_from", gaps)
    end = _day(found.end, "stationed_to", gaps, required=False)
    letters = _day(found.letters_until, "letters_until", gaps)
    return (_fact(DocumentKind.INSPECTION, found.unit, group=found.group, stationed_from=start,
                  stationed_to=end, letters_until=letters, gaps=tuple(gaps)),)


def _feedbacks(body: str, published_on: date | None) -> tuple[CycleFact, ...]:
    facts = []
    for feedback in parse_feedback(body, published_on).feedbacks:
        gaps: list[tuple[str, str]] = []
        on = _day(feedback.on, "feedback_on", gaps)
        facts.append(_fact(DocumentKind.FEEDBACK, feedback.unit, group=feedback.group,
                           feedback_on=on, gaps=tuple(gaps)))
    return tuple(facts)


def _progress(inspection: Inspection, issuer: str | None) -> tuple[CycleFact, ...]:
    name = inspection.unit or issuer
    if not name:
        return ()
    unit = unit_name(name)
    gaps = () if inspection.feedback_on else (("feedback_on", "missing"),)
    return (_fact(DocumentKind.RECTIFICATION, unit, group=inspection.group,
                  stationed_from=inspection.start, stationed_to=inspection.end,
                  feedback_on=inspection.feedback_on, gaps=gaps,
                  short=inspection.unit_short),)


def _fact(kind: str, unit: UnitName, short: str | None = None, **facts) -> CycleFact:
    return CycleFact(kind=str(kind), unit=unit.name, unit_key=unit.key, region=unit.region,
                     unit_short=short or unit.short, **facts)


def _day(ref: DateRef | None, field: str, gaps: list, *, required: bool = True) -> date | None:
    """The day ``ref`` pins down; else None, and the reason in ``gaps`` (a month, 近日, an
    unreadable date; ``missing`` only where the field is ``required``)."""
    if ref is not None and ref.precision == Precision.DAY:
        return ref.day
    if ref is None or ref.precision == Precision.GAP:
        reason = ref.reason if ref is not None else "missing"
        if reason != "missing" or required:
            gaps.append((field, reason))
    else:
        gaps.append((field, str(ref.precision)))  # month | relative: no day stated
    return None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
