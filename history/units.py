"""The inspection cycle on the history site: a page per inspected unit and their index by status.

Read from the relations ``build_inspection`` leaves in the analysts' copy
(``units``, ``inspection_rounds``, ``rectification_due``, ``round_documents``;
docs/inspection.md); a copy without them gets an empty index and no unit pages. A unit's page is
its rounds, each a timeline: stationed (the group, the visit, the letters
deadline), feedback, the report due to the inspection office, the day a
progress notice is expected (the user's rule), and each document of the round
with its day. The index lists the units by their latest round's status:
stationed now, feedback given, progress published, overdue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core import sitemap
from history.pages import render
from history.read import SQL

# The index's sections, most pressing first, and what each is called.
STATUSES = {"overdue": "整改公开逾期", "stationed": "巡视进驻中", "feedback_given": "已反馈",
            "progress_published": "已公开整改进展"}
DOCUMENT_LABELS = {"inspection_announcement": "进驻公告", "feedback_announcement": "反馈公告",
                   "rectification": "整改进展通报"}


@dataclass
class Round:
    round_id: str
    group_name: str | None
    stationed_from: date | None
    stationed_to: date | None
    letters_until: date | None
    feedback_on: date | None
    first_progress_on: date | None
    progress_notices: int
    status: str
    report_due: date | None
    progress_expected_by: date | None
    days_overdue: int | None
    documents: list[dict] = field(default_factory=list)


@dataclass
class Unit:
    unit_id: str
    region: str | None
    aliases: list[str]
    rounds: list[Round] = field(default_factory=list)

    @property
    def status(self) -> str:
        """Its latest round's status."""
        return self.rounds[-1].status

    @property
    def page(self) -> str:
        return sitemap.unit_page(self.unit_id)


def read_units(con, *, by_source: bool = False) -> list[Unit]:
    """Every unit with its rounds and their documents; none without the cycle's relations
    (or without a copy: ``con`` None). A document of the copy's own has its page here:
    ``page``, under its source's folder when ``by_source`` (the top of a site of several
    sources, reading the copy across sources), else None (a link to the original)."""
    if con is None or not SQL.rows(con, "has_cycle")[0][0]:
        return []
    units: dict[str, Unit] = {}
    rounds: dict[str, Round] = {}
    for unit_id, region, aliases, *facts in SQL.rows(con, "cycle_rounds"):
        unit = units.setdefault(unit_id, Unit(unit_id, region, list(aliases or [])))
        unit.rounds.append(rounds.setdefault(facts[0], Round(*facts)))
    for round_id, kind, notice_id, url, title, published_on, own, source_id in SQL.rows(
            con, "cycle_documents"):
        if round_id in rounds:
            rounds[round_id].documents.append({
                "kind": DOCUMENT_LABELS.get(kind, kind), "notice_id": notice_id, "url": url,
                "title": title, "published_on": published_on,
                "page": _page(notice_id, source_id if by_source else None) if own else None})
    return list(units.values())


def _page(notice_id: str, source_id: str | None) -> str:
    """The path of a document's page from the site's root (its source's folder first)."""
    page = sitemap.notice_page(notice_id)
    return f"{sitemap.source_folder(source_id)}{page}" if source_id else page


def write_units(con, site_dir: Path, common: dict, write: Callable[[Path, str], None], *,
                by_source: bool = False) -> int:
    """Write the index of units (empty without the relations: every page links it) and a
    page per unit with ``write(path, text)``; how many units. ``by_source``: ``con`` is the
    copy across sources, the site's top (``read_units``)."""
    units = read_units(con, by_source=by_source)
    up = {**common, "root": "../"}
    by_status = {s: [u for u in units if u.status == s] for s in STATUSES}
    write(site_dir / sitemap.UNITS_INDEX,
          render("units.html.j2", by_status=by_status, statuses=STATUSES, page="units", **up))
    for unit in units:
        write(site_dir / unit.page,
              render("unit.html.j2", unit=unit, statuses=STATUSES, page="units", **up))
    return len(units)
