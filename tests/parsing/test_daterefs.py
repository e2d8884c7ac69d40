"""Dates of the inspection cycle's texts: every form read, or reported as a gap."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.parsing.daterefs import YEAR_MARKED_AS_MONTH, Precision, find_dates, read_date
from replica.wording import cn_count, cn_year
from tests.parsing.conftest import DATA, date_row
from tests.support.notice_text import FULLWIDTH, render

ROWS = [json.loads(line) for line in (DATA / "daterefs.jsonl").read_text("utf-8").splitlines()]
TRADITIONAL = str.maketrans("号电对组", "號電對組")
# Words around a date, free of digits, numerals and date words.
FILLER = st.text(
    st.sampled_from("根据省委部署巡视组向反馈了情况,。公告进驻受理信访截止"), max_size=9
)


def _row(ref) -> tuple:
    """``date_row`` plus where the year came from (printed | context | None)."""
    return *date_row(ref), ref.year_from


@pytest.mark.parametrize("row", ROWS, ids=[row["note"] for row in ROWS])
def test_each_form_is_read_or_a_gap(row: dict) -> None:
    context = date.fromisoformat(row["context"]) if row["context"] else None
    assert [_row(ref) for ref in find_dates(row["text"], context)] == [
        (*item, year_from) for *item, year_from in map(tuple, row["expected"])
    ]


def test_each_mention_points_back_into_the_original_text() -> None:
    text = "根据部署，二〇二三年四月二十四日至七月二十六日，省委第十一巡视组"
    refs = find_dates(text)
    assert [text[r.at : r.stop] for r in refs] == ["二〇二三年四月二十四日", "七月二十六日"]
    assert [r.raw for r in refs] == ["二〇二三年四月二十四日", "七月二十六日"]


def test_nothing_found_is_a_gap_that_says_missing() -> None:
    ref = read_date("巡视组受理信访", date(2024, 1, 1))
    assert (ref.precision, ref.reason, ref.day) == (Precision.GAP, "missing", None)


DAYS = st.dates(date(1990, 1, 1), date(2040, 12, 31))
FORMS = st.sampled_from(("Y", "Y0", "C", "C零", "C○", "ISO", "DOT", "SLASH", "FULL", "TRAD"))


def _written(day: date, form: str, year: bool) -> str:
    if form == "FULL":
        return render(day, "Y", year=year).translate(FULLWIDTH)
    if form == "TRAD":
        return render(day, "Y", year=year).replace("日", "號").translate(TRADITIONAL)
    return render(day, form, year=year)


@settings(max_examples=300)
@given(day=DAYS, form=FORMS, before=FILLER, after=FILLER)
def test_a_full_date_in_any_form_is_read_as_that_day(day, form, before, after) -> None:
    refs = find_dates(f"{before}{_written(day, form, True)}{after}")
    assert [(r.precision, r.day, r.year_from) for r in refs] == [(Precision.DAY, day, "printed")]


@settings(max_examples=300)
@given(
    day=DAYS,
    form=st.sampled_from(("Y", "Y0", "C", "C零", "FULL", "TRAD")),
    offset=st.integers(-150, 150),
    before=FILLER,
)
def test_a_year_less_date_takes_the_year_nearest_the_document(day, form, offset, before):
    """Within five months either side of the document's date, across new year too."""
    context = day + timedelta(days=offset)
    refs = find_dates(before + _written(day, form, False), context)
    assert [(r.precision, r.day, r.year_from) for r in refs] == [(Precision.DAY, day, "context")]


@settings(max_examples=200)
@given(day=DAYS, form=st.sampled_from(("Y", "C", "FULL")), before=FILLER)
def test_a_year_less_date_without_a_document_date_is_a_gap(day, form, before) -> None:
    refs = find_dates(before + _written(day, form, False))
    assert [(r.precision, r.reason, r.day) for r in refs] == [(Precision.GAP, "no_year", None)]


@settings(max_examples=200)
@given(
    year=st.integers(1990, 2040),
    month=st.integers(1, 12),
    written=st.sampled_from(("{y}年{m}月", "{y}年{m}月份", "{y}年{m}月底", "{cy}年{cm}月")),
    after=st.text(st.sampled_from("巡视组对开展了常规,。"), max_size=8),
)
def test_a_month_is_a_month_never_a_day(year, month, written, after) -> None:
    text = written.format(y=year, m=month, cy=cn_year(year), cm=cn_count(month)) + after
    refs = find_dates(text)
    assert [(r.precision, r.month, r.day) for r in refs] == [(Precision.MONTH, (year, month), None)]


@settings(max_examples=200)
@given(day=DAYS, before=FILLER, after=FILLER)
def test_a_year_marked_as_month_is_repaired_and_says_so(day, before, after) -> None:
    text = f"{before}{day.year}月{day.month}月{day.day}日{after}"
    refs = find_dates(text)
    assert [(r.day, r.repair) for r in refs] == [(day, YEAR_MARKED_AS_MONTH)]


@settings(max_examples=200)
@given(year=st.integers(1990, 2040), month=st.integers(1, 12), day=st.integers(29, 31))
def test_a_day_the_calendar_lacks_is_a_gap_never_a_guess(year, month, day) -> None:
    refs = find_dates(f"巡视组于{year}年{month}月{day}日进驻")
    try:
        real = date(year, month, day)
    except ValueError:
        assert [(r.precision, r.reason) for r in refs] == [(Precision.GAP, "no_such_day")]
    else:
        assert [r.day for r in refs] == [real]


@settings(max_examples=200)
@given(
    word=st.sampled_from(("近日", "日前", "近期", "前不久")),
    before=FILLER.filter(lambda s: not s.endswith("止")),  # 截止日前: before the deadline
    after=FILLER,
)
def test_lately_is_recorded_as_relative(word, before, after) -> None:
    refs = find_dates(before + word + after, date(2024, 5, 1))
    assert [(r.precision, r.raw, r.day) for r in refs] == [(Precision.RELATIVE, word, None)]
