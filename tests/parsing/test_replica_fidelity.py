"""The parser reads every notice the replica writes, in every template, exactly.

The replica knows what it printed (``NoticeSpec``: the true publicity period,
contacts, issuer and kind); every phrasing it has is among the notices here.
``bench/parse_fidelity.py`` does the same at 2,000 notices and reports counts.
"""

from __future__ import annotations

import pytest

from core.units import unit_name
from crawler.parsing.article import parse_article
from crawler.parsing.stationing import parse_stationing
from replica import Replica
from replica.model import INSPECTION
from replica.phrases import CONTACT_PHRASINGS, PERIOD_PHRASINGS

URL = "http://127.0.0.1/xunshizgls/content/post_{}.html"


@pytest.fixture(scope="module")
def site() -> Replica:
    return Replica(600, 2)


@pytest.mark.parametrize("template", ["A", "B"])
def test_every_field_of_every_notice_is_read_as_printed(site: Replica, template: str) -> None:
    site.set_template(template)
    wrong = []
    for notice_id in site.notice_ids():
        spec = site.notice(notice_id)
        page = parse_article(site.article(notice_id).body, URL.format(notice_id))
        got = (
            page.publicity.start, page.publicity.end, page.contacts.phones, page.contacts.emails,
            page.contacts.postcode, page.contacts.address, page.issuer, page.document_kind,
        )  # fmt: skip
        want = (
            spec.period.start, spec.period.end, spec.contacts.phones, spec.contacts.emails,
            spec.contacts.postcode, spec.contacts.address, spec.issuer, spec.kind,
        )  # fmt: skip
        if got != want:
            wrong.append((notice_id, spec.period.phrasing, spec.contacts.phrasing, got, want))
    assert wrong == []


def test_the_column_here_has_every_phrasing(site: Replica) -> None:
    notices = [site.notice(i) for i in site.notice_ids()]
    assert {n.period.phrasing for n in notices} == set(PERIOD_PHRASINGS)
    assert {n.contacts.phrasing for n in notices} == set(CONTACT_PHRASINGS)


def test_every_stationing_announcement_gives_its_group_unit_visit_and_letters_deadline(
    site: Replica,
) -> None:
    """The replica's announcements read as a stationing: the letters deadline is the window
    it printed, the visit's period surrounds it, the unit is the one in the title."""
    site.set_template("A")
    seen = 0
    for notice_id in site.notice_ids():
        spec = site.notice(notice_id)
        if spec.kind != INSPECTION:
            continue
        seen += 1
        page = parse_article(site.article(notice_id).body, URL.format(notice_id))
        found = parse_stationing(page.title, page.body, page.published_on)
        unit = spec.title.split("进驻", 1)[1].split("开展", 1)[0]
        assert (found.group, found.letters_until.day) == (spec.issuer, spec.period.end)
        assert found.unit == unit_name(unit)
        assert found.start.day < found.letters_until.day < found.end.day
    assert seen >= 10
