"""A destination follows only what concerns it: issuers, regions (a city and its districts),
kinds; and core.regions places an issuer in its city and district."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from alerts.destinations import Destination
from alerts.run import run_alerts
from core.regions import GUANGDONG, NEEDS_CITY, Region, region_of
from tests.alerts.helpers import NO_PAUSE, config

HOOK = "json://127.0.0.1:9/"  # nothing is sent in the unit tests


@pytest.mark.parametrize(("issuer", "region"), [
    ("中共珠海市金湾区委", Region("珠海市", "金湾区")),
    ("中共珠海市委", Region("珠海市")),
    ("中共金湾区委", Region("珠海市", "金湾区")),  # a district named alone gives its city
    ("中共乳源县委", Region("韶关市", "乳源瑶族自治县")),  # the short form of a 自治县
    ("中共梅县区委", Region("梅州市", "梅县区")),
    ("中共清远市清城区委", Region("清远市", "清城区")),  # not 汕尾市城区
    ("中共汕尾市城区委", Region("汕尾市", "城区")),
    ("中共中山市委", Region("中山市")),
    ("中山大学党委", None),  # 中山 alone is no city
    ("中共广东省应急管理厅党组", None),
    ("广东外语外贸大学党委", None),
    (None, None),
])
def test_an_issuers_name_places_it_in_a_city_and_district(issuer, region):
    assert region_of(issuer) == region


DIVISIONS = [(city, d) for city, ds in GUANGDONG.items() for d in ds if d not in NEEDS_CITY]


FORMS = ["中共{}委", "{}人民政府党组", "中共{}纪委监委"]


@given(st.sampled_from(DIVISIONS), st.sampled_from(FORMS), st.booleans())
def test_every_district_of_the_table_is_found_with_or_without_its_city(division, form, city_too):
    city, district = division
    issuer = form.format((city if city_too else "") + district)
    assert region_of(issuer) == Region(city, district)


def test_issuers_regions_and_kinds_each_narrow_what_a_destination_follows():
    mine = Destination(url=HOOK, regions=("珠海市",))
    assert mine.wants_notice("…", "中共珠海市金湾区委")
    assert mine.wants_notice("…", "中共珠海市委")
    assert not mine.wants_notice("…", "中共广州市委")
    # the issuer places a notice, not its title
    assert not mine.wants_notice("中共珠海市委关于…", "中共广东省应急管理厅党组")
    district = Destination(url=HOOK, regions=("金湾区",))
    assert district.wants_notice("…", "中共珠海市金湾区委")
    assert not district.wants_notice("…", "中共珠海市香洲区委")
    assert not district.wants_notice("…", "中共珠海市委")
    one = Destination(url=HOOK, issuers=("中共珠海市金湾区委",))
    assert one.wants_notice("…", "中共珠海市金湾区委 ")
    assert not one.wants_notice("…", "中共珠海市委")
    both = Destination(url=HOOK, regions=("珠海市",), match=("巡视",))  # every filter must hold
    assert both.wants_notice("关于巡视整改…", "中共珠海市委")
    assert not both.wants_notice("关于其他…", "中共珠海市委")
    deadlines = Destination(url=HOOK, kinds=("expiring", "period_extended", "period_shortened"))
    assert deadlines.wants_kind("expiring") and not deadlines.wants_kind("new")


@pytest.mark.parametrize("regions", [("珠海",), ("北京市",), ("城",)])
def test_a_region_not_in_the_table_is_refused_saying_what_is(regions):
    with pytest.raises(ValidationError, match="unknown regions"):
        Destination(url=HOOK, regions=regions)


def test_a_run_queues_each_destination_only_what_it_follows(wh, con, mail, hook):
    wh.notice("301", "中共珠海市金湾区委关于巡视整改进展情况的通报", "中共珠海市金湾区委")
    wh.notice("302", "中共广州市委关于巡视整改进展情况的通报", "中共广州市委")
    wh.notice("303", "中共珠海市委关于巡视整改进展情况的通报", "中共珠海市委")
    events = {(n, k): wh.event(n, k) for n in ("301", "302", "303") for k in ("new", "expiring")}
    city = Destination(url=mail.url(), regions=("珠海市",))
    deadlines = Destination(url=hook.url(), kinds=("expiring",), issuers=("中共广州市委",))
    report = run_alerts(con, config(destinations=(city, deadlines)), retry_pauses=NO_PAUSE)
    assert report.pending == 0
    rows = con.execute("SELECT url_hash, change_id FROM outbox ORDER BY change_id").fetchall()
    queued = {(h, c) for h, c in rows}
    assert {c for h, c in queued if h == city.url_hash} == {
        events[n, k] for n in ("301", "303") for k in ("new", "expiring")}
    assert {c for h, c in queued if h == deadlines.url_hash} == {events["302", "expiring"]}
    subjects = sorted(str(m["Subject"]) for m in mail.wait_for(2, timeout=10))
    assert all("珠海市" in s for s in subjects)
