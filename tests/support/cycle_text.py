"""Hypothesis strategies: the inspection cycle's announcements, with what a reader must get.

A generated stationing announcement has a numbered group (Chinese numerals),
a unit named in a random variant (a district committee with or without 中共,
委员会 written out, the city with or without 市; a provincial party group with
or without 中共广东), the visit's period and the letters deadline in random
date forms (the deadline with or without its year, across new year too), a
random deadline wording, and contacts. A generated feedback announcement has
one to three groups, each giving feedback to one to three units of a city
that is named on the first unit only, with a date per clause or one lead
date (a day or 近日) for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import strategies as st

from core.units import CITIES
from replica.wording import cn_count
from tests.support.notice_text import render

DISTRICTS = (
    "金湾区", "濠江区", "南澳县", "武江区", "东源县", "蕉岭县", "陆河县", "阳春市", "廉江市",
)  # fmt: skip
BODIES = (
    "科技厅", "教育厅", "财政厅", "生态环境厅", "交通运输厅", "卫生健康委", "市场监管局",
)  # fmt: skip
DEADLINE_WORDS = (
    "巡视组受理信访时间截止到{}。", "巡视组受理来信来电来访的时间截止至{}。",
    "信访受理截止时间为{}。", "受理信访时间截至{}。",
)  # fmt: skip
FORMS = ("Y", "Y0", "C", "C零", "ISO")


@dataclass(frozen=True)
class Unit:
    written: str  # as the text writes it
    key: str
    region: str


@st.composite
def units(draw) -> Unit:
    """A district committee or a provincial party group, in a random variant."""
    if draw(st.booleans()):
        body = draw(st.sampled_from(BODIES))
        variants = (f"中共广东省{body}党组", f"广东省{body}党组", f"省{body}党组")
        return Unit(draw(st.sampled_from(variants)), f"省{body}党组", "广东省")
    city, place = draw(st.sampled_from(CITIES)), draw(st.sampled_from(DISTRICTS))
    variants = (
        f"中共{city}市{place}委", f"{city}市{place}委", f"中共{city}市{place}委员会",
        f"{city}{place}委",
    )  # fmt: skip
    return Unit(draw(st.sampled_from(variants)), f"{city}市{place}委", f"{city}市")


@dataclass(frozen=True)
class Announcement:
    title: str
    text: str
    published_on: date
    group: str
    unit: Unit
    start: date
    end: date
    letters_until: date
    phone: str
    postcode: str
    email: str


def _written(day: date, form: str, year: bool) -> str:
    return render(day, form, year=year if form != "ISO" else True)


@st.composite
def stationing_announcements(draw) -> Announcement:
    group = f"省委第{cn_count(draw(st.integers(1, 15)))}巡视组"
    unit = draw(units())
    start = draw(st.dates(date(2015, 1, 1), date(2035, 12, 31)))
    end = start + timedelta(days=draw(st.integers(55, 85)))
    deadline = end - timedelta(days=draw(st.integers(3, 8)))
    published = start - timedelta(days=draw(st.integers(1, 5)))
    form = draw(st.sampled_from(FORMS))
    period = f"{_written(start, form, True)}至{_written(end, form, end.year != start.year)}"
    deadline_text = _written(deadline, draw(st.sampled_from(FORMS)), draw(st.booleans()))
    phone = f"020-8{draw(st.integers(1000000, 9999999))}"
    postcode = f"5106{draw(st.integers(10, 99))}"
    email = f"sw{draw(st.integers(1, 15))}xsz@gd.gov.cn"
    title = draw(st.sampled_from(("", "关于"))) + f"{group}进驻{unit.written}开展常规巡视的公告"
    text = (
        f"根据省委统一部署,{group}于{period}对{unit.written}开展常规巡视。"
        f"巡视期间,巡视组设立专门值班电话:{phone},每天受理电话的时间为8:00至18:00;"
        f"专门邮政信箱:广州市1960号信箱(邮编:{postcode});电子邮箱:{email}。"
        + draw(st.sampled_from(DEADLINE_WORDS)).format(deadline_text)
    )
    return Announcement(title, text, published, group, unit, start, end, deadline, phone,
                        postcode, email)  # fmt: skip


@dataclass(frozen=True)
class FeedbackText:
    text: str
    published_on: date
    expected: tuple[tuple[str, str, date | None], ...]  # (group, unit key, day or None: 近日)


@st.composite
def feedback_announcements(draw) -> FeedbackText:
    day = draw(st.dates(date(2015, 1, 1), date(2035, 12, 31)))
    published = day + timedelta(days=draw(st.integers(1, 20)))
    one_date = draw(st.booleans())
    lately = one_date and draw(st.booleans())
    lead = "近日" if lately else render(day, draw(st.sampled_from(FORMS)), year=True)
    cities = draw(st.lists(st.sampled_from(CITIES), min_size=1, max_size=3, unique=True))
    clauses, expected = [], []
    for n, city in enumerate(cities, 1):
        group = f"省委第{cn_count(n)}巡视组"
        places = draw(st.lists(st.sampled_from(DISTRICTS), min_size=1, max_size=3, unique=True))
        names = "、".join((f"{city}市" if i == 0 else "") + f"{p}委" for i, p in enumerate(places))
        when = "" if one_date else f"{render(day, 'Y', year=False)},"
        clauses.append(f"{when}{group}向{names}反馈巡视情况")
        expected.extend((group, f"{city}市{p}委", None if lately else day) for p in places)
    text = (f"{lead},省委巡视组完成反馈。" if one_date else f"{day.year}年巡视反馈。") + ";".join(
        clauses
    ) + "。"
    return FeedbackText(text, published, tuple(expected))
