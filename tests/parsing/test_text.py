"""Normalisation: layout whitespace goes, content stays."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.parsing.dates import parse_date_line
from crawler.parsing.document import decode
from crawler.parsing.text import cn_number, normalize_line, normalize_lines, to_ascii


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  根据省委统一部署,", "根据省委统一部署,"),  # two-space indent
        ("\u00a0\u00a0根据省委统一部署", "根据省委统一部署"),  # &nbsp; indent
        ("\u3000\u3000根据省委统一部署", "根据省委统一部署"),  # full-width indent
        ("根据省委\n      统一部署,\n  2023年", "根据省委统一部署,2023年"),  # re-flowed source
        ("来源:南粤清风网 日期:2024-09-26 11:00:00", "来源:南粤清风网日期:2024-09-26 11:00:00"),
        ("Hong  Kong", "Hong Kong"),  # a word space between Latin words survives
        ("金\u200b湾\ufeff区", "金湾区"),  # zero-width characters
        ("末尾空格   \t", "末尾空格"),
        ("１０月２５日", "１０月２５日"),  # stored text keeps full-width digits as printed
    ],
)
def test_normalize_line(raw: str, expected: str) -> None:
    assert normalize_line(raw) == expected


def test_normalize_lines_keeps_paragraphs_and_drops_blank_lines() -> None:
    assert normalize_lines("  一、标题\n\n\n  正文。 \r\n\u3000\n  二、标题".splitlines()) == [
        "一、标题", "正文。", "二、标题",
    ]


def test_to_ascii_keeps_offsets() -> None:
    text = "公开期限：２０２４年９月２６日—１０月２５日（共３０天）"
    folded = to_ascii(text)
    assert folded == "公开期限:2024年9月26日-10月25日(共30天)"
    assert len(folded) == len(text)


@pytest.mark.parametrize(
    ("word", "number"),
    [
        ("30", 30),
        ("三十", 30),
        ("十五", 15),
        ("十", 10),
        ("二十六", 26),
        ("二〇二四", 2024),
        ("一百", 100),
        ("两", 2),
        ("三十天", None),
        ("", None),
    ],
)
def test_cn_number(word: str, number: int | None) -> None:
    assert cn_number(word) == number


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2024年9月26日", date(2024, 9, 26)),
        ("２０２４年９月２６日", date(2024, 9, 26)),
        ("2024 年 9 月 26 日", date(2024, 9, 26)),
        ("二〇二四年九月二十六日", date(2024, 9, 26)),
        ("2024年2月30日", None),  # no such day
        ("中共珠海市金湾区委", None),
        ("2024年9月26日至10月25日", None),  # a range, not a date line
    ],
)
def test_parse_date_line(line: str, expected: date | None) -> None:
    assert parse_date_line(line) == expected


def test_gbk_bytes_under_a_utf8_label_are_read_as_gbk():
    page = ('<html><head><meta charset="utf-8"></head><body><p>中共珠海市金湾区委关于巡视'
            "整改进展情况的通报</p></body></html>")
    assert decode(page.encode("gbk"), "utf-8") == ("gb18030", page)
    assert decode(page.encode("gbk")) == ("gb18030", page)  # the meta tag's label alone


def test_a_utf8_page_with_a_stray_bad_byte_stays_utf8():
    page = "<html><body><p>中共珠海市金湾区委关于巡视整改进展情况的通报</p></body></html>"
    used, text = decode(page.encode("utf-8").replace(b"<p>", b"<p>\xff"), "utf-8")
    assert used == "utf-8" and "金湾区委" in text
