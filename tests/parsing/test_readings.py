"""How each field was read: sources, raw sentences, confidences; document kinds; working days."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.parsing.article import parse_article
from crawler.parsing.contacts import parse_contacts
from crawler.parsing.kind import classify_document
from crawler.parsing.readings import FIELDS
from crawler.parsing.workdays import COVERAGE, add_working_days, is_working_day

URL = "https://www.gdjct.gd.gov.cn/xunshizgls/content/post_202033.html"


def test_the_seed_records_how_each_field_was_read(seed_a: bytes) -> None:
    notice = parse_article(seed_a, URL)
    r = notice.readings
    assert set(r) == set(FIELDS)
    assert r["publicity_start"] == {
        "source": "label", "raw": "公开期限:2024年9月26日至10月25日", "confidence": 0.95,
    }  # fmt: skip
    assert r["publicity_end"]["source"] == "label" and r["publicity_end"]["estimated"] is False
    for name in ("phones", "emails", "postcode", "address"):
        assert r[name]["source"] == "label" and r[name]["raw"].startswith("联系电话:0756-7263766")
    assert r["issuer"] == {"source": "role", "raw": "中共珠海市金湾区委", "confidence": 0.9}
    assert r["document_kind"]["value"] == notice.document_kind == "rectification"


def test_a_seed_without_its_period_says_none_was_read(seed_a: bytes) -> None:
    page = seed_a.decode("utf-8").replace("公开期限:2024年9月26日至10月25日。", "")
    r = parse_article(page.encode("utf-8"), URL).readings
    assert r["publicity_start"] == {"source": "none", "raw": None, "confidence": 0.0}
    assert r["publicity_end"]["source"] == "none"


def test_derived_start_and_end_say_so(seed_a: bytes) -> None:
    seed = seed_a.decode("utf-8")
    page = seed.replace("公开期限:2024年9月26日至10月25日。", "公示期为15个工作日。")
    notice = parse_article(page.encode("utf-8"), URL)
    assert (notice.publicity.start, notice.publicity.end) == (date(2024, 9, 26), date(2024, 10, 21))
    r = notice.readings
    assert r["publicity_start"]["source"] == "derived"  # the publication date
    assert r["publicity_end"]["source"] == "derived" and r["publicity_end"]["working_days"] is True


def test_contacts_found_by_their_shape_say_role() -> None:
    c = parse_contacts("如有意见建议,请致电0756-7263766或发送邮件至jw@zhuhai.gov.cn。")
    assert (c.phones_source, c.emails_source, c.postcode_source) == ("label", "role", "none")
    c = parse_contacts("如有意见建议,可拨打(0756)7263766反映。通信地址:珠海市XX路1号,519090。")
    assert (c.phones_source, c.address_source, c.postcode_source) == ("label", "label", "role")
    c = parse_contacts("欢迎监督,电话0756-7263766。")
    assert c.phones == ("0756-7263766",)


@pytest.mark.parametrize(
    ("title", "opening", "kind", "source"),
    [
        ("中共珠海市金湾区委关于巡视整改进展情况的通报", "", "rectification", "label"),
        ("中共广东省教育厅党组关于巡察整改情况的通报", "", "rectification", "label"),
        ("省委第三巡视组进驻汕头市南澳县委开展常规巡视的公告", "", "inspection_announcement",
         "label"),
        ("公告", "根据省委统一部署,省委第三巡视组将对XX开展常规巡视。巡视期间受理信访。",
         "inspection_announcement", "role"),
        ("通报", "按照巡视工作有关要求,现将巡视整改进展情况予以公布。", "rectification", "role"),
        ("关于2024年度政务公开工作的通知", "为做好政务公开工作……", "other", "none"),
    ],
)  # fmt: skip
def test_document_kind(title: str, opening: str, kind: str, source: str) -> None:
    found = classify_document(title, opening)
    assert (found.kind, found.source) == (kind, source)


def test_working_days_follow_the_official_calendar_and_say_when_they_guess() -> None:
    assert COVERAGE[0] <= 2004 and COVERAGE[1] >= 2026
    assert not is_working_day(date(2024, 10, 1))  # National Day
    assert is_working_day(date(2024, 10, 12))  # a Saturday worked instead
    assert add_working_days(date(2024, 9, 30), 2) == (date(2024, 10, 8), False)
    beyond = date(COVERAGE[1] + 1, 1, 1)  # a year whose schedule is not in the package
    end, estimated = add_working_days(beyond, 5)
    assert estimated and all(is_working_day(d) == (d.weekday() < 5) for d in (beyond, end))
    with pytest.raises(ValueError):
        add_working_days(date(2024, 9, 30), 0)
