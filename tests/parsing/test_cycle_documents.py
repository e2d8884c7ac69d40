"""The inspection cycle's documents: stationing and feedback announcements, a
rectification notice's opening, what kind each is, and what its window means."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.units import unit_name
from core.vocabulary import DocumentKind, Window
from crawler.parsing.article import parse_article
from crawler.parsing.feedback import parse_feedback
from crawler.parsing.inspection import parse_inspection
from crawler.parsing.kind import classify_document
from crawler.parsing.stationing import parse_stationing, round_units
from tests.parsing.conftest import DATA, PHRASES, date_row
from tests.support.cycle_text import feedback_announcements, stationing_announcements, units

URL = "https://www.gdjct.gd.gov.cn/xunshizgls/content/post_202033.html"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _excerpts(kind: str) -> list[str]:
    """The real excerpts of one kind (tests/data/parsing/phrases/inspection.jsonl)."""
    return [row["excerpt"] for row in _rows(PHRASES / "inspection.jsonl") if row["kind"] == kind]


STATIONING = _rows(DATA / "stationing.jsonl")
FEEDBACK = _rows(DATA / "feedback.jsonl")


@pytest.mark.parametrize("row", STATIONING, ids=[r["note"] for r in STATIONING])
def test_a_stationing_announcement(row: dict) -> None:
    found = parse_stationing(row["title"], row["text"], date.fromisoformat(row["published_on"]))
    assert found.group == row["group"]
    if row["unit"] is not None:
        assert (found.unit.key, found.unit.region) == (row["unit"], row["region"])
    assert (date_row(found.start), date_row(found.end)) == (row["start"], row["end"])
    assert date_row(found.letters_until) == row["letters_until"]
    assert found.hours == row["hours"]
    c = found.contacts
    assert (list(c.phones), list(c.emails)) == (row["phones"], row["emails"])
    assert (c.postcode, c.address) == (row["postcode"], row["address"])


@pytest.mark.parametrize("row", FEEDBACK, ids=[r["note"] for r in FEEDBACK])
def test_a_feedback_announcement(row: dict) -> None:
    found = parse_feedback(row["text"], date.fromisoformat(row["published_on"]))
    assert date_row(found.on) == row["on"]
    got = [[f.group, f.unit.key, f.unit.region, *date_row(f.on)] for f in found.feedbacks]
    assert got == row["feedbacks"]


def test_a_real_round_list_carries_the_city_onto_later_items() -> None:
    (excerpt,) = _excerpts("xunshi_round_units")
    units = round_units(excerpt)
    by_key = {u.key: u.region for u in units}
    assert len(units) == 37  # 12 cities, then 2 places of each (3 of 云浮)
    assert by_key["汕头市南澳县委"] == "汕头市" and by_key["韶关市南雄市委"] == "韶关市"
    assert by_key["云浮市罗定市委"] == "云浮市" and by_key["汕头市委"] == "汕头市"
    assert all(u.region is not None for u in units)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("经省委批准,本轮巡视对省科技厅、省教育厅等12个单位党组织开展常规巡视。",
         ["省科技厅党组", "省教育厅党组"]),
        ("本轮巡视对汕头市濠江区、南澳县进行常规巡视。", ["汕头市濠江区委", "汕头市南澳县委"]),
        ("省委第三巡视组对南澳县委开展常规巡视。", []),
    ],
)  # fmt: skip
def test_a_rounds_list_ends_where_the_sentence_turns(text: str, keys: list[str]) -> None:
    assert [u.key for u in round_units(text)] == keys


def test_the_real_postal_box_excerpt_gives_the_box_and_its_postcode() -> None:
    excerpt = _excerpts("xunshi_stationing_contacts")[1]
    found = parse_stationing("", excerpt)
    assert (found.contacts.address, found.contacts.postcode) == ("广州市1960号信箱", "510620")
    assert found.letters_until.reason == "missing"


@pytest.mark.parametrize(
    ("text", "unit", "short", "key"),
    [
        (
            "根据省委统一部署,2023年4月24日至7月26日,省委第十一巡视组对珠海市金湾区委推进粤港澳"
            "大湾区建设情况开展了常规巡视。2023年10月26日,省委巡视组向珠海市金湾区委反馈了巡视意见。",
            "珠海市金湾区委", None, "珠海市金湾区委",
        ),
        (
            "根据四届区委第二轮巡察工作统一部署,2022年3月15日至5月20日,区委营商环境专项巡察组对"
            "中共广州市南沙新区明珠湾开发建设管理局(简称明珠湾管理局)党组开展专项巡察,并于7月5日"
            "召开巡察反馈会向明珠湾管理局党组反馈了巡察意见。",
            "中共广州市南沙新区明珠湾开发建设管理局党组", "明珠湾管理局",
            "广州市南沙新区明珠湾开发建设管理局党组",
        ),
        (
            "根据市委统一部署,2020年5月17日至8月7日,市委第八巡察组对市住房城乡建设局党组进行巡察。",
            "市住房城乡建设局党组", None, "市住房城乡建设局党组",
        ),
        ("2024年3月4日,省委第二巡视组向中共廣東省科技廳黨組反饋巡視情況。",
         "中共广东省科技厅党组", None, "省科技厅党组"),
        ("根据省委对巡视工作的统一部署,2023年4月24日至7月26日,省委第十一巡视组对中共珠海市"
         "金湾区委员会开展了常规巡视。", "中共珠海市金湾区委员会", None, "珠海市金湾区委"),
        ("为深入贯彻落实党的二十大精神,现将有关情况通报如下。", None, None, None),
    ],
)  # fmt: skip
def test_a_rectification_opening_names_its_unit(text, unit, short, key) -> None:
    found = parse_inspection(text)
    assert (found.unit, found.unit_short) == (unit, short)
    assert (unit_name(found.unit).key if found.unit else None) == key


def test_the_real_rectification_openings_give_period_feedback_unit_and_short_name() -> None:
    first, second = map(parse_inspection, _excerpts("xuncha_rectification_progress"))
    assert (first.group, first.start, first.end, first.feedback_on) == (
        "区委营商环境专项巡察组", date(2022, 3, 15), date(2022, 5, 20), date(2022, 7, 5),
    )  # fmt: skip
    assert first.unit_short == "明珠湾管理局"
    assert (second.group, second.feedback_on, second.unit) == (
        "市委第八巡察组", date(2020, 10, 27), "市住房城乡建设局党组",
    )  # fmt: skip


def test_the_seed_records_its_unit(seed_a: bytes) -> None:
    notice = parse_article(seed_a, URL)
    assert (notice.inspection.unit, notice.inspection.unit_short) == ("珠海市金湾区委", None)


@pytest.mark.parametrize(
    ("title", "opening", "kind"),
    [
        ("省委第一巡视组向广州市委反馈巡视情况", "", DocumentKind.FEEDBACK),
        ("十三届省委第二轮巡视完成反馈", "", DocumentKind.FEEDBACK),
        ("通知", "近日,省委第一巡视组向广州市委反馈巡视情况。", DocumentKind.FEEDBACK),
        ("中共珠海市金湾区委关于巡视整改进展情况的通报",
         "2023年10月26日,省委巡视组向珠海市金湾区委反馈了巡视意见。", DocumentKind.RECTIFICATION),
        ("通报",
         "2023年10月26日,省委巡视组向珠海市金湾区委反馈了巡视意见。现将巡视整改进展情况予以公布。",
         DocumentKind.RECTIFICATION),
        ("省委第三巡视组进驻汕头市南澳县委开展常规巡视的公告", "", DocumentKind.INSPECTION),
    ],
)  # fmt: skip
def test_a_feedback_announcement_is_its_own_kind(title, opening, kind) -> None:
    assert classify_document(title, opening).kind == kind


def _announcement(title: str, closing: str) -> bytes:
    return (
        "<html><body>"
        '<div>所在位置:<a href="/">首页</a> &gt; <a href="../">整改落实</a></div>'
        f"<h1>{title}</h1><div>来源:南粤清风网 日期:2023-04-09 10:00:00</div><div>"
        "<p>根据省委统一部署,省委第三巡视组于2023年4月10日至7月10日对汕头市南澳县委开展常规巡视。</p>"
        f"<p>{closing}</p><p>省委第三巡视组</p><p>2023年4月9日</p></div></body></html>"
    ).encode()


def test_a_stationing_announcements_window_is_labelled_the_letters_deadline() -> None:
    page = _announcement(
        "省委第三巡视组进驻汕头市南澳县委开展常规巡视的公告",
        "巡视期间,巡视组设专门值班电话和邮政信箱,欢迎广大干部群众反映情况。"
        "受理信访时间截止到2023年6月30日。",
    )
    notice = parse_article(page, URL)
    assert notice.document_kind == DocumentKind.INSPECTION
    assert notice.publicity.end == date(2023, 6, 30)
    assert notice.readings["publicity_end"]["window"] == Window.LETTERS


def test_a_rectification_notices_window_is_labelled_the_publicity_period(seed_a: bytes) -> None:
    notice = parse_article(seed_a, URL)
    assert notice.readings["publicity_end"]["window"] == Window.PUBLICITY


# -- properties: generated announcements -----------------------------------------------------


@settings(max_examples=200)
@given(announcement=stationing_announcements())
def test_a_generated_stationing_announcement_is_read_whole(announcement) -> None:
    a = announcement
    found = parse_stationing(a.title, a.text, a.published_on)
    assert found.group == a.group
    assert (found.unit.key, found.unit.region) == (a.unit.key, a.unit.region)
    assert (found.start.day, found.end.day) == (a.start, a.end)
    assert found.letters_until.day == a.letters_until
    c = found.contacts
    assert (c.phones, c.emails, c.postcode) == ((a.phone,), (a.email,), a.postcode)


@settings(max_examples=200)
@given(announcement=feedback_announcements())
def test_a_generated_feedback_announcement_gives_every_unit_its_group_and_date(announcement):
    found = parse_feedback(announcement.text, announcement.published_on)
    got = tuple((f.group, f.unit.key, f.on.day) for f in found.feedbacks)
    assert got == announcement.expected


@settings(max_examples=200)
@given(
    unit=units(),
    short=st.sampled_from((None, "区委", "科技厅")),
    lead=st.sampled_from(("简称", "以下简称")),
    topic=st.sampled_from(("", "推进粤港澳大湾区建设情况", "落实全面从严治党主体责任情况")),
)
def test_a_generated_rectification_opening_names_its_unit(unit, short, lead, topic) -> None:
    """The opening's unit, in any variant, with a short name or a topic after it, keys right."""
    note = f"({lead}{short})" if short else ""
    text = (
        "根据省委统一部署,2023年4月24日至7月26日,"
        f"省委第三巡视组对{unit.written}{note}{topic}开展了常规巡视。"
    )
    found = parse_inspection(text)
    assert (unit_name(found.unit).key, found.unit_short) == (unit.key, short)
