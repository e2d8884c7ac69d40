"""List pages in both templates: entries, dates, pager."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crawler.parsing.listing import parse_list

DATA = Path(__file__).resolve().parents[1] / "data" / "parsing"
COLUMN = "https://www.gdjct.gd.gov.cn/xunshizgls/"


def _read(name: str, url: str):
    return parse_list((DATA / name).read_bytes(), url)


def test_template_a_page_2() -> None:
    page = _read("list_a_page2.html", COLUMN + "index_2.html")
    assert len(page.entries) == 20
    first = page.entries[0]
    assert first.notice_id == "201900"
    assert first.url == COLUMN + "content/post_201900.html"
    # the title attribute, not the link's shortened text
    assert first.title == "中共珠海市金湾区委关于巡视整改进展情况的通报"
    assert first.listed_on == date(2024, 8, 1)  # the date after the link
    assert page.entries[-1].listed_on == date(2024, 6, 5)
    # the sidebar's articles of another column are not entries
    assert all(e.url.startswith(COLUMN + "content/") for e in page.entries)
    assert page.page_urls == (
        COLUMN + "index.html",
        COLUMN + "index_3.html",
        COLUMN + "index_4.html",
        COLUMN + "index_12.html",
    )
    assert page.next_url == COLUMN + "index_3.html"
    assert page.last_url == COLUMN + "index_12.html"
    assert page.page_no == 2


def test_template_b_page_1() -> None:
    page = _read("list_b_page1.html", COLUMN)
    assert [e.notice_id for e in page.entries[:2]] == ["202033", "202026"]
    assert len(page.entries) == 20
    assert page.entries[0].listed_on == date(2024, 9, 26)  # the date before the link
    assert page.entries[0].title == "中共珠海市金湾区委关于巡视整改进展情况的通报"
    assert page.next_url == COLUMN + "index_2.html"
    assert page.last_url == COLUMN + "index_12.html"
    assert page.page_no == 1  # the pager's current number links to the page itself


def test_last_page_has_no_next() -> None:
    page = _read("list_a_last.html", COLUMN + "index_12.html")
    assert len(page.entries) == 5
    assert page.next_url is None
    assert page.last_url is None  # 尾页 is plain text on the last page
    assert page.page_no == 12
    assert COLUMN + "index_11.html" in page.page_urls


def test_empty_list_keeps_its_pager() -> None:
    page = _read("list_a_empty.html", COLUMN)
    assert page.entries == ()
    assert page.page_urls == (COLUMN + "index.html",)
    assert page.page_no == 1


def test_page_number_from_the_url_without_a_pager() -> None:
    body = (DATA / "list_a_page2.html").read_bytes()
    without_pager = body.split(b'<div class="page">')[0] + b"</div></body></html>"
    assert parse_list(without_pager, COLUMN + "index_7.html").page_no == 7


def test_pager_links_outside_the_column_are_ignored() -> None:
    body = (
        (DATA / "list_a_page2.html")
        .read_bytes()
        .replace(b'<a href="./index_12.html">', b'<a href="/xwzx/index_12.html">')
    )
    page = parse_list(body, COLUMN + "index_2.html")
    assert page.last_url is None
    assert all(u.startswith(COLUMN) for u in page.page_urls)


def test_same_notice_twice_is_listed_once() -> None:
    body = (DATA / "list_a_page2.html").read_bytes().replace(b"post_201893", b"post_201900")
    ids = [e.notice_id for e in parse_list(body, COLUMN + "index_2.html").entries]
    assert ids.count("201900") == 1 and len(ids) == 19
